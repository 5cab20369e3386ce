#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! Provisioning and opening tenant databases: one contract, run on real SQLite files and on
//! PostgreSQL (see `silo_testkit::backend_tests!` at the end).

use silo_control::{CompanyStatus, Email, NewCompany, NewIdentity, Slug};
use silo_roles::Role;
use silo_tenancy::{PoolSettings, Tenancy, TenancyError};
use silo_testkit::TestStorage;

async fn tenancy(storage: &TestStorage) -> Tenancy {
    storage.open(PoolSettings::default()).await
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

async fn provisioning_creates_one_database_and_an_owner() {
    let dir = TestStorage::new();
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
    for company in [&a, &b] {
        assert!(dir.database_exists(&t, company).await);
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
        silo_schema::TENANT_MIGRATIONS.latest(silo_store::Dialect::Sqlite)
    );

    let db = t.tenant_db(&a).await.unwrap();
    db.db()
        .fetch_all("SELECT id FROM accounts", &[])
        .await
        .unwrap();
}

async fn duplicate_slug_is_refused_and_changes_nothing() {
    let dir = TestStorage::new();
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
    assert_eq!(tenant_databases(&dir, &t).await, 1);
}

/// How many tenant databases the deployment's companies have.
async fn tenant_databases(storage: &TestStorage, t: &Tenancy) -> usize {
    let mut n = 0;
    for (c, _) in t.control().list_companies().await.unwrap() {
        n += usize::from(storage.database_exists(t, &c).await);
    }
    n
}

async fn interrupted_after_registration_serves_nothing_until_finished() {
    let dir = TestStorage::new();
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
    assert!(!dir.database_exists(&t, &company).await);

    // A restart finds it and completes it.
    t.close().await;
    drop(t);
    let t = tenancy(&dir).await;
    let finished = t.finish_interrupted().await.unwrap();
    assert_eq!(finished.len(), 1);
    let company = t.control().company(company.id).await.unwrap().unwrap();
    assert_eq!(company.status, CompanyStatus::Active);
    t.tenant_db(&company).await.unwrap();
}

async fn interrupted_after_database_creation_finishes_on_the_same_database() {
    let dir = TestStorage::new();
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
    assert_eq!(tenant_databases(&dir, &t).await, 1);
    t.tenant_db(&finished[0]).await.unwrap();
}

async fn a_missing_tenant_database_is_unavailable_and_never_recreated() {
    let dir = TestStorage::new();
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("gone"), owner("ann@gone.nl"))
        .await
        .unwrap();
    dir.lose_database(&t, &company).await;
    for _ in 0..2 {
        let err = t.tenant_db(&company).await.unwrap_err();
        assert!(matches!(err, TenancyError::Unavailable(_)), "{err:?}");
    }
    assert!(
        !dir.database_exists(&t, &company).await,
        "opening must not create a database"
    );

    // Also after a restart, with the pool cache empty.
    t.close().await;
    drop(t);
    let t = tenancy(&dir).await;
    assert!(matches!(
        t.tenant_db(&company).await,
        Err(TenancyError::Unavailable(_))
    ));
    assert!(!dir.database_exists(&t, &company).await);
}

async fn dropping_tenant_storage_removes_the_database() {
    let dir = TestStorage::new();
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("erased"), owner("ann@erased.nl"))
        .await
        .unwrap();
    t.tenant_db(&company).await.unwrap();
    t.drop_tenant_storage(&company).await.unwrap();
    assert!(!dir.database_exists(&t, &company).await);
    assert_eq!(t.open_pools().await, 0);
    assert!(matches!(
        t.tenant_db(&company).await,
        Err(TenancyError::Unavailable(_))
    ));
    // Dropping again finds nothing to drop, and that is fine.
    t.drop_tenant_storage(&company).await.unwrap();
}

#[tokio::test]
async fn a_removed_file_stops_serving_even_with_a_cached_pool() {
    let dir = TestStorage::on(&silo_testkit::TestBackend::Sqlite);
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("cached"), owner("ann@cached.nl"))
        .await
        .unwrap();
    t.tenant_db(&company).await.unwrap();
    assert_eq!(t.open_pools().await, 1);
    silo_store::sqlite::remove_files(&t.data_dir().unwrap().tenant_path(company.id)).unwrap();
    assert!(matches!(
        t.tenant_db(&company).await,
        Err(TenancyError::Unavailable(_))
    ));
    assert_eq!(t.open_pools().await, 0);
}

#[tokio::test]
async fn empty_garbage_and_foreign_files_are_unavailable_and_left_alone() {
    let dir = TestStorage::on(&silo_testkit::TestBackend::Sqlite);
    let t = tenancy(&dir).await;
    let company = t
        .provision(new_company("broken"), owner("ann@broken.nl"))
        .await
        .unwrap();
    let path = t.data_dir().unwrap().tenant_path(company.id);
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

async fn suspended_companies_are_not_served() {
    let dir = TestStorage::new();
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

async fn the_pool_cache_stays_bounded() {
    let dir = TestStorage::new();
    let settings = PoolSettings {
        max_pools: 3,
        ..PoolSettings::default()
    };
    let t = dir.open(settings).await;
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

/// With the whole budget held by requests still running on a pool the cache let go of, opening
/// another company's database is refused as busy (quickly: `budget_wait`), not queued for
/// seconds; once those requests finish, it opens.
async fn an_exhausted_budget_is_busy_not_a_queue() {
    let dir = TestStorage::new();
    let settings = PoolSettings {
        max_pools: 1,
        connections_per_pool: 1,
        connection_budget: 1,
        ..PoolSettings::default()
    };
    let t = dir.open(settings).await;
    let first = t
        .provision(new_company("first"), owner("ann@first.nl"))
        .await
        .unwrap();
    let second = t
        .provision(new_company("second"), owner("bob@second.nl"))
        .await
        .unwrap();
    let running = t.tenant_db(&first).await.unwrap();
    let refused = t.tenant_db(&second).await.unwrap_err();
    assert!(matches!(refused, TenancyError::Busy), "{refused:?}");
    assert_eq!(t.stats().await.budget_refusals, 1);
    drop(running);
    // The pool let go of closes in the background once its last request is done; the budget
    // is back within a few attempts.
    let mut opened = None;
    for _ in 0..40 {
        match t.tenant_db(&second).await {
            Ok(db) => {
                opened = Some(db);
                break;
            }
            Err(TenancyError::Busy) => continue,
            Err(e) => panic!("{e}"),
        }
    }
    let db = opened.expect("the budget came back");
    db.db()
        .fetch_all("SELECT id FROM accounts", &[])
        .await
        .unwrap();
}

silo_testkit::backend_tests!(
    an_exhausted_budget_is_busy_not_a_queue,
    provisioning_creates_one_database_and_an_owner,
    duplicate_slug_is_refused_and_changes_nothing,
    interrupted_after_registration_serves_nothing_until_finished,
    interrupted_after_database_creation_finishes_on_the_same_database,
    a_missing_tenant_database_is_unavailable_and_never_recreated,
    dropping_tenant_storage_removes_the_database,
    suspended_companies_are_not_served,
    the_pool_cache_stays_bounded,
);
