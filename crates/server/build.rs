//! Rebuilds the server when the browser app is rebuilt, so a release binary embeds the current
//! `web/dist`: rust-embed only tracks the files it saw last time, and none when the app was not
//! built yet.

fn main() {
    if std::path::Path::new("../../web/dist").exists() {
        println!("cargo::rerun-if-changed=../../web/dist");
    } else {
        // Catches `dist` appearing; only scanned while the app is not built.
        println!("cargo::rerun-if-changed=../../web");
    }
}
