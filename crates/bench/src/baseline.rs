//! The `baseline` scenario's server: the same read (a contact by id, through the same domain
//! function and JSON encoding) on a fixed database handle, with no token, no registry look-up
//! and no tenant resolution. The upper bound for our stack.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use silo_store::TenantDb;

async fn contact(State(db): State<TenantDb>, Path(id): Path<uuid::Uuid>) -> Response {
    match silo_domain::contacts::get(&db, id).await {
        Ok(contact) => axum::Json(contact).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves `GET /api/contacts/{id}` from `db` on a free port; returns the base URL.
pub async fn start(db: TenantDb) -> anyhow::Result<(String, tokio::sync::oneshot::Sender<()>)> {
    let router = Router::new()
        .route("/api/contacts/{id}", get(contact))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((url, stop))
}
