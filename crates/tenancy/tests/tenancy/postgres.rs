#![allow(clippy::unwrap_used, reason = "test helpers fail the test loudly")]
//! What only PostgreSQL has: a database and owner role per company, `PUBLIC` locked out,
//! placement over several servers, the connection budget seen from the server, and erasure of
//! database and role. Skipped without `SILO_TEST_POSTGRES_URL`.

use silo_control::{Company, Email, NewCompany, NewIdentity, Slug};
use silo_store::postgres::{self, PgServer};
use silo_store::{Db, params};
use silo_tenancy::{PoolSettings, Tenancy};
use silo_testkit::{Cluster, TestBackend, TestStorage};

fn new_company(slug: &str) -> NewCompany {
    NewCompany {
        name: format!("{slug} B.V."),
        slug: Slug::parse(slug).unwrap(),
    }
}

fn owner() -> NewIdentity {
    NewIdentity {
        email: Email::parse("ann@example.nl").unwrap(),
        name: "Owner".into(),
        password_hash: None,
    }
}

async fn provision(t: &Tenancy, slug: &str) -> Company {
    t.provision(new_company(slug), owner()).await.unwrap()
}

async fn admin(storage: &TestStorage) -> Db {
    let pg = storage.pg.as_ref().unwrap();
    let server = PgServer::parse(&pg.servers[0]).unwrap();
    pg.admin_for(server.id()).await
}

#[tokio::test]
async fn each_company_has_its_own_database_and_owner_and_public_is_locked_out() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let t = storage.open(PoolSettings::default()).await;
    let a = provision(&t, "acme").await;
    let b = provision(&t, "bolt").await;
    let admin = admin(&storage).await;
    let mut owners = Vec::new();
    for c in [&a, &b] {
        let p = t.control().placement(c.id).await.unwrap().unwrap();
        assert!(!p.credentials_ref.clone().unwrap().contains(&p.server));
        let row = admin
            .fetch_one(
                "SELECT pg_get_userbyid(datdba) AS owner,
                        has_database_privilege('public', datname, 'CONNECT') AS connect,
                        has_database_privilege('public', datname, 'TEMP') AS temp,
                        r.rolsuper AS super, r.rolcreatedb AS createdb, r.rolcanlogin AS login
                 FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE datname = $1",
                params![p.database_name],
            )
            .await
            .unwrap();
        let owner: String = row.get("owner").unwrap();
        assert!(owner.starts_with("silo_t_"), "{owner}");
        assert!(
            !row.get::<bool>("connect").unwrap(),
            "PUBLIC may not connect"
        );
        assert!(
            !row.get::<bool>("temp").unwrap(),
            "PUBLIC may not make temp tables"
        );
        assert!(!row.get::<bool>("super").unwrap() && !row.get::<bool>("createdb").unwrap());
        assert!(row.get::<bool>("login").unwrap());
        owners.push(owner);
    }
    assert_ne!(owners[0], owners[1]);

    // The tables belong to the tenant role: migrations ran as it.
    let db = t.tenant_db(&a).await.unwrap();
    let row = db
        .db()
        .fetch_one(
            "SELECT tableowner, current_user AS me FROM pg_tables WHERE tablename = 'accounts'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<String>("tableowner").unwrap(), owners[0]);
    assert_eq!(row.get::<String>("me").unwrap(), owners[0]);

    // The control database holds the registry only: no business table, no tenant column.
    let control = storage.pg.as_ref().unwrap().control_admin().await;
    let business = control
        .fetch_all(
            "SELECT table_name FROM information_schema.tables
             WHERE table_schema = 'public' AND table_name IN ('accounts', 'contacts')",
            &[],
        )
        .await
        .unwrap();
    assert!(business.is_empty());
    let tenant_columns = db
        .db()
        .fetch_all(
            "SELECT table_name FROM information_schema.columns
             WHERE table_schema = 'public' AND column_name IN ('company_id', 'tenant_id')",
            &[],
        )
        .await
        .unwrap();
    assert!(tenant_columns.is_empty());
    control.close().await;
    admin.close().await;
    t.close().await;
}

