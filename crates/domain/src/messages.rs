//! Conversations between the agency and a client: threads per client or per project, messages
//! by staff or by the client's portal users, and internal notes that only the agency sees (the
//! portal never reads them, see [`crate::portal::messages`]).

use crate::error::{DomainError, DomainResult, Problems};
use crate::events::{Origin, emit};
use crate::input::{Id, LongText, Name, Optional, Sent, no_such, take};
use crate::portal::users::{self as portal_users, PortalUser, PortalUserStatus};
use crate::portal::{Part, Parts, PortalAccess};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use silo_contract::EventType;
use silo_store::{Row, StoreError, TenantDb, Timestamp, Tx, params};
use uuid::Uuid;

/// A message's text: up to 10,000 characters over several lines.
pub type MessageBody = LongText<10_000>;

/// A conversation as the agency sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Thread {
    /// Id (random).
    pub id: Uuid,
    /// The client.
    pub account_id: Uuid,
    /// The project it is about, if any.
    pub project_id: Option<Uuid>,
    /// Subject.
    pub subject: String,
    /// Started.
    pub created_at: Timestamp,
    /// The latest message or internal note.
    pub last_message_at: Timestamp,
}

/// A message as the agency sees it.
#[derive(Clone, Debug, Serialize, JsonSchema)]
pub struct Message {
    /// Id (random).
    pub id: Uuid,
    /// The conversation.
    pub thread_id: Uuid,
    /// The staff member who wrote it, if the agency did.
    pub staff_author_id: Option<Uuid>,
    /// The portal user who wrote it, if the client did.
    pub portal_author_id: Option<Uuid>,
    /// The author's name (the portal user's; staff names are filled in by the server).
    pub author_name: Option<String>,
    /// The text.
    pub body: String,
    /// An internal note: never shown to the client.
    pub internal: bool,
    /// Written.
    pub created_at: Timestamp,
}

/// `POST /api/threads` body; with `body`, the first message (sent to the client).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewThread {
    account_id: Sent<Id>,
    #[serde(default)]
    project_id: Optional<Id>,
    subject: Sent<Name>,
    #[serde(default)]
    body: Optional<MessageBody>,
}

/// `POST /api/threads/{id}/messages` body.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewMessage {
    body: Sent<MessageBody>,
    /// An internal note, never shown to the client (false when left out).
    #[serde(default)]
    internal: bool,
}

macro_rules! thread_columns {
    () => {
        "id, account_id, project_id, subject, created_at, last_message_at FROM message_threads"
    };
}

fn thread_from_row(row: &Row) -> Result<Thread, StoreError> {
    Ok(Thread {
        id: row.get("id")?,
        account_id: row.get("account_id")?,
        project_id: row.get("project_id")?,
        subject: row.get("subject")?,
        created_at: row.get("created_at")?,
        last_message_at: row.get("last_message_at")?,
    })
}

macro_rules! message_columns {
    () => {
        "m.id, m.thread_id, m.staff_author_id, m.portal_author_id, pu.name AS portal_name, \
         m.body, m.internal, m.created_at \
         FROM messages m LEFT JOIN portal_users pu ON pu.id = m.portal_author_id"
    };
}
pub(crate) use message_columns;

pub(crate) fn message_from_row(row: &Row) -> Result<Message, StoreError> {
    Ok(Message {
        id: row.get("id")?,
        thread_id: row.get("thread_id")?,
        staff_author_id: row.get("staff_author_id")?,
        portal_author_id: row.get("portal_author_id")?,
        author_name: row.get("portal_name")?,
        body: row.get("body")?,
        internal: row.get("internal")?,
        created_at: row.get("created_at")?,
    })
}

pub(crate) async fn find_thread(tx: &mut Tx, id: Uuid) -> DomainResult<Option<Thread>> {
    let row = tx
        .fetch_optional(
            concat!("SELECT ", thread_columns!(), " WHERE id = $1"),
            params![id],
        )
        .await?;
    Ok(row.as_ref().map(thread_from_row).transpose()?)
}

/// Who writes a message.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Author {
    Staff(Uuid),
    Portal(Uuid),
}

/// Appends a message to a thread (the caller has checked the thread is the author's to write
/// in) and announces it.
pub(crate) async fn append(
    tx: &mut Tx,
    thread: &Thread,
    author: Author,
    body: String,
    internal: bool,
    origin: &Origin,
) -> DomainResult<Message> {
    let (staff, portal) = match author {
        Author::Staff(id) => (Some(id), None),
        Author::Portal(id) => (None, Some(id)),
    };
    let id = Uuid::new_v4();
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO messages (id, thread_id, staff_author_id, portal_author_id, body, internal, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![id, thread.id, staff, portal, body, internal, now],
    )
    .await?;
    tx.execute(
        "UPDATE message_threads SET last_message_at = $2 WHERE id = $1",
        params![thread.id, now],
    )
    .await?;
    emit(
        tx,
        origin,
        EventType::MessagePosted,
        id,
        json!({
            "id": id,
            "thread_id": thread.id,
            "account_id": thread.account_id,
            "project_id": thread.project_id,
            "internal": internal,
            "by": if staff.is_some() { "agency" } else { "client" },
        }),
    )
    .await?;
    let row = tx
        .fetch_one(
            concat!("SELECT ", message_columns!(), " WHERE m.id = $1"),
            params![id],
        )
        .await?;
    Ok(message_from_row(&row)?)
}

/// The thread rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored_thread(row: serde_json::Value) -> DomainResult<()> {
    let new: NewThread = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => subject, body);
    p.done(fields)?;
    Ok(())
}

