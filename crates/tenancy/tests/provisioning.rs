#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Provisioning and opening tenant databases on real SQLite files.

use silo_control::{CompanyStatus, Email, NewCompany, NewIdentity, Slug};
use silo_roles::Role;
use silo_tenancy::{DataDir, PoolSettings, Tenancy, TenancyError};

async fn tenancy(dir: &tempfile::TempDir) -> Tenancy {
    Tenancy::open_sqlite(DataDir::new(dir.path()), PoolSettings::default())
        .await
        .unwrap()
}

fn new_company(slug: &str) -> NewCompany {
    NewCompany {
        name: format!("{slug} B.V."),
        slug: Slug::parse(slug).unwrap(),
    }
}

fn owner(email: &str) -> NewIdentity {
    NewIdentity {
        email: Email::parse(email).unwrap(),
        name: "Owner".into(),
        password_hash: Some("$argon2id$fake".into()),
    }
}

#[tokio::test]
async fn provisioning_creates_one_file_and_an_owner() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    let a = t
        .provision(new_company("acme"), owner("ann@acme.nl"))
        .await
        .unwrap();
    let b = t
        .provision(new_company("bolt"), owner("ann@acme.nl"))
        .await
        .unwrap();
    assert_eq!(a.status, CompanyStatus::Active);
    let files: Vec<_> = std::fs::read_dir(dir.path().join("tenants"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    for company in [&a, &b] {
        assert!(
            files.contains(&format!("{}.sqlite3", company.id).into()),
            "{files:?}"
        );
    }
    let ann = t
        .control()
        .identity_by_email(&Email::parse("ANN@acme.nl").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t.control().role_of(ann.id, a.id).await.unwrap(),
        Some(Role::Owner)
    );
    assert_eq!(t.control().memberships_of(ann.id).await.unwrap().len(), 2);
    let placement = t.control().placement(a.id).await.unwrap().unwrap();
    assert_eq!(
        placement.schema_version,
        silo_domain::schema::TENANT_MIGRATIONS.latest(silo_store::Dialect::Sqlite)
    );

    let db = t.tenant_db(&a).await.unwrap();
    let mode = db.db().fetch_one("PRAGMA journal_mode", &[]).await.unwrap();
    assert_eq!(mode.get::<String>("journal_mode").unwrap(), "wal");
}

#[tokio::test]
async fn duplicate_slug_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    t.provision(new_company("acme"), owner("ann@acme.nl"))
        .await
        .unwrap();
    let err = t
        .provision(new_company("acme"), owner("bob@other.nl"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TenancyError::Control(silo_control::ControlError::SlugTaken(_))
        ),
        "{err:?}"
    );
    assert_eq!(t.control().list_companies().await.unwrap().len(), 1);
    assert!(
        t.control()
            .identity_by_email(&Email::parse("bob@other.nl").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("tenants"))
            .unwrap()
            .count(),
        1
    );
}

#[tokio::test]
async fn interrupted_after_registration_serves_nothing_until_finished() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    let company = t
        .register(new_company("half"), owner("ann@half.nl"))
        .await
        .unwrap();
    assert_eq!(company.status, CompanyStatus::Provisioning);
    assert!(matches!(
        t.tenant_db(&company).await,
        Err(TenancyError::NotActive(CompanyStatus::Provisioning))
    ));
    assert!(!t.data_dir().tenant_path(company.id).exists());

    // A restart finds it and completes it.
    drop(t);
    let t = tenancy(&dir).await;
    let finished = t.finish_interrupted().await.unwrap();
    assert_eq!(finished.len(), 1);
    let company = t.control().company(company.id).await.unwrap().unwrap();
    assert_eq!(company.status, CompanyStatus::Active);
    t.tenant_db(&company).await.unwrap();
}