#[tokio::test]
async fn one_tenants_role_cannot_open_another_tenants_database() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let t = storage.open(PoolSettings::default()).await;
    let a = provision(&t, "acme").await;
    let b = provision(&t, "bolt").await;
    let pa = t.control().placement(a.id).await.unwrap().unwrap();
    let pb = t.control().placement(b.id).await.unwrap().unwrap();
    let server = PgServer::parse(&storage.pg.as_ref().unwrap().servers[0]).unwrap();
    let limits = PoolSettings::default().pool_limits();
    // The database name is the role name; A's role is refused on B's database by the
    // server itself (CONNECT is revoked from PUBLIC), whatever the password.
    let err = server
        .connect_as(&pb.database_name, &pa.database_name, "irrelevant", limits)
        .await
        .unwrap_err();
    assert!(
        matches!(err, silo_store::StoreError::Unavailable(_)),
        "{err:?}"
    );
    assert!(err.to_string().contains("permission denied"), "{err}");

    // Nor on the control database (PUBLIC's CONNECT is revoked there too); its own database
    // still opens, so the refusals above are about privileges, not about the role.
    let pg = storage.pg.as_ref().unwrap();
    let control = PgServer::parse(&pg.control_url).unwrap();
    let control_db = control.database().unwrap().to_owned();
    let err = control
        .connect_as(&control_db, &pa.database_name, "irrelevant", limits)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    let own = t.tenant_db(&a).await.unwrap();
    own.db().fetch_one("SELECT 1 AS one", &[]).await.unwrap();
    let admin = admin(&storage).await;
    let row = admin
        .fetch_one(
            "SELECT has_database_privilege('public', $1, 'CONNECT') AS connect,
                    has_database_privilege('public', $1, 'TEMP') AS temp",
            params![control_db],
        )
        .await
        .unwrap();
    assert!(!row.get::<bool>("connect").unwrap() && !row.get::<bool>("temp").unwrap());
    admin.close().await;
    t.close().await;
}

/// A new database accepts no connection at all until PUBLIC's rights are revoked: there is no
/// moment in which another role on the server could open it.
#[tokio::test]
async fn a_new_database_is_never_open_to_public() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let admin = admin(&storage).await;
    let server = PgServer::parse(&storage.pg.as_ref().unwrap().servers[0]).unwrap();
    let limits = PoolSettings::default().pool_limits();
    let suffix = silo_control::CompanyId::generate()
        .as_uuid()
        .simple()
        .to_string();
    let (owner, other, database) = (
        format!("silo_test_owner_{suffix}"),
        format!("silo_test_other_{suffix}"),
        format!("silo_test_db_{suffix}"),
    );
    for role in [&owner, &other] {
        admin
            .execute_raw(silo_store::Sql::assembled(format!(
                "CREATE ROLE {} LOGIN",
                postgres::quote_ident(role)
            )))
            .await
            .unwrap();
    }
    postgres::create_closed_database(&admin, &database, Some(&owner))
        .await
        .unwrap();
    // Between creation and revocation: nobody gets in, PUBLIC's default rights or not.
    for role in [&owner, &other] {
        let err = server
            .connect_as(&database, role, "irrelevant", limits)
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("not currently accepting connections"),
            "{err}"
        );
    }
    assert_eq!(
        postgres::open_privately(&admin, &database).await.unwrap(),
        postgres::Privacy::Private
    );
    let err = server
        .connect_as(&database, &other, "irrelevant", limits)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    let db = server
        .connect_as(&database, &owner, "irrelevant", limits)
        .await
        .unwrap();
    db.close().await;
    // Running it again (an interrupted creation resumed) changes nothing.
    assert_eq!(
        postgres::create_database_on(&admin, &database, Some(&owner))
            .await
            .unwrap(),
        postgres::Privacy::Private
    );
    // A database someone else made for a role this user cannot act as: left alone, and said so.
    let foreign = format!("silo_test_foreign_{suffix}");
    admin
        .execute_raw(silo_store::Sql::assembled(format!(
            "CREATE DATABASE {} OWNER {}",
            postgres::quote_ident(&foreign),
            postgres::quote_ident(&other)
        )))
        .await
        .unwrap();
    let as_owner = server
        .connect_as("postgres", &owner, "irrelevant", limits)
        .await
        .unwrap();
    assert_eq!(
        postgres::open_privately(&as_owner, &foreign).await.unwrap(),
        postgres::Privacy::PublicMayConnect
    );
    as_owner.close().await;
    postgres::drop_database_and_role(&admin, &foreign, &other)
        .await
        .unwrap();
    postgres::drop_database_and_role(&admin, &database, &owner)
        .await
        .unwrap();
    admin.close().await;
}