/// The message rules applied to a stored row (an imported one): see [`crate::imports`].
pub(crate) fn check_stored_message(row: serde_json::Value) -> DomainResult<()> {
    let new: NewMessage = crate::imports::body(row)?;
    let mut p = Problems::new();
    let fields = take!(p, new => body);
    p.done(fields)?;
    Ok(())
}

/// Starts a conversation with a client (about one of its projects); with a body, its first
/// message (not internal). Answers the thread and that message.
pub async fn create_thread(
    db: &TenantDb,
    new: NewThread,
    staff: Uuid,
    origin: &Origin,
) -> DomainResult<(Thread, Option<Message>)> {
    let mut p = Problems::new();
    let fields = take!(p, new => account_id, project_id, subject, body);
    let (account, project, subject, body) = p.done(fields)?;
    let (account, project) = (account.get(), project.map(Id::get));
    let mut tx = db.db().begin().await?;
    if !crate::accounts::exists(&mut tx, account).await? {
        return Err(DomainError::invalid("account_id", no_such("account")));
    }
    if let Some(project) = project {
        crate::files::check_project(&mut tx, account, project).await?;
    }
    let id = Uuid::new_v4();
    let now = Timestamp::now();
    tx.execute(
        "INSERT INTO message_threads (id, account_id, project_id, subject, created_at, \
         last_message_at) VALUES ($1, $2, $3, $4, $5, $5)",
        params![id, account, project, String::from(subject), now],
    )
    .await?;
    let thread = find_thread(&mut tx, id)
        .await?
        .ok_or(DomainError::NotFound)?;
    emit(
        &mut tx,
        origin,
        EventType::MessageThreadCreated,
        id,
        json!({ "id": id, "account_id": account, "project_id": project }),
    )
    .await?;
    let first = match body {
        Some(body) => Some(
            append(
                &mut tx,
                &thread,
                Author::Staff(staff),
                String::from(body),
                false,
                origin,
            )
            .await?,
        ),
        None => None,
    };
    let thread = find_thread(&mut tx, id)
        .await?
        .ok_or(DomainError::NotFound)?;
    tx.commit().await?;
    Ok((thread, first))
}

/// Conversations, latest activity first; of one client or project when given.
pub async fn list_threads(
    db: &TenantDb,
    account: Option<Uuid>,
    project: Option<Uuid>,
) -> DomainResult<Vec<Thread>> {
    let rows = db
        .db()
        .fetch_all(
            concat!(
                "SELECT ",
                thread_columns!(),
                " WHERE ($1 IS NULL OR account_id = $1) \
                 AND ($2 IS NULL OR project_id = $2) ORDER BY last_message_at DESC, id"
            ),
            params![account, project],
        )
        .await?;
    Ok(rows.iter().map(thread_from_row).collect::<Result<_, _>>()?)
}

/// One conversation.
pub async fn thread(db: &TenantDb, id: Uuid) -> DomainResult<Thread> {
    let mut tx = db.db().begin().await?;
    let t = find_thread(&mut tx, id)
        .await?
        .ok_or(DomainError::NotFound)?;
    tx.commit().await?;
    Ok(t)
}

/// Every message of a conversation, internal notes included, oldest first.
pub async fn messages(db: &TenantDb, thread: Uuid) -> DomainResult<Vec<Message>> {
    let mut tx = db.db().begin().await?;
    find_thread(&mut tx, thread)
        .await?
        .ok_or(DomainError::NotFound)?;
    let rows = tx
        .fetch_all(
            concat!(
                "SELECT ",
                message_columns!(),
                " WHERE m.thread_id = $1 ORDER BY m.created_at, m.id"
            ),
            params![thread],
        )
        .await?;
    tx.commit().await?;
    Ok(rows
        .iter()
        .map(message_from_row)
        .collect::<Result<_, _>>()?)
}

/// A staff member writes in a conversation (or adds an internal note). Answers the thread too,
/// for the notifications.
pub async fn post(
    db: &TenantDb,
    thread: Uuid,
    new: NewMessage,
    staff: Uuid,
    origin: &Origin,
) -> DomainResult<(Thread, Message)> {
    let mut p = Problems::new();
    let internal = new.internal;
    let fields = take!(p, new => body);
    let (body,) = p.done(fields)?;
    let mut tx = db.db().begin().await?;
    let t = find_thread(&mut tx, thread)
        .await?
        .ok_or(DomainError::NotFound)?;
    let m = append(
        &mut tx,
        &t,
        Author::Staff(staff),
        String::from(body),
        internal,
        origin,
    )
    .await?;
    tx.commit().await?;
    Ok((t, m))
}

/// The staff members who wrote in a conversation (not internal notes only), for mailing them
/// when the client answers.
pub async fn staff_authors(db: &TenantDb, thread: Uuid) -> DomainResult<Vec<Uuid>> {
    let rows = db
        .db()
        .fetch_all(
            "SELECT DISTINCT staff_author_id FROM messages \
             WHERE thread_id = $1 AND staff_author_id IS NOT NULL",
            params![thread],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.get("staff_author_id"))
        .collect::<Result<_, _>>()?)
}

/// The active portal users of `account` who reach `part` of the portal now (their role and the
/// parts the agency turned on): whom a notification about that part goes to.
pub async fn reaching(db: &TenantDb, account: Uuid, part: Part) -> DomainResult<Vec<PortalUser>> {
    let access: PortalAccess = crate::portal::access::get(db, account).await?;
    Ok(portal_users::list(db, account)
        .await?
        .into_iter()
        .filter(|u| u.status == PortalUserStatus::Active && Parts::of(u.role, &access).has(part))
        .collect())
}
