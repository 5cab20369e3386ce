#![allow(clippy::unwrap_used, reason = "tests fail loudly")]
//! Mail in the test harness: each app has an outbox of its own, which `mails_to` and
//! `link_in` read; and an unusable mail setting stops the server from starting.

use crate::common;

use common::{link_in, spawn_app};
use silo_auth::{KeySet, TokenConfig, Tokens};
use silo_mail::templates::{self, Lang};
use silo_mail::{Mail, MailSettings, Mailer};
use silo_server::{Server, ServerConfig};
use silo_tenancy::{DataDir, PoolSettings};
use silo_testkit::TestStorage;

#[tokio::test]
async fn each_app_reads_its_own_outbox() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    // A mailer on the app's mail directory writes where the app's own mailer does.
    let mailer = Mailer::start(MailSettings {
        dir: app.storage.dir.path().join("mail"),
        ..MailSettings::default()
    })
    .unwrap();
    let verify = format!("{}/verify-email?token=abc_DEF-123", app.url);
    let reset = format!("{}/reset-password?token=xyz", app.url);
    for mail in [
        Mail::new(
            "Ann@Example.com",
            templates::verify_email(Lang::En, &verify),
        ),
        Mail::new(
            "bo@example.com",
            templates::password_reset(Lang::Nl, &reset),
        ),
    ] {
        mailer
            .write_outbox(mailer.build(mail).unwrap())
            .await
            .unwrap();
    }

    let to_ann = app.mails_to("ann@example.com");
    assert_eq!(to_ann.len(), 1);
    assert_eq!(link_in(&to_ann[0], "verify-email"), verify);
    assert_eq!(
        link_in(&app.mails_to("bo@example.com")[0], "/reset-password"),
        reset
    );
    assert!(app.mails_to("cy@example.com").is_empty());
    assert!(
        other.mails_to("ann@example.com").is_empty(),
        "outboxes are per app"
    );
}

#[tokio::test]
async fn an_unusable_mail_setting_stops_start_up() {
    let storage = TestStorage::new();
    let tenancy = std::sync::Arc::new(storage.open(PoolSettings::default()).await);
    let keys = KeySet::load_or_create(&DataDir::new(storage.dir.path()).keys_dir()).unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        mail: MailSettings {
            smtp_url: Some("https://user:hunter2@mail.example".into()),
            dir: storage.dir.path().join("mail"),
            ..MailSettings::default()
        },
        ..ServerConfig::default()
    };
    let err = Server::build(config, tenancy, Tokens::new(keys, TokenConfig::default()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SMTP URL"), "{err}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
}