#[tokio::test]
async fn interrupted_after_database_creation_finishes_on_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    let company = t
        .register(new_company("twice"), owner("ann@twice.nl"))
        .await
        .unwrap();
    t.create_database(&company).await.unwrap();
    let company = t.control().company(company.id).await.unwrap().unwrap();
    assert_eq!(
        company.status,
        CompanyStatus::Provisioning,
        "not active before step 3"
    );
    let finished = t.finish_interrupted().await.unwrap();
    assert_eq!(finished[0].status, CompanyStatus::Active);
    assert_eq!(
        std::fs::read_dir(dir.path().join("tenants"))
            .unwrap()
            .count(),
        1
    );
}

#[tokio::test]
async fn a_missing_tenant_file_is_unavailable_and_never_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("gone"), owner("ann@gone.nl"))
        .await
        .unwrap();
    let path = t.data_dir().tenant_path(company.id);
    silo_store::sqlite::remove_files(&path).unwrap();
    for _ in 0..2 {
        let err = t.tenant_db(&company).await.unwrap_err();
        assert!(matches!(err, TenancyError::Unavailable(_)), "{err:?}");
    }
    assert!(!path.exists(), "opening must not create a database");

    // Also after a restart, with the pool cache empty.
    drop(t);
    let t = tenancy(&dir).await;
    assert!(matches!(
        t.tenant_db(&company).await,
        Err(TenancyError::Unavailable(_))
    ));
    assert!(!path.exists());
}

#[tokio::test]
async fn a_removed_file_stops_serving_even_with_a_cached_pool() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("cached"), owner("ann@cached.nl"))
        .await
        .unwrap();
    t.tenant_db(&company).await.unwrap();
    assert_eq!(t.open_pools().await, 1);
    silo_store::sqlite::remove_files(&t.data_dir().tenant_path(company.id)).unwrap();
    assert!(matches!(
        t.tenant_db(&company).await,
        Err(TenancyError::Unavailable(_))
    ));
    assert_eq!(t.open_pools().await, 0);
}

#[tokio::test]
async fn empty_garbage_and_foreign_files_are_unavailable_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("broken"), owner("ann@broken.nl"))
        .await
        .unwrap();
    let path = t.data_dir().tenant_path(company.id);
    for contents in [
        &b""[..],
        &b"this is not a database, just some bytes of garbage"[..],
    ] {
        drop(t.tenant_db(&company).await); // make sure nothing is cached from before
        silo_store::sqlite::remove_files(&path).unwrap();
        std::fs::write(&path, contents).unwrap();
        let fresh = tenancy(&dir).await;
        let err = fresh.tenant_db(&company).await.unwrap_err();
        assert!(matches!(err, TenancyError::Unavailable(_)), "{err:?}");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            contents,
            "file must be left as found"
        );
    }
}

#[tokio::test]
async fn suspended_companies_are_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("paused"), owner("ann@paused.nl"))
        .await
        .unwrap();
    t.tenant_db(&company).await.unwrap();
    let suspended = t
        .set_status(&company, CompanyStatus::Suspended)
        .await
        .unwrap();
    assert!(matches!(
        t.tenant_db(&suspended).await,
        Err(TenancyError::NotActive(CompanyStatus::Suspended))
    ));
    assert_eq!(t.open_pools().await, 0);
    let resumed = t
        .set_status(&suspended, CompanyStatus::Active)
        .await
        .unwrap();
    t.tenant_db(&resumed).await.unwrap();
    let err = t
        .set_status(&resumed, CompanyStatus::Provisioning)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        TenancyError::Control(silo_control::ControlError::InvalidTransition { .. })
    ));
}

#[tokio::test]
async fn the_pool_cache_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let settings = PoolSettings {
        max_pools: 3,
        ..PoolSettings::default()
    };
    let t = Tenancy::open_sqlite(DataDir::new(dir.path()), settings)
        .await
        .unwrap();
    for i in 0..6 {
        let c = t
            .provision(new_company(&format!("co-{i}")), owner("ann@co.nl"))
            .await
            .unwrap();
        t.tenant_db(&c).await.unwrap();
        assert!(t.open_pools().await <= 3);
    }
    assert_eq!(t.open_pools().await, 3);
}