#[tokio::test]
async fn new_companies_go_to_the_least_loaded_server() {
    let Some(TestBackend::Postgres(url)) = TestBackend::postgres() else {
        return;
    };
    let second = match Cluster::start() {
        Ok(c) => c,
        Err(reason) => {
            eprintln!("skipped: cannot start a second PostgreSQL cluster: {reason}");
            return;
        }
    };
    let storage = TestStorage::postgres_servers(&url, vec![url.clone(), second.url.clone()]);
    let t = storage.open(PoolSettings::default()).await;
    let first_id = PgServer::parse(&url).unwrap().id().to_owned();
    let second_id = PgServer::parse(&second.url).unwrap().id().to_owned();
    let mut placed: Vec<String> = Vec::new();
    for i in 0..4 {
        let c = provision(&t, &format!("co-{i}")).await;
        let p = t.control().placement(c.id).await.unwrap().unwrap();
        t.tenant_db(&c).await.unwrap();
        placed.push(p.server.clone());
    }
    assert_eq!(
        placed,
        [&first_id, &second_id, &first_id, &second_id].map(String::clone)
    );
    t.close().await;
    drop(storage); // drops the tenant databases on both servers before the cluster stops
    drop(second);
}

#[tokio::test]
async fn the_connection_budget_holds_on_the_server() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let settings = PoolSettings {
        max_pools: 100,
        connections_per_pool: 2,
        connection_budget: 4,
        ..PoolSettings::default()
    };
    let t = storage.open(settings).await;
    let mut companies = Vec::new();
    for i in 0..5 {
        companies.push(provision(&t, &format!("co-{i}")).await);
    }
    let roles: Vec<String> = companies
        .iter()
        .map(|c| format!("silo_t_{}", c.id.as_uuid().simple()))
        .collect();
    let admin = admin(&storage).await;
    for c in &companies {
        let db = t.tenant_db(c).await.unwrap();
        db.db()
            .fetch_all("SELECT id FROM accounts", &[])
            .await
            .unwrap();
        assert!(t.open_pools().await <= 2);
    }
    // Closing evicted pools runs in the background; the server sees the sessions end soon
    // after. Poll a bounded number of times.
    let mut open = i64::MAX;
    for _ in 0..100 {
        let row = admin
            .fetch_one(
                "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE usename = ANY(string_to_array($1, ','))",
                params![roles.join(",")],
            )
            .await
            .unwrap();
        open = row.get("n").unwrap();
        if open <= 4 {
            break;
        }
        tokio::task::yield_now().await;
        let _ = admin
            .fetch_one("SELECT pg_sleep(0.05) IS NULL AS x", &[])
            .await;
    }
    assert!(open <= 4, "{open} tenant connections open, budget 4");
    admin.close().await;
    t.close().await;
}

#[tokio::test]
async fn dropping_tenant_storage_drops_database_and_role() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "gone").await;
    t.tenant_db(&c).await.unwrap();
    let name = t
        .control()
        .placement(c.id)
        .await
        .unwrap()
        .unwrap()
        .database_name;
    t.drop_tenant_storage(&c).await.unwrap();
    let admin = admin(&storage).await;
    let left = admin
        .fetch_one(
            "SELECT (SELECT COUNT(*) FROM pg_database WHERE datname = $1)
                  + (SELECT COUNT(*) FROM pg_roles WHERE rolname = $1) AS n",
            params![name],
        )
        .await
        .unwrap();
    assert_eq!(left.get::<i64>("n").unwrap(), 0);
    admin.close().await;
    t.close().await;
}

