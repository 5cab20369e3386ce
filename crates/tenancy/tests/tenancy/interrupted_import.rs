#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! An interrupted import is never finished (and activated empty) like an interrupted signup.

use silo_control::{Backend, CompanyStatus, Email, NewCompany, NewIdentity, NewPlacement, Slug};
use silo_tenancy::{DataDir, PoolSettings, Tenancy};

fn owner() -> NewIdentity {
    NewIdentity {
        email: Email::parse("ann@acme.example").unwrap(),
        name: String::new(),
        password_hash: None,
    }
}

#[tokio::test]
async fn interrupted_imports_stay_provisioning_while_signups_are_finished() {
    let dir = tempfile::tempdir().unwrap();
    let tenancy = Tenancy::open_sqlite(DataDir::new(dir.path()), PoolSettings::default())
        .await
        .unwrap();
    let placement = |id: silo_control::CompanyId| NewPlacement {
        backend: Backend::Sqlite,
        server: "local".into(),
        database_name: format!("{id}.sqlite3"),
        credentials_ref: None,
    };
    let control = tenancy.control();
    let imported = control
        .register_import(
            NewCompany {
                name: "Imported".into(),
                slug: Slug::parse("imported").unwrap(),
            },
            placement,
        )
        .await
        .unwrap();
    let signup = tenancy
        .register(
            NewCompany {
                name: "Signup".into(),
                slug: Slug::parse("signup").unwrap(),
            },
            owner(),
        )
        .await
        .unwrap();

    let finished = tenancy.finish_interrupted().await.unwrap();
    assert_eq!(
        finished.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![signup.id]
    );
    let imported = control.company(imported.id).await.unwrap().unwrap();
    assert_eq!(
        imported.status,
        CompanyStatus::Provisioning,
        "serves nothing until erased or imported again"
    );
    assert!(matches!(
        tenancy.tenant_db(&imported).await,
        Err(silo_tenancy::TenancyError::NotActive(_))
    ));
}
