//! The browser app: the files Vite builds into `web/dist`, served beside the API.
//!
//! Release builds embed them (rust-embed); debug builds read the same folder from disk. When the
//! app has not been built, the folder is simply empty (`allow_missing`), so `cargo build` and the
//! Rust tests never need npm, and `/` explains how to build it instead.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/dist/"]
#[allow_missing = true]
struct Embedded;

/// Where the browser app's files come from.
#[derive(Clone, Debug, Default)]
pub enum WebApp {
    /// `web/dist` as built into the binary.
    #[default]
    Embedded,
    /// A directory read at request time (tests, or serving a separately deployed build).
    Directory(PathBuf),
}

/// One file of the app.
struct Asset {
    bytes: Cow<'static, [u8]>,
    mime: String,
}

impl WebApp {
    async fn file(&self, path: &str) -> Option<Asset> {
        // Only plain relative names: no `..`, no absolute paths, no prefixes. (Debug builds read
        // embedded files from disk too.)
        let plain = Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            return None;
        }
        match self {
            // Debug builds read the source tree's `web/dist` at request time: a debug binary
            // compiled before the app was built (as `cargo test` does) then still serves it.
            WebApp::Embedded if cfg!(debug_assertions) => {
                read_file(Path::new(DEV_DIST), path).await
            }
            WebApp::Embedded => Embedded::get(path).map(|f| Asset {
                mime: f.metadata.mimetype().to_owned(),
                bytes: f.data,
            }),
            WebApp::Directory(root) => read_file(root, path).await,
        }
    }
}

/// The app's build folder in the source tree, for debug builds.
const DEV_DIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist");

async fn read_file(root: &Path, path: &str) -> Option<Asset> {
    let bytes = tokio::fs::read(root.join(path)).await.ok()?;
    Some(Asset {
        bytes: Cow::Owned(bytes),
        mime: guess_mime(path).to_owned(),
    })
}

fn guess_mime(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Answers every request no route matched: API paths get the JSON 404, app files are served,
/// and any other page path gets `index.html` so the app's own router can take it.
pub(crate) async fn fallback(State(state): State<AppState>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    // `/metrics` where it is not served is a plain 404, never the app page.
    let is_api = path == "/api"
        || path.starts_with("/api/")
        || path.starts_with("/.well-known/")
        || path == "/metrics";
    if is_api || (method != Method::GET && method != Method::HEAD) {
        return ApiError::NotFound.into_response();
    }
    let web = &state.config.web;
    let name = path.trim_start_matches('/');
    if !name.is_empty()
        && let Some(asset) = web.file(name).await
    {
        // Vite puts a content hash in every name under assets/, so those never change.
        let cache = if name.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return file_response(asset, cache);
    }
    // A missing script or image is a 404, not the app page (which would be parsed as the wrong
    // type and hide the real problem). The portal's sign-in address is a page although its last
    // segment, a signed key (`<jwt>~<secret>`), has dots.
    let last = name.rsplit('/').next().unwrap_or("");
    if last.contains('.') && !name.starts_with("portal/k/") {
        return ApiError::NotFound.into_response();
    }
    match web.file("index.html").await {
        Some(index) => file_response(index, "no-cache"),
        None => not_built(),
    }
}

fn file_response(asset: Asset, cache: &'static str) -> Response {
    let mut response = (StatusCode::OK, asset.bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(mime) = HeaderValue::from_str(&asset.mime) {
        headers.insert(header::CONTENT_TYPE, mime);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

/// The page shown instead of the app when `web/dist` was empty at build time.
fn not_built() -> Response {
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
        <title>Silo: web app not built</title></head><body>\
        <h1>The Silo web app is not built</h1>\
        <p>This server is running, and its API answers under <a href=\"/api/docs\">/api/docs</a>, \
        but it was compiled without the browser app.</p>\
        <p>Build the app and then the server:</p>\
        <pre>cd web &amp;&amp; npm ci &amp;&amp; npm run build\ncargo build --release -p silo</pre>\
        <p>or start everything with <code>scripts/serve</code> from the repository root.</p>\
        </body></html>";
    let mut response = Html(page).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
