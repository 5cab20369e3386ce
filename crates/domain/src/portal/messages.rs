//! Messages in the portal: the client's conversations with the agency and their messages,
//! never the agency's internal notes (not even their times), and portal users' replies.

use super::{Part, PortalDb, RequestOrigin};
use crate::error::{DomainError, DomainResult, Problems};
use crate::input::{Sent, take};
use crate::messages::{self, Author, MessageBody, Thread};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use silo_store::{Row, StoreError, Timestamp, Tx, params};
use uuid::Uuid;

/// A conversation as the client sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalThread {
    /// Id.
    pub id: Uuid,
    /// The project it is about, if any.
    pub project_id: Option<Uuid>,
    /// Subject.
    pub subject: String,
    /// Started.
    pub created_at: Timestamp,
    /// The latest message the client can read (internal notes do not count).
    pub last_message_at: Timestamp,
}

/// A message as the client sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct PortalMessage {
    /// Id.
    pub id: Uuid,
    /// True when the agency wrote it.
    pub from_agency: bool,
    /// Who wrote it (a name at the agency, or the client's person).
    pub author_name: Option<String>,
    /// The text.
    pub body: String,
    /// Written.
    pub created_at: Timestamp,
    /// The staff member who wrote it, for the server to name (never sent).
    #[serde(skip)]
    pub staff_author_id: Option<Uuid>,
}

/// `POST /api/portal/threads/{id}/messages` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PortalNewMessage {
    body: Sent<MessageBody>,
}

macro_rules! thread_columns {
    () => {
        "t.id, t.project_id, t.subject, t.created_at, \
         COALESCE((SELECT MAX(m.created_at) FROM messages m \
         WHERE m.thread_id = t.id AND m.internal = FALSE), t.created_at) AS last_seen \
         FROM message_threads t"
    };
}

fn thread_from_row(row: &Row) -> Result<PortalThread, StoreError> {
    Ok(PortalThread {
        id: row.get("id")?,
        project_id: row.get("project_id")?,
        subject: row.get("subject")?,
        created_at: row.get("created_at")?,
        last_message_at: row.get("last_seen")?,
    })
}

/// The client's conversations, latest readable message first.
pub async fn list_threads(portal: &PortalDb) -> DomainResult<Vec<PortalThread>> {
    portal.require(Part::Messages)?;
    let rows = portal
        .db()
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                thread_columns!(),
                " WHERE t.account_id = $1 ORDER BY last_seen DESC, t.id"
            ),
            params![portal.account()],
        )
        .await?;
    let mut threads: Vec<PortalThread> =
        rows.iter().map(thread_from_row).collect::<Result<_, _>>()?;
    // Timestamps are text of one fixed format on both backends; sort here so the order never
    // depends on how a backend compares the COALESCE.
    threads.sort_by(|a, b| {
        b.last_message_at
            .cmp(&a.last_message_at)
            .then(a.id.cmp(&b.id))
    });
    Ok(threads)
}

/// The client's thread `id`, inside a transaction; another client's is `NotFound`.
async fn own_thread(portal: &PortalDb, tx: &mut Tx, id: Uuid) -> DomainResult<Thread> {
    messages::find_thread(tx, id)
        .await?
        .filter(|t| t.account_id == portal.account())
        .ok_or(DomainError::NotFound)
}

fn message(m: messages::Message) -> PortalMessage {
    PortalMessage {
        id: m.id,
        from_agency: m.staff_author_id.is_some(),
        author_name: m.author_name,
        body: m.body,
        created_at: m.created_at,
        staff_author_id: m.staff_author_id,
    }
}

/// The messages of one of the client's conversations, oldest first, without internal notes.
pub async fn messages(portal: &PortalDb, thread: Uuid) -> DomainResult<Vec<PortalMessage>> {
    portal.require(Part::Messages)?;
    let mut tx = portal.db().db().begin().await?;
    own_thread(portal, &mut tx, thread).await?;
    let rows = tx
        .fetch_all(
            concat!(
                "SELECT ",
                messages::message_columns!(),
                " WHERE m.thread_id = $1 AND m.internal = FALSE ORDER BY m.created_at, m.id"
            ),
            params![thread],
        )
        .await?;
    tx.commit().await?;
    rows.iter()
        .map(|r| Ok(message(messages::message_from_row(r)?)))
        .collect()
}

/// A portal user writes in one of their client's conversations (never a preview). Answers the
/// thread too, for the notification to the agency.
pub async fn post(
    portal: &PortalDb,
    thread: Uuid,
    new: PortalNewMessage,
    request: &RequestOrigin,
) -> DomainResult<(Thread, PortalMessage)> {
    portal.require(Part::Messages)?;
    let origin = portal.origin(request)?;
    let me = portal.scope().writer()?.id;
    let mut p = Problems::new();
    let fields = take!(p, new => body);
    let (body,) = p.done(fields)?;
    let mut tx = portal.db().db().begin().await?;
    let t = own_thread(portal, &mut tx, thread).await?;
    let m = messages::append(
        &mut tx,
        &t,
        Author::Portal(me),
        String::from(body),
        false,
        &origin,
    )
    .await?;
    tx.commit().await?;
    Ok((t, message(m)))
}
