#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! The portal's projects, files, approvals and messages over HTTP on both backends: a portal
//! user reaches only their own client's records (another client's ids answer exactly as random
//! ids), internal notes never reach the portal, a preview writes nothing, files are limited in
//! size and type (read from the bytes), downloads are attachments, and the mail about a message
//! or an approval request carries a sign-in link that works.

use crate::common;

use common::*;
use serde_json::{Value, json};
use silo_server::ServerConfig;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

struct World {
    owner: String,
    company: String,
    a: String,
    b: String,
    /// Portal sessions of a member of A and of B.
    ann: String,
    bea: String,
}

async fn account(app: &TestApp, t: &str, name: &str) -> String {
    let r = app
        .post("/api/accounts", Some(t), json!({ "name": name }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    id(&r.body)
}

/// Turns parts of the account's portal on.
async fn open_portal(app: &TestApp, t: &str, account: &str, project_time: bool) {
    let r = app
        .patch(
            &format!("/api/accounts/{account}/portal"),
            Some(t),
            json!({"projects": true, "project_time": project_time, "files": true,
                   "approvals": true, "messages": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Invites a portal user and signs them in with the mailed link; answers the session token.
async fn portal_user(app: &TestApp, t: &str, account: &str, email: &str, role: &str) -> String {
    let r = app
        .post(
            &format!("/api/accounts/{account}/portal-users"),
            Some(t),
            json!({"email": email, "name": format!("Person {email}"), "role": role}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    sign_in(app, &app.mailed_token(email, "portal/magic")).await
}

async fn sign_in(app: &TestApp, token: &str) -> String {
    let r = app
        .post("/api/portal/auth/consume", None, json!({ "token": token }))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["token"].as_str().unwrap().to_owned()
}

async fn world(app: &TestApp) -> World {
    let (owner, company) = app.signup("Agency", "olga@agency.example").await;
    let a = account(app, &owner, "Alpha Client").await;
    let b = account(app, &owner, "Beta Client").await;
    open_portal(app, &owner, &a, true).await;
    open_portal(app, &owner, &b, false).await;
    let ann = portal_user(app, &owner, &a, "ann@alpha.example", "member").await;
    let bea = portal_user(app, &owner, &b, "bea@beta.example", "member").await;
    World {
        owner,
        company,
        a,
        b,
        ann,
        bea,
    }
}

async fn upload(
    app: &TestApp,
    path: &str,
    token: &str,
    bytes: Vec<u8>,
    content_type: &str,
) -> Reply {
    app.send(
        app.client
            .post(format!("{}{path}", app.url))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(bytes),
    )
    .await
}

/// Asks `path` (with `{id}` for the id) for `foreign` and for a random id: the answers must be
/// the same not-found, or the same refusal of the body.
#[track_caller]
fn same(foreign: &Reply, random: &Reply, what: &str) {
    assert_eq!(foreign.status, random.status, "{what}: {}", foreign.body);
    assert_eq!(foreign.body, random.body, "{what}");
}

async fn get_both(app: &TestApp, token: &str, path: &str, foreign: &str) -> (Reply, Reply) {
    let random = uuid::Uuid::new_v4().to_string();
    (
        app.get(&path.replace("{id}", foreign), Some(token)).await,
        app.get(&path.replace("{id}", &random), Some(token)).await,
    )
}

async fn post_both(
    app: &TestApp,
    token: &str,
    path: &str,
    foreign: &str,
    body: Value,
) -> (Reply, Reply) {
    let random = uuid::Uuid::new_v4().to_string();
    (
        app.post(&path.replace("{id}", foreign), Some(token), body.clone())
            .await,
        app.post(&path.replace("{id}", &random), Some(token), body)
            .await,
    )
}

async fn projects_show_the_clients_own_projects_and_only_what_is_shared() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let t = &w.owner;
    let r = app
        .post(
            "/api/projects",
            Some(t),
            json!({"name": "Relaunch", "account_id": w.a, "status": "active",
                   "description": "internal: client pays slowly",
                   "billing_type": "time_and_materials", "hourly_rate_cents": 9000,
                   "budget_minutes": 600, "budget_cents": 90000, "start_date": "2026-11-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pa = id(&r.body);
    let r = app
        .post(
            "/api/projects",
            Some(t),
            json!({"name": "Beta shop", "account_id": w.b, "billing_type": "non_billable"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let pb = id(&r.body);
    let task = |title: &str, visible: bool, parent: Option<&str>| {
        let mut body = json!({"project_id": pa, "title": title, "client_visible": visible,
            "due_date": "2026-12-15", "description": "secret detail", "estimate_minutes": 120});
        if let Some(p) = parent {
            body["parent_id"] = json!(p);
        }
        body
    };
    let shown = app
        .post("/api/tasks", Some(t), task("Design", true, None))
        .await;
    assert_eq!(shown.status, 201, "{}", shown.body);
    let hidden = app
        .post("/api/tasks", Some(t), task("Chase invoice", false, None))
        .await;
    let shown_id = id(&shown.body);
    for (title, visible, parent) in [
        ("Wireframes", true, shown_id.as_str()),
        ("Internal review", false, shown_id.as_str()),
        (
            "Under a hidden task",
            true,
            hidden.body["id"].as_str().unwrap(),
        ),
    ] {
        let r = app
            .post("/api/tasks", Some(t), task(title, visible, Some(parent)))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // Approved time: 90 minutes approved, 30 left as a draft.
    let me = app.get("/api/me", Some(t)).await.body["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .send(
            app.client
                .put(format!("{}/api/projects/{pa}/members/{me}", app.url))
                .bearer_auth(t)
                .json(&json!({})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut ids = Vec::new();
    for minutes in [90, 30] {
        let r = app
            .post(
                "/api/time-entries",
                Some(t),
                json!({"project_id": pa, "work_date": "2026-11-20", "minutes": minutes}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(id(&r.body));
    }
    let r = app
        .post(
            "/api/time-entries/approve",
            Some(t),
            json!({"ids": [ids[0]]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let list = app.get("/api/portal/projects", Some(&w.ann)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let items = list.body.as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", list.body);
    assert_eq!(items[0]["id"], pa.as_str());
    assert_eq!(items[0]["billing_type"], "time_and_materials");
    let one = app
        .get(&format!("/api/portal/projects/{pa}"), Some(&w.ann))
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    let text = one.body.to_string();
    for never in [
        "hourly_rate",
        "Chase invoice",
        "Internal review",
        "Under a hidden task",
        "secret detail",
        "client pays slowly",
        "estimate",
        "cost",
        "person",
        "assignee",
    ] {
        assert!(!text.contains(never), "{never} in {text}");
    }
    let tasks = one.body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 1, "{}", one.body);
    assert_eq!(tasks[0]["title"], "Design");
    assert_eq!(tasks[0]["due_date"], "2026-12-15");
    assert_eq!(tasks[0]["subtasks"][0]["title"], "Wireframes");
    assert_eq!(tasks[0]["subtasks"].as_array().unwrap().len(), 1);
    let time = &one.body["time"];
    assert_eq!(time["approved_minutes"], 90, "{}", one.body);
    assert_eq!(time["budget"]["budget_minutes"], 600);
    assert_eq!(
        time["budget"]["minutes"], 120,
        "the burn counts tracked time"
    );
    assert_eq!(time["budget"]["currency"], "EUR");

    // Without project_time, no time; another client's project is a random one.
    let r = app
        .get(&format!("/api/portal/projects/{pb}"), Some(&w.bea))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["time"].is_null(), "{}", r.body);
    let (foreign, random) = get_both(&app, &w.ann, "/api/portal/projects/{id}", &pb).await;
    foreign.expect(404, "not_found");
    same(&foreign, &random, "project of another client");
    // With projects turned off for the client, the part is refused.
    let r = app
        .patch(
            &format!("/api/accounts/{}/portal", w.a),
            Some(t),
            json!({"projects": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    app.get("/api/portal/projects", Some(&w.ann))
        .await
        .expect(403, "forbidden");
    let _ = w.company;
}

async fn files_are_scoped_typed_by_their_bytes_and_downloaded_as_attachments() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let t = &w.owner;
    let r = app
        .post(
            "/api/projects",
            Some(t),
            json!({"name": "Beta shop", "account_id": w.b, "billing_type": "non_billable"}),
        )
        .await;
    let pb = id(&r.body);
    // The agency shares a PDF with A (sent as an image: the bytes decide) and one with B.
    let path = format!("/api/files?account_id={}&name=..%2F..%2Fbrief.html", w.a);
    let fa = upload(&app, &path, t, PDF.to_vec(), "image/png").await;
    assert_eq!(fa.status, 201, "{}", fa.body);
    assert_eq!(fa.body["content_type"], "application/pdf");
    assert_eq!(fa.body["name"], "brief.html.pdf");
    let fa = id(&fa.body);
    let path = format!("/api/files?account_id={}&project_id={pb}&name=b.pdf", w.b);
    let fb = upload(&app, &path, t, PDF.to_vec(), "application/pdf").await;
    assert_eq!(fb.status, 201, "{}", fb.body);
    let fb = id(&fb.body);
    // A project of another client is refused like a missing one.
    let path = format!("/api/files?account_id={}&project_id={pb}&name=x.pdf", w.a);
    upload(&app, &path, t, PDF.to_vec(), "application/pdf")
        .await
        .expect(422, "invalid");

    let list = app.get("/api/portal/files", Some(&w.ann)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let ids: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [fa.as_str()]);
    assert_eq!(list.body[0]["from_agency"], true);
    let r = app
        .get(&format!("/api/portal/files?project_id={pb}"), Some(&w.ann))
        .await;
    assert_eq!(r.body, json!([]), "another client's project lists nothing");

    let res = app
        .client
        .get(format!("{}/api/portal/files/{fa}", app.url))
        .bearer_auth(&w.ann)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let disposition = h["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("brief.html.pdf"), "{disposition}");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    let (foreign, random) = get_both(&app, &w.ann, "/api/portal/files/{id}", &fb).await;
    foreign.expect(404, "not_found");
    same(&foreign, &random, "file of another client");

    // The client uploads: scoped to its own projects, typed by the bytes.
    let csv = b"name,amount\nlogo,100\n".to_vec();
    let r = upload(
        &app,
        "/api/portal/files?name=figures.csv",
        &w.ann,
        csv.clone(),
        "application/pdf",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["content_type"], "text/csv");
    assert_eq!(r.body["from_agency"], false);
    assert_eq!(r.body["uploaded_by_name"], "Person ann@alpha.example");
    let mine = id(&r.body);
    let random = uuid::Uuid::new_v4();
    let foreign = upload(
        &app,
        &format!("/api/portal/files?name=x.csv&project_id={pb}"),
        &w.ann,
        csv.clone(),
        "text/csv",
    )
    .await;
    let missing = upload(
        &app,
        &format!("/api/portal/files?name=x.csv&project_id={random}"),
        &w.ann,
        csv,
        "text/csv",
    )
    .await;
    foreign.expect(422, "invalid");
    same(&foreign, &missing, "upload to another client's project");
    let staff = app
        .get(&format!("/api/files?account_id={}", w.a), Some(t))
        .await;
    assert_eq!(staff.status, 200);
    let theirs = staff
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == mine.as_str())
        .unwrap();
    assert!(theirs["uploaded_by_portal"].is_string(), "{theirs}");
    let text = app
        .client
        .get(format!("{}/api/files/{mine}", app.url))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(text.headers()["content-type"], "text/csv; charset=utf-8");

    // Deleted: gone for both sides, record kept without bytes.
    let r = app.delete(&format!("/api/files/{fa}"), Some(t)).await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.get(&format!("/api/portal/files/{fa}"), Some(&w.ann))
        .await
        .expect(404, "not_found");
    app.get(&format!("/api/files/{fa}"), Some(t))
        .await
        .expect(404, "not_found");
    app.delete(&format!("/api/files/{fa}"), Some(t))
        .await
        .expect(404, "not_found");
    let db = app.tenant_db(&w.company).await;
    let row = db
        .db()
        .fetch_one(
            "SELECT size_bytes, bytes, deleted_at FROM files WHERE id = $1",
            silo_store::params![fa.as_str()],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<Vec<u8>>("bytes").unwrap(), Vec::<u8>::new());
    assert_eq!(row.get::<i64>("size_bytes").unwrap(), PDF.len() as i64);
    assert!(row.get::<Option<String>>("deleted_at").unwrap().is_some());
}

async fn uploads_are_limited_in_size_and_type() {
    let mut config = ServerConfig::default();
    config.portal.file_limit = 64 * 1024;
    let app = spawn_with(config).await;
    let w = world(&app).await;
    let path = format!("/api/files?account_id={}&name=big.pdf", w.a);
    let mut big = PDF.to_vec();
    big.resize(64 * 1024 + 1, b' ');
    upload(&app, &path, &w.owner, big.clone(), "application/pdf")
        .await
        .expect(413, "payload_too_large");
    upload(
        &app,
        "/api/portal/files?name=big.pdf",
        &w.ann,
        big.clone(),
        "application/pdf",
    )
    .await
    .expect(413, "payload_too_large");
    big.truncate(64 * 1024);
    let r = upload(&app, &path, &w.owner, big, "application/pdf").await;
    assert_eq!(r.status, 201, "exactly the limit is accepted: {}", r.body);
    // A program named like a PDF, an HTML page and an empty file are refused.
    for (bytes, status, code) in [
        (
            b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            b"\x7fELF\x02\x01\x01".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (Vec::new(), 422, "invalid"),
    ] {
        upload(&app, &path, &w.owner, bytes.clone(), "application/pdf")
            .await
            .expect(status, code);
        upload(
            &app,
            "/api/portal/files?name=setup.pdf",
            &w.ann,
            bytes,
            "application/pdf",
        )
        .await
        .expect(status, code);
    }
    // A file sent without a name is called after its type.
    let unnamed = upload(
        &app,
        &format!("/api/files?account_id={}", w.a),
        &w.owner,
        PDF.to_vec(),
        "application/pdf",
    )
    .await;
    assert_eq!(unnamed.status, 201, "{}", unnamed.body);
    assert_eq!(unnamed.body["name"], "file.pdf");

    // With the default limit (10 MiB), files beyond the server's 1 MiB body limit are taken.
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut two = PDF.to_vec();
    two.resize(2 * 1024 * 1024, b' ');
    let r = upload(
        &app,
        &format!("/api/files?account_id={}&name=two.pdf", w.a),
        &w.owner,
        two,
        "application/pdf",
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["size_bytes"], 2 * 1024 * 1024);
    assert_eq!(
        ServerConfig::default().portal.file_limit,
        10 * 1024 * 1024,
        "10 MiB by default"
    );
}

async fn approvals_are_decided_once_by_the_client_with_who_and_when() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let t = &w.owner;
    let path = format!("/api/files?account_id={}&name=b.pdf", w.b);
    let fb = id(&upload(&app, &path, t, PDF.to_vec(), "application/pdf")
        .await
        .body);
    let path = format!("/api/files?account_id={}&name=logo.png", w.a);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    let fa = id(&upload(&app, &path, t, png, "image/png").await.body);
    // The file must be the client's.
    app.post(
        "/api/approvals",
        Some(t),
        json!({"account_id": w.a, "title": "Logo", "file_id": fb}),
    )
    .await
    .expect(422, "invalid");
    let mails_before = app.mails_to("ann@alpha.example").len();
    let r = app
        .post(
            "/api/approvals",
            Some(t),
            json!({"account_id": w.a, "title": "Logo v2", "note": "Blue this time", "file_id": fa}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(r.body["file"]["id"], fa.as_str());
    let ap = id(&r.body);
    let r = app
        .post(
            "/api/approvals",
            Some(t),
            json!({"account_id": w.b, "title": "Beta copy"}),
        )
        .await;
    let bp = id(&r.body);
    // Ann is mailed with a sign-in link that works.
    let mails = app.mails_to("ann@alpha.example");
    assert_eq!(mails.len(), mails_before + 1);
    let mail = mails.last().unwrap();
    assert!(mail.contains("Logo v2"), "{mail}");
    let token = app.mailed_token("ann@alpha.example", "portal/magic");
    let session = sign_in(&app, &token).await;
    let list = app.get("/api/portal/approvals", Some(&session)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.body);
    assert_eq!(list.body[0]["id"], ap.as_str());
    assert!(list.body[0].get("requested_by").is_none());

    // The file to approve is reachable with the approvals part alone.
    let r = app
        .patch(
            &format!("/api/accounts/{}/portal", w.a),
            Some(t),
            json!({"files": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.get(&format!("/api/portal/files/{fa}"), Some(&w.ann))
        .await
        .expect(403, "forbidden");
    let res = app
        .client
        .get(format!("{}/api/portal/approvals/{ap}/file", app.url))
        .bearer_auth(&w.ann)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    app.get(&format!("/api/portal/approvals/{bp}/file"), Some(&w.ann))
        .await
        .expect(404, "not_found");
    let (foreign, random) = get_both(&app, &w.ann, "/api/portal/approvals/{id}", &bp).await;
    foreign.expect(404, "not_found");
    same(&foreign, &random, "approval of another client");
    let decide = "/api/portal/approvals/{id}/decide";
    let (foreign, random) =
        post_both(&app, &w.ann, decide, &bp, json!({"decision": "approved"})).await;
    foreign.expect(404, "not_found");
    same(&foreign, &random, "deciding another client's approval");
    let r = app
        .post(
            &decide.replace("{id}", &ap),
            Some(&w.ann),
            json!({"decision": "changes_requested"}),
        )
        .await;
    r.expect(422, "invalid");
    assert!(
        r.body["error"]["fields"]["comment"].is_string() || r.body.to_string().contains("comment"),
        "{}",
        r.body
    );
    let r = app
        .post(
            &decide.replace("{id}", &ap),
            Some(&w.ann),
            json!({"decision": "changes_requested", "comment": "Darker blue, please"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "changes_requested");
    assert_eq!(r.body["decided_by_name"], "Person ann@alpha.example");
    assert!(r.body["decided_at"].is_string());
    app.post(
        &decide.replace("{id}", &ap),
        Some(&w.ann),
        json!({"decision": "approved"}),
    )
    .await
    .expect(409, "invalid_transition");
    let staff = app.get(&format!("/api/approvals/{ap}"), Some(t)).await;
    assert_eq!(staff.body["decision_comment"], "Darker blue, please");
    let me = app.get("/api/portal/me", Some(&w.ann)).await;
    assert_eq!(staff.body["decided_by"], me.body["user"]["id"]);
    app.post(&format!("/api/approvals/{ap}/withdraw"), Some(t), json!({}))
        .await
        .expect(409, "invalid_transition");
    let r = app
        .post(&format!("/api/approvals/{bp}/withdraw"), Some(t), json!({}))
        .await;
    assert_eq!(r.body["status"], "withdrawn", "{}", r.body);
    app.post(
        &decide.replace("{id}", &bp),
        Some(&w.bea),
        json!({"decision": "approved"}),
    )
    .await
    .expect(409, "invalid_transition");
    // Two decisions at once: one wins, the other is refused, one event.
    let r = app
        .post(
            "/api/approvals",
            Some(t),
            json!({"account_id": w.a, "title": "Race"}),
        )
        .await;
    let race = id(&r.body);
    let path = decide.replace("{id}", &race);
    let replies = send_all(vec![
        app.post_request(&path, &w.ann, json!({"decision": "approved"})),
        app.post_request(
            &path,
            &session,
            json!({"decision": "changes_requested", "comment": "No"}),
        ),
    ])
    .await;
    let mut statuses: Vec<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [200, 409],
        "{:?}",
        replies.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    let db = app.tenant_db(&w.company).await;
    let decided: i64 = db
        .db()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM outbox WHERE subject_id = $1 \
             AND event_type IN ('approval.approved', 'approval.changes_requested')",
            silo_store::params![race.as_str()],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap();
    assert_eq!(decided, 1);
    // The decision's event names the portal user as its actor.
    let row = db
        .db()
        .fetch_one(
            "SELECT actor_id, actor_kind FROM outbox WHERE event_type = 'approval.changes_requested' \
             AND subject_id = $1",
            silo_store::params![ap.as_str()],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<String>("actor_kind").unwrap(), "portal_user");
    assert_eq!(
        row.get::<String>("actor_id").unwrap(),
        me.body["user"]["id"].as_str().unwrap()
    );
}

async fn messages_reach_the_client_without_internal_notes_and_mail_both_ways() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let t = &w.owner;
    // A billing user of A does not reach messages: never mailed about them.
    let _billing = portal_user(&app, t, &w.a, "bill@alpha.example", "billing").await;
    let before = app.mails_to("ann@alpha.example").len();
    let r = app
        .post(
            "/api/threads",
            Some(t),
            json!({"account_id": w.a, "subject": "Kick-off", "body": "Shall we meet Monday?"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let th = id(&r.body);
    let r = app
        .post(
            "/api/threads",
            Some(t),
            json!({"account_id": w.b, "subject": "Beta things"}),
        )
        .await;
    let tb = id(&r.body);
    let note = app
        .post(
            &format!("/api/threads/{th}/messages"),
            Some(t),
            json!({"body": "They never pay on time", "internal": true}),
        )
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    assert_eq!(note.body["internal"], true);
    // One mail for the message, none for the note; none to the billing user.
    let mails = app.mails_to("ann@alpha.example");
    assert_eq!(mails.len(), before + 1);
    assert!(mails.last().unwrap().contains("Kick-off"));
    assert!(!mails.last().unwrap().contains("They never pay"));
    assert_eq!(
        app.mails_to("bill@alpha.example").len(),
        1,
        "the invitation only"
    );

    // The mailed link signs Ann in; she reads the thread without the note.
    let session = sign_in(&app, &app.mailed_token("ann@alpha.example", "portal/magic")).await;
    let threads = app.get("/api/portal/threads", Some(&session)).await;
    assert_eq!(threads.status, 200, "{}", threads.body);
    assert_eq!(threads.body.as_array().unwrap().len(), 1);
    assert_eq!(threads.body[0]["subject"], "Kick-off");
    let msgs = app
        .get(
            &format!("/api/portal/threads/{th}/messages"),
            Some(&session),
        )
        .await;
    assert_eq!(msgs.status, 200, "{}", msgs.body);
    let text = msgs.body.to_string();
    assert!(!text.contains("never pay"), "{text}");
    assert!(!text.contains("internal"), "{text}");
    assert_eq!(msgs.body.as_array().unwrap().len(), 1);
    assert_eq!(msgs.body[0]["from_agency"], true);
    // The thread's time is the last message she can read, not the note's.
    assert_eq!(
        threads.body[0]["last_message_at"],
        msgs.body[0]["created_at"]
    );

    // Another client's thread answers as a random one, for reading and writing.
    let path = "/api/portal/threads/{id}/messages";
    let (foreign, random) = get_both(&app, &w.ann, path, &tb).await;
    foreign.expect(404, "not_found");
    same(&foreign, &random, "thread of another client");
    let (foreign, random) = post_both(&app, &w.ann, path, &tb, json!({"body": "hi"})).await;
    foreign.expect(404, "not_found");
    same(&foreign, &random, "writing in another client's thread");

    // Ann replies; the agency (the staff member who wrote, no invoicing address) is mailed.
    let agency_before = app.mails_to("olga@agency.example").len();
    let r = app
        .post(
            &format!("/api/portal/threads/{th}/messages"),
            Some(&session),
            json!({"body": "Monday works", "internal": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["from_agency"], false);
    let staff = app
        .get(&format!("/api/threads/{th}/messages"), Some(t))
        .await;
    let all = staff.body.as_array().unwrap();
    assert_eq!(all.len(), 3, "{}", staff.body);
    assert_eq!(
        all[2]["internal"], false,
        "a client never writes an internal note"
    );
    assert_eq!(all[2]["author_name"], "Person ann@alpha.example");
    let agency = app.mails_to("olga@agency.example");
    assert_eq!(agency.len(), agency_before + 1);
    assert!(
        agency
            .last()
            .unwrap()
            .contains(&format!("/accounts/{}", w.a))
    );
    // With an invoicing address, that address is mailed instead.
    let r = app
        .patch(
            "/api/company/invoicing",
            Some(t),
            json!({"email": "office@agency.example"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    app.post(
        &format!("/api/portal/threads/{th}/messages"),
        Some(&session),
        json!({"body": "And bring the logo"}),
    )
    .await;
    assert_eq!(app.mails_to("office@agency.example").len(), 1);
    assert_eq!(app.mails_to("olga@agency.example").len(), agency_before + 1);
    // The posting's event names the portal user.
    let db = app.tenant_db(&w.company).await;
    let n: i64 = db
        .db()
        .fetch_one(
            "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'message.posted' \
             AND actor_kind = 'portal_user'",
            &[],
        )
        .await
        .unwrap()
        .get("n")
        .unwrap();
    assert_eq!(n, 2);
    let _ = w.bea;
}

async fn a_preview_reads_but_never_writes() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let t = &w.owner;
    let r = app
        .post(
            "/api/threads",
            Some(t),
            json!({"account_id": w.a, "subject": "Hello", "body": "Hi"}),
        )
        .await;
    let th = id(&r.body);
    let r = app
        .post(
            "/api/approvals",
            Some(t),
            json!({"account_id": w.a, "title": "Copy"}),
        )
        .await;
    let ap = id(&r.body);
    let r = app
        .post(
            &format!("/api/accounts/{}/portal/preview", w.a),
            Some(t),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let preview = r.body["token"].as_str().unwrap().to_owned();
    for path in [
        "/api/portal/projects".to_owned(),
        "/api/portal/files".to_owned(),
        "/api/portal/approvals".to_owned(),
        format!("/api/portal/threads/{th}/messages"),
    ] {
        let r = app.get(&path, Some(&preview)).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }
    app.post(
        &format!("/api/portal/threads/{th}/messages"),
        Some(&preview),
        json!({"body": "as the client"}),
    )
    .await
    .expect(403, "forbidden");
    app.post(
        &format!("/api/portal/approvals/{ap}/decide"),
        Some(&preview),
        json!({"decision": "approved"}),
    )
    .await
    .expect(403, "forbidden");
    upload(
        &app,
        "/api/portal/files?name=a.pdf",
        &preview,
        PDF.to_vec(),
        "application/pdf",
    )
    .await
    .expect(403, "forbidden");
    let a = app.get(&format!("/api/approvals/{ap}"), Some(t)).await;
    assert_eq!(a.body["status"], "pending");
    let m = app
        .get(&format!("/api/threads/{th}/messages"), Some(t))
        .await;
    assert_eq!(m.body.as_array().unwrap().len(), 1);
    let f = app.get("/api/files", Some(t)).await;
    assert_eq!(f.body, json!([]));
    // Staff tokens are refused on portal routes, portal tokens on staff routes.
    app.get("/api/portal/files", Some(t))
        .await
        .expect(401, "unauthenticated");
    app.get("/api/files", Some(&w.ann))
        .await
        .expect(401, "unauthenticated");
}

silo_testkit::backend_tests!(
    projects_show_the_clients_own_projects_and_only_what_is_shared,
    files_are_scoped_typed_by_their_bytes_and_downloaded_as_attachments,
    uploads_are_limited_in_size_and_type,
    approvals_are_decided_once_by_the_client_with_who_and_when,
    messages_reach_the_client_without_internal_notes_and_mail_both_ways,
    a_preview_reads_but_never_writes,
);
