//! `/api/attribution/report`: the reconciliation report as JSON, as CSV (RFC 4180, amounts as
//! decimals with a dot, like the other report downloads) and as a white-label PDF for the
//! agency's client (the agency's logo and name, in the language asked for or the browser's).

use crate::binding::Tenant;
use crate::error::ApiError;
use crate::handlers::reports::{csv_answer, decimal, header_row};
use crate::json::Json;
use crate::notify;
use crate::pagination::Query;
use axum::http::HeaderMap;
use axum::response::Response;
use silo_documents::{
    AttributionCurrency, AttributionReportPdf, AttributionRow, DocumentError, Language,
};
use silo_domain::attribution::Attribution;
use silo_domain::attribution::report::{
    self, AttributionReport, Period, ReportLanguage, ReportQuery, ReportRow, TouchModel,
};
use silo_mail::templates::Lang;

/// `GET /api/attribution/report?from=YYYY-MM&to=YYYY-MM&model=first|last`.
pub async fn report(
    tenant: Tenant,
    Query(q): Query<ReportQuery>,
) -> Result<Json<AttributionReport>, ApiError> {
    let period = q.check()?;
    Ok(Json(report::report(&tenant.db, &period).await?))
}

/// `GET /api/attribution/report/csv`: one line per row (`kind` attributed, unattributed or
/// no_consent), then per currency a `total` line and a `finance_paid` line (the revenue report's
/// paid total, equal to it).
pub async fn report_csv(
    tenant: Tenant,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let period = q.check()?;
    let r = report::report(&tenant.db, &period).await?;
    let mut rows = vec![header_row(&[
        "from", "to", "model", "currency", "kind", "source", "medium", "campaign", "payments",
        "paid",
    ])];
    let lead = |currency: &str, kind: &str| {
        vec![
            r.from.clone(),
            r.to.clone(),
            r.model.as_str().to_owned(),
            currency.to_owned(),
            kind.to_owned(),
        ]
    };
    for c in &r.currencies {
        for row in &c.rows {
            let mut line = lead(&c.currency, row.kind.as_str());
            line.extend([
                row.source.clone().unwrap_or_default(),
                row.medium.clone().unwrap_or_default(),
                row.campaign.clone().unwrap_or_default(),
                row.payments.to_string(),
                decimal(row.paid_cents),
            ]);
            rows.push(line);
        }
        let payments: i64 = c.rows.iter().map(|r| r.payments).sum();
        for (kind, count, cents) in [
            ("total", payments.to_string(), c.total_cents),
            ("finance_paid", String::new(), c.finance_paid_cents),
        ] {
            let mut line = lead(&c.currency, kind);
            line.extend([String::new(), String::new(), String::new(), count]);
            line.push(decimal(cents));
            rows.push(line);
        }
    }
    csv_answer(&format!("attribution-{}-{}", r.from, r.to), rows)
}

/// The PDF's language: the `lang` asked for, else the browser's first choice (English when it
/// is neither).
fn language(period: &Period, headers: &HeaderMap) -> Language {
    let asked = period.lang.map(|l| match l {
        ReportLanguage::En => "en",
        ReportLanguage::Nl => "nl",
    });
    match notify::language(asked, headers) {
        Lang::Nl => Language::Nl,
        Lang::En => Language::En,
    }
}

/// A row's label as printed: `source / medium / campaign` (a dash for what is missing), or the
/// words for the closing rows.
fn label(row: &ReportRow, language: Language) -> String {
    let nl = language == Language::Nl;
    match row.kind {
        Attribution::Unattributed => if nl {
            "Niet toegeschreven"
        } else {
            "Unattributed"
        }
        .to_owned(),
        Attribution::NoConsent => if nl { "Geen toestemming" } else { "No consent" }.to_owned(),
        Attribution::Attributed => [&row.source, &row.medium, &row.campaign]
            .iter()
            .map(|v| v.as_deref().filter(|s| !s.is_empty()).unwrap_or("–"))
            .collect::<Vec<_>>()
            .join(" / "),
    }
}

/// `GET /api/attribution/report/pdf?from=&to=&model=&lang=`.
pub async fn report_pdf(
    tenant: Tenant,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let period = q.check()?;
    let r = report::report(&tenant.db, &period).await?;
    let language = language(&period, &headers);
    let invoicing = silo_domain::invoicing::get(&tenant.db).await?;
    let agency = invoicing
        .legal_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| tenant.company.name.clone());
    let logo = silo_domain::branding::get_logo(&tenant.db).await?;
    let doc = AttributionReportPdf {
        language,
        agency,
        logo,
        from: r.from.clone(),
        to: r.to.clone(),
        first_touch: r.model == TouchModel::First,
        currencies: r
            .currencies
            .iter()
            .map(|c| AttributionCurrency {
                currency: c.currency.clone(),
                rows: c
                    .rows
                    .iter()
                    .map(|row| AttributionRow {
                        label: label(row, language),
                        fixed: row.kind != Attribution::Attributed,
                        paid_cents: row.paid_cents,
                        payments: row.payments,
                    })
                    .collect(),
                total_cents: c.total_cents,
                finance_paid_cents: c.finance_paid_cents,
            })
            .collect(),
    };
    // An uploaded logo is checked by its header only; one the PDF library cannot decode must
    // not keep the agency from its report: it is printed without, and the operator told.
    let bytes = match silo_documents::attribution_report_pdf(&doc) {
        Err(DocumentError::Logo(e)) => {
            tracing::warn!(error = %e, "the company's logo cannot be printed: the attribution report goes without it");
            silo_documents::attribution_report_pdf(&AttributionReportPdf { logo: None, ..doc })
        }
        printed => printed,
    }
    .map_err(|e| ApiError::Internal(format!("attribution report pdf: {e}")))?;
    Ok(super::contracts::pdf_download(
        &format!("attribution-{}-{}.pdf", r.from, r.to),
        bytes,
    ))
}