/// App servers starting together against a new control database each create it and revoke
/// PUBLIC's rights: all of them succeed and the database ends up private.
#[tokio::test]
async fn databases_made_private_by_several_processes_at_once() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let server = PgServer::parse(&storage.pg.as_ref().unwrap().servers[0]).unwrap();
    let admins = [
        server.connect("postgres", 1).await.unwrap(),
        server.connect("postgres", 1).await.unwrap(),
        server.connect("postgres", 1).await.unwrap(),
        server.connect("postgres", 1).await.unwrap(),
    ];
    for round in 0..10 {
        let database = format!(
            "silo_test_race_{}_{round}",
            silo_control::CompanyId::generate().as_uuid().simple()
        );
        let results = create_together(&admins, &database).await;
        for r in results {
            assert_eq!(r.unwrap(), postgres::Privacy::Private, "round {round}");
        }
        let row = admins[0]
            .fetch_one(
                "SELECT has_database_privilege('public', $1, 'CONNECT') AS connect,
                        datallowconn AS open FROM pg_database WHERE datname = $1",
                params![database.as_str()],
            )
            .await
            .unwrap();
        assert!(!row.get::<bool>("connect").unwrap() && row.get::<bool>("open").unwrap());
        admins[0]
            .execute_raw(silo_store::Sql::assembled(format!(
                "DROP DATABASE {}",
                postgres::quote_ident(&database)
            )))
            .await
            .unwrap();
    }
    for a in &admins {
        a.close().await;
    }
}

/// `create_database_on` for `database` over every pool at once.
async fn create_together(
    admins: &[Db],
    database: &str,
) -> Vec<Result<postgres::Privacy, silo_store::StoreError>> {
    let mut set = tokio::task::JoinSet::new();
    for admin in admins {
        let (admin, database) = (admin.clone(), database.to_owned());
        set.spawn(async move { postgres::create_database_on(&admin, &database, None).await });
    }
    set.join_all().await
}

/// Tenant roles get a SCRAM verifier with one iteration (their passwords are random 256-bit
/// values, so stretching added only cost), and logging in with it works on a server that
/// checks passwords; a wrong password is still refused.
#[tokio::test]
async fn tenant_roles_log_in_with_a_one_iteration_scram_verifier() {
    if TestBackend::postgres().is_none() {
        return;
    }
    let cluster = match Cluster::start_with_scram("") {
        Ok(c) => c,
        Err(reason) => {
            eprintln!("skipped: cannot start a PostgreSQL cluster: {reason}");
            return;
        }
    };
    let storage = TestStorage::postgres_servers(&cluster.url, vec![cluster.url.clone()]);
    let t = storage.open(PoolSettings::default()).await;
    let c = provision(&t, "acme").await;
    let role = format!("silo_t_{}", c.id.as_uuid().simple());
    let admin = admin(&storage).await;
    let stored: String = admin
        .fetch_one(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1",
            params![role.clone()],
        )
        .await
        .unwrap()
        .get("rolpassword")
        .unwrap();
    assert!(stored.starts_with("SCRAM-SHA-256$1:"), "{stored}");
    let db = t.tenant_db(&c).await.unwrap();
    let me: String = db
        .db()
        .fetch_one("SELECT current_user AS me", &[])
        .await
        .unwrap()
        .get("me")
        .unwrap();
    assert_eq!(me, role);
    // The server really checks the password: the right one above, a wrong one refused.
    let server = PgServer::parse(&cluster.url).unwrap();
    let err = server
        .connect_as(
            &role,
            &role,
            "not the password",
            PoolSettings::default().pool_limits(),
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("password authentication failed"),
        "{err}"
    );
    drop(db);
    admin.close().await;
    t.close().await;
    drop(storage);
    drop(cluster);
}

/// Who owns `database`, and whether PUBLIC may connect to it or make temp tables there.
async fn owner_and_public(admin: &Db, database: &str) -> (String, bool) {
    let row = admin
        .fetch_one(
            "SELECT pg_get_userbyid(datdba) AS owner,
                    has_database_privilege('public', datname, 'CONNECT')
                    OR has_database_privilege('public', datname, 'TEMP') AS public
             FROM pg_database WHERE datname = $1",
            params![database],
        )
        .await
        .unwrap();
    (row.get("owner").unwrap(), row.get("public").unwrap())
}

