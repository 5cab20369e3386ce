//! Rebuilds the server when the browser app is rebuilt, so a release binary embeds the current
//! `web/dist`: rust-embed only tracks the files it saw last time, and none when the app was not
//! built yet. Debug builds read `web/dist` from disk at run time and need no rebuild.

fn main() {
    if std::env::var("PROFILE").as_deref() != Ok("release") {
        println!("cargo::rerun-if-changed=build.rs");
    } else if std::path::Path::new("../../web/dist").exists() {
        println!("cargo::rerun-if-changed=../../web/dist");
    } else {
        // Catches `dist` appearing; only scanned while the app is not built.
        println!("cargo::rerun-if-changed=../../web");
    }
}
