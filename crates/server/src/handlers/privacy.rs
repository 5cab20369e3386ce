//! `/api/privacy`: people's data requests (find, report as JSON or PDF, erase) and the
//! company's retention settings. The company's own database is searched; the people of the
//! company with the e-mail address or name given are found in the control plane and searched
//! by their ids.

use crate::AppState;
use crate::audit::after_write;
use crate::binding::Tenant;
use crate::error::ApiError;
use crate::json::Json;
use crate::notify;
use crate::pagination::{Page, PageQuery, Query, list_params};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use silo_documents::{Language, SubjectRecord, SubjectReportPdf, SubjectSection};
use silo_domain::attribution::report::ReportLanguage;
use silo_domain::privacy::retention::{self, RetentionInput, RetentionSettings};
use silo_domain::privacy::{self, Identifiers, Match, SubjectQuery, SubjectReport, SubjectRequest};
use silo_mail::templates::Lang;
use uuid::Uuid;

/// The company's people (staff identities) the identifiers name: the identity with the e-mail
/// address (a former member's records still carry its id), and members with the name.
async fn staff(
    state: &AppState,
    tenant: &Tenant,
    ids: &Identifiers,
) -> Result<Vec<Uuid>, ApiError> {
    let control = state.tenancy.control();
    let mut found = Vec::new();
    if let Some(email) = ids.email()
        && let Ok(email) = silo_contract::Email::parse(email)
        && let Some(identity) = control.identity_by_email(&email).await?
    {
        found.push(identity.id.as_uuid());
    }
    if let Some(name) = ids.name() {
        for m in control.members(tenant.company.id).await? {
            if m.name.trim().to_ascii_lowercase() == name {
                found.push(m.identity_id.as_uuid());
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    Ok(found)
}

/// `POST /api/privacy/report`.
pub async fn report(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<SubjectQuery>,
) -> Result<Json<SubjectReport>, ApiError> {
    let ids = req.parse()?;
    let staff = staff(&state, &tenant, &ids).await?;
    let report = privacy::report(&tenant.db, &ids, &staff, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(report))
}

fn pdf_of(report: &SubjectReport, agency: String, language: Language) -> SubjectReportPdf {
    let nl = language == Language::Nl;
    let kind = |k: &str| match (k, nl) {
        ("email", true) => "E-mailadres",
        ("email", false) => "E-mail address",
        ("phone", true) => "Telefoon",
        ("phone", false) => "Phone",
        (_, true) => "Naam",
        (_, false) => "Name",
    };
    let value = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "–".to_owned(),
        other => other.to_string(),
    };
    SubjectReportPdf {
        language,
        agency,
        generated_at: report.generated_at.to_string(),
        request_id: report.request_id.to_string(),
        identified_by: report
            .identified_by
            .iter()
            .map(|(k, v)| (kind(k).to_owned(), v.clone()))
            .collect(),
        sections: report
            .sections
            .iter()
            .map(|s| SubjectSection {
                title: if nl {
                    s.label_nl.clone()
                } else {
                    s.label_en.clone()
                },
                note: s.retained_ground.clone(),
                records: s
                    .rows
                    .iter()
                    .map(|r| {
                        let key: Vec<String> = r.key.values().map(value).collect();
                        let how = match (r.matched, nl) {
                            (Match::Own, _) => String::new(),
                            (Match::Mention, true) => " (noemt u)".to_owned(),
                            (Match::Mention, false) => " (mentions you)".to_owned(),
                        };
                        SubjectRecord {
                            heading: format!("{}{how}", key.join(" / ")),
                            fields: r
                                .fields
                                .iter()
                                .filter(|(_, v)| !v.is_null())
                                .map(|(k, v)| (k.clone(), value(v)))
                                .collect(),
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `POST /api/privacy/report/pdf`: the report as a PDF for the person, in the `lang` asked
/// for or the browser's.
pub async fn report_pdf(
    State(state): State<AppState>,
    tenant: Tenant,
    headers: HeaderMap,
    Json(req): Json<SubjectQuery>,
) -> Result<Response, ApiError> {
    let ids = req.parse()?;
    let staff = staff(&state, &tenant, &ids).await?;
    let report = privacy::report(&tenant.db, &ids, &staff, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    let asked = ids.lang.map(|l| match l {
        ReportLanguage::En => "en",
        ReportLanguage::Nl => "nl",
    });
    let language = match notify::language(asked, &headers) {
        Lang::Nl => Language::Nl,
        Lang::En => Language::En,
    };
    let agency = silo_domain::invoicing::get(&tenant.db)
        .await?
        .legal_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| tenant.company.name.clone());
    let bytes = silo_documents::subject_report_pdf(&pdf_of(&report, agency, language))
        .map_err(|e| ApiError::Internal(format!("subject report pdf: {e}")))?;
    Ok(super::contracts::pdf_download(
        &format!("personal-data-{}.pdf", report.request_id),
        bytes,
    ))
}

/// `POST /api/privacy/erasure`.
pub async fn erase(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<SubjectQuery>,
) -> Result<Json<SubjectRequest>, ApiError> {
    let ids = req.parse()?;
    let staff = staff(&state, &tenant, &ids).await?;
    let done = privacy::erase(&tenant.db, &ids, &staff, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(done))
}

/// `GET /api/privacy/requests?limit=&cursor=`.
pub async fn requests(
    tenant: Tenant,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<SubjectRequest>>, ApiError> {
    let (params, limit) = list_params(&page)?;
    let items = privacy::requests(&tenant.db, &params).await?;
    Ok(Json(Page::from_overfetch(items, limit, |r| {
        r.id.to_string()
    })))
}

/// `GET /api/privacy/retention`.
pub async fn retention(tenant: Tenant) -> Result<Json<RetentionSettings>, ApiError> {
    Ok(Json(retention::settings(&tenant.db).await?))
}

/// `PUT /api/privacy/retention`.
pub async fn put_retention(
    State(state): State<AppState>,
    tenant: Tenant,
    Json(req): Json<RetentionInput>,
) -> Result<Json<RetentionSettings>, ApiError> {
    let s = retention::put_settings(&tenant.db, req, &tenant.origin()).await?;
    after_write(&state, &tenant).await;
    Ok(Json(s))
}