/// Ready databases of the pool on the test's one server, by name.
async fn pooled_names(admin: &Db, storage: &TestStorage) -> Vec<String> {
    let [_, ready] = silo_tenancy::provisioning_pool_prefixes(&storage.pg.as_ref().unwrap().secret);
    admin
        .fetch_all(
            "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
            params![ready],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("datname").unwrap())
        .collect()
}

/// A provisioning claims a database of the pool: it becomes the company's, under its own
/// role and name, private, at the latest schema, and serves the company; the worker's refill
/// tops the pool up again.
#[tokio::test]
async fn a_claimed_pooled_database_serves_its_company_and_the_pool_refills() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let t = storage.open(PoolSettings::default()).await;
    let admin = admin(&storage).await;
    assert_eq!(t.provisioning_pool().await.unwrap(), [0]);
    assert_eq!(t.refill_provisioning_pool(2).await.unwrap(), 2);
    assert_eq!(t.provisioning_pool().await.unwrap(), [2]);
    let before = pooled_names(&admin, &storage).await;
    for name in &before {
        let (owner, public) = owner_and_public(&admin, name).await;
        assert_eq!(&owner, name, "a pooled database has a role of its own");
        assert!(!public, "PUBLIC is locked out of a pooled database");
    }

    let c = provision(&t, "acme").await;
    let role = format!("silo_t_{}", c.id.as_uuid().simple());
    assert_eq!(t.provisioning_pool().await.unwrap(), [1], "one was claimed");
    let after = pooled_names(&admin, &storage).await;
    assert!(after.iter().all(|n| before.contains(n)));
    let (owner, public) = owner_and_public(&admin, &role).await;
    assert_eq!(owner, role);
    assert!(!public);
    // No role is left under the claimed pool name.
    let claimed = before.iter().find(|n| !after.contains(n)).unwrap();
    let left = admin
        .fetch_optional(
            "SELECT 1 AS one FROM pg_roles WHERE rolname = $1",
            params![claimed.clone()],
        )
        .await
        .unwrap();
    assert!(left.is_none());
    let placement = t.control().placement(c.id).await.unwrap().unwrap();
    assert_eq!(placement.database_name, role);
    assert_eq!(
        placement.schema_version,
        silo_schema::TENANT_MIGRATIONS.latest(silo_store::Dialect::Postgres)
    );

    // It serves the company, as the company's role, with tables that role owns.
    let db = t.tenant_db(&c).await.unwrap();
    db.db()
        .execute(
            "INSERT INTO accounts (id, name, website, created_at, updated_at) VALUES ($1, $2, NULL, $3, $3)",
            params!["a1", "Acme", "2026-01-02T03:04:05.000000Z"],
        )
        .await
        .unwrap();
    let row = db
        .db()
        .fetch_one(
            "SELECT current_user AS me, (SELECT tableowner FROM pg_tables
                                         WHERE tablename = 'accounts') AS owner,
                    (SELECT COUNT(*) FROM accounts) AS n",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<String>("me").unwrap(), role);
    assert_eq!(row.get::<String>("owner").unwrap(), role);
    assert_eq!(row.get::<i64>("n").unwrap(), 1);
    drop(db);

    assert_eq!(t.refill_provisioning_pool(2).await.unwrap(), 1);
    assert_eq!(t.provisioning_pool().await.unwrap(), [2]);
    admin.close().await;
    t.close().await;
}

/// With the pool empty, provisioning creates a database as before.
#[tokio::test]
async fn a_provisioning_with_the_pool_empty_creates_a_database() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let t = storage.open(PoolSettings::default()).await;
    assert_eq!(t.provisioning_pool().await.unwrap(), [0]);
    let c = provision(&t, "acme").await;
    assert!(storage.database_exists(&t, &c).await);
    let db = t.tenant_db(&c).await.unwrap();
    db.db()
        .fetch_all("SELECT id FROM accounts", &[])
        .await
        .unwrap();
    drop(db);
    assert_eq!(t.provisioning_pool().await.unwrap(), [0]);
    t.close().await;
}

