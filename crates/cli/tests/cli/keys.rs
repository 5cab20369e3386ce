//! `silo keys rotate` and `silo keys retire` act on a server that is already running, within
//! its key reload interval and without a restart.

use silo_testkit::TestStorage;
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

fn command(storage: &TestStorage) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_silo"));
    cmd.arg("--data")
        .arg(storage.dir.path())
        .env_remove("SILO_DATABASE_URL")
        .env_remove("SILO_TENANT_SERVERS")
        .env_remove("SILO_TENANT_SECRET")
        .env_remove("SILO_SIGNING_KEY_FILE")
        .env_remove("SILO_KEY_RELOAD_INTERVAL")
        .env("SILO_OWNER_PASSWORD", PASSWORD);
    cmd
}

/// The standard output of a run that must have succeeded (both outputs shown when it did not).
pub(crate) fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn silo(storage: &TestStorage, args: &[&str]) -> String {
    ok(&command(storage).args(args).output().unwrap())
}

/// Kills the server when the test ends, however it ends.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `kid` in a token's header.
fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// Waits (at most 30 s) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn rotating_and_retiring_act_on_a_running_server() {
    let storage = TestStorage::on(&silo_testkit::TestBackend::Sqlite);
    silo(
        &storage,
        &[
            "company",
            "create",
            "--name",
            "Acme Digital",
            "--owner-email",
            "ann@acme.example",
        ],
    );
    let mut child = command(&storage)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-checkpoint-interval",
            "0",
            "--key-reload-interval",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let server = Serving(child);
    let url = crate::address_after(&mut lines, "listening on ", |_| {});
    // The server logs to a pipe nobody reads otherwise; keep it drained.
    std::thread::spawn(move || for _ in lines {});
    silo_worker::webhook::install_crypto_provider();
    let client = reqwest::Client::new();
    let login = || async {
        let reply: serde_json::Value = client
            .post(format!("{url}/api/auth/login"))
            .json(&serde_json::json!({"email": "ann@acme.example", "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["token"].as_str().unwrap().to_owned()
    };
    let status = |token: String| {
        let request = client.get(format!("{url}/api/company")).bearer_auth(token);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let old_token = login().await;
    let old_kid = kid_of(&old_token);
    assert_eq!(status(old_token.clone()).await, 200);

    let rotated = silo(&storage, &["keys", "rotate"]);
    let new_kid = rotated
        .split_whitespace()
        .nth(3)
        .unwrap()
        .trim_end_matches(';');
    assert!(rotated.contains("reload"), "{rotated}");
    eventually("the running server signs with the rotated key", || async {
        kid_of(&login().await) == new_kid
    })
    .await;
    let fresh = login().await;
    assert_eq!(status(fresh.clone()).await, 200);
    assert_eq!(status(old_token.clone()).await, 200, "not retired yet");

    silo(&storage, &["keys", "retire", &old_kid]);
    eventually("the running server refuses the retired key", || {
        let request = status(old_token.clone());
        async move { request.await == 401 }
    })
    .await;
    assert_eq!(status(fresh).await, 200);
    drop(server);
}