/// Another company's role can open neither a pooled database nor one claimed by a company.
#[tokio::test]
async fn another_companys_role_cannot_open_a_pooled_or_claimed_database() {
    let Some(backend) = TestBackend::postgres() else {
        return;
    };
    let storage = TestStorage::on(&backend);
    let t = storage.open(PoolSettings::default()).await;
    let admin = admin(&storage).await;
    assert_eq!(t.refill_provisioning_pool(3).await.unwrap(), 3);
    let a = provision(&t, "acme").await;
    let b = provision(&t, "bolt").await;
    let pooled = pooled_names(&admin, &storage).await;
    assert_eq!(pooled.len(), 1);
    let server = PgServer::parse(&storage.pg.as_ref().unwrap().servers[0]).unwrap();
    let limits = PoolSettings::default().pool_limits();
    let role_a = format!("silo_t_{}", a.id.as_uuid().simple());
    let role_b = format!("silo_t_{}", b.id.as_uuid().simple());
    for (database, role) in [
        (&role_a, &role_b),
        (&role_b, &role_a),
        (&pooled[0], &role_a),
    ] {
        let err = server
            .connect_as(database, role, "irrelevant", limits)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("permission denied"),
            "{role} on {database}: {err}"
        );
    }
    for c in [&a, &b] {
        let db = t.tenant_db(c).await.unwrap();
        db.db()
            .fetch_all("SELECT id FROM accounts", &[])
            .await
            .unwrap();
    }
    admin.close().await;
    t.close().await;
}

/// Each tenant server has a budget of its own: a cap of two connections keeps two companies
/// open on each of two servers, and opening a third company on one server closes a pool on
/// that server, never one on the other.
#[tokio::test]
async fn each_tenant_server_has_its_own_budget() {
    let Some(TestBackend::Postgres(url)) = TestBackend::postgres() else {
        return;
    };
    let second = match Cluster::start() {
        Ok(c) => c,
        Err(reason) => {
            eprintln!("skipped: cannot start a second PostgreSQL cluster: {reason}");
            return;
        }
    };
    let storage = TestStorage::postgres_servers(&url, vec![url.clone(), second.url.clone()]);
    let settings = PoolSettings {
        connection_budget: 2,
        ..PoolSettings::default()
    };
    let t = storage.open(settings).await;
    assert_eq!(t.stats().await.connection_budget, 4, "2 on each server");
    let second_id = PgServer::parse(&second.url).unwrap().id().to_owned();
    let mut companies = Vec::new();
    for i in 0..6 {
        companies.push(provision(&t, &format!("co-{i}")).await);
    }
    let mut on_second = Vec::new();
    for c in &companies {
        let p = t.control().placement(c.id).await.unwrap().unwrap();
        on_second.push(p.server == second_id);
    }
    assert_eq!(on_second, [false, true, false, true, false, true]);
    // Two on each server: all four stay open. The least recently used of all is co-1, on
    // the second server.
    for i in [1, 0, 2, 3] {
        t.tenant_db(&companies[i]).await.unwrap();
    }
    assert_eq!(t.open_pools().await, 4);
    // A third on the first server closes the first server's least recently used (co-0), not
    // co-1: the second server's two stay open.
    t.tenant_db(&companies[4]).await.unwrap();
    assert_eq!(t.open_pools().await, 4);
    let mut open: Vec<String> = Vec::new();
    for server in [&url, &second.url] {
        let id = PgServer::parse(server).unwrap().id().to_owned();
        let admin = storage.pg.as_ref().unwrap().admin_for(&id).await;
        open.extend(
            admin
                .fetch_all(
                    "SELECT DISTINCT usename::text AS name FROM pg_stat_activity
                     WHERE starts_with(usename::text, 'silo_t_')",
                    &[],
                )
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String>("name").unwrap()),
        );
        admin.close().await;
    }
    let role = |i: usize| format!("silo_t_{}", companies[i].id.as_uuid().simple());
    for i in [1, 2, 3, 4] {
        assert!(open.contains(&role(i)), "co-{i} is open: {open:?}");
    }
    t.close().await;
    drop(storage);
    drop(second);
}
