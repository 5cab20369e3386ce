//! One task of the run: an actor doing random creates, reads, changes, deletes and lists,
//! plus probes at other companies' ids, routes its role lacks and companies it is not a member
//! of. Each answer is checked against the task's own model; the rows it owns are returned for
//! the final comparison.

use super::world::{Actor, World, marker};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};
use silo_roles::{Permission, Role};

/// The kinds of row the run works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Account,
    Contact,
    Deal,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Account, Kind::Contact, Kind::Deal];

    pub fn path(self) -> &'static str {
        match self {
            Kind::Account => "/api/accounts",
            Kind::Contact => "/api/contacts",
            Kind::Deal => "/api/deals",
        }
    }

    fn read(self) -> Permission {
        match self {
            Kind::Account | Kind::Contact => Permission::CrmRead,
            Kind::Deal => Permission::DealsRead,
        }
    }

    fn write(self) -> Permission {
        match self {
            Kind::Account | Kind::Contact => Permission::CrmWrite,
            Kind::Deal => Permission::DealsWrite,
        }
    }
}

/// A row as the model expects it: the fields the run sets, nothing else.
#[derive(Clone, Debug)]
pub struct Row {
    pub kind: Kind,
    pub id: String,
    pub fields: Value,
}

/// Fails unless every expected field has the expected value in `body`.
#[track_caller]
pub fn assert_fields(expected: &Row, body: &Value, what: &str) {
    assert_eq!(body["id"], expected.id.as_str(), "{what}: {body}");
    for (k, v) in expected.fields.as_object().unwrap() {
        assert_eq!(&body[k], v, "{what}: field {k} of {}: {body}", expected.id);
    }
}

/// Routes beyond the CRM, to check refusals against the registry.
const OTHER_ROUTES: [&str; 6] = [
    "/api/invoices",
    "/api/members",
    "/api/audit",
    "/api/reports/revenue",
    "/api/contracts",
    "/api/company",
];

/// The permission the route table declares for `GET path`.
fn permission_of(path: &str) -> Permission {
    silo_server::ROUTES
        .iter()
        .find(|r| r.method == Method::GET.as_str() && r.path == path)
        .and_then(|r| match r.access {
            silo_server::Access::Company(p) => Some(p),
            _ => None,
        })
        .unwrap_or_else(|| panic!("GET {path} is no company route of the table"))
}

const STAGES: [&str; 5] = ["lead", "qualified", "proposal", "won", "lost"];

struct Task<'a> {
    world: &'a World,
    actor: &'a Actor,
    role: Role,
    rng: StdRng,
    rows: Vec<Row>,
    serial: usize,
    tag: String,
}

/// Runs `ops` random operations as `world.actors[actor]`; returns the rows it owns at the end.
pub async fn run(world: &World, seed: u64, task: usize, actor: usize, ops: usize) -> Vec<Row> {
    let actor = &world.actors[actor];
    let mut t = Task {
        world,
        actor,
        role: actor.role.unwrap(),
        rng: StdRng::seed_from_u64(seed ^ (task as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        rows: Vec::new(),
        serial: 0,
        tag: format!("{}t{task}", marker(actor.company)),
    };
    for _ in 0..ops {
        let dice = t.rng.random_range(0..100);
        match dice {
            0..25 => t.create().await,
            25..37 => t.get_own().await,
            37..49 => t.update_own().await,
            49..55 => t.delete_own().await,
            55..65 => t.list().await,
            65..77 => t.foreign().await,
            77..83 => t.sibling().await,
            83..87 => t.foreign_reference().await,
            87..93 => t.not_a_member().await,
            _ => t.other_route().await,
        }
    }
    t.rows
}

impl Task<'_> {
    fn kind(&mut self) -> Kind {
        Kind::ALL[self.rng.random_range(0..3)]
    }

    async fn call(&mut self, method: Method, path: &str, body: Option<&Value>) -> super::Reply {
        let (world, actor) = (self.world, self.actor);
        world.call(&mut self.rng, actor, method, path, body).await
    }

    /// The answer to a route needing `permission`: `ok` when the role has it, else 403.
    #[track_caller]
    fn expect_by_role(&self, reply: &super::Reply, permission: Permission, ok: u16, what: &str) {
        if self.role.can(permission) {
            assert_eq!(reply.status, ok, "{what} as {}: {}", self.role, reply.body);
        } else {
            reply.expect(403, "forbidden");
        }
    }

    fn own_account(&mut self) -> Option<String> {
        let accounts: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.kind == Kind::Account)
            .collect();
        (!accounts.is_empty() && self.rng.random_bool(0.6)).then(|| {
            accounts[self.rng.random_range(0..accounts.len())]
                .id
                .clone()
        })
    }

    fn new_fields(&mut self, kind: Kind) -> Value {
        self.serial += 1;
        let label = format!("{} {:?} {}", self.tag, kind, self.serial);
        let account = self.own_account().map_or(Value::Null, Value::from);
        let currency = ["EUR", "USD", "GBP"][self.rng.random_range(0..3)];
        match kind {
            Kind::Account => json!({
                "name": label,
                "website": if self.rng.random_bool(0.5) {
                    json!(format!("https://w{}.example", self.serial))
                } else {
                    Value::Null
                },
            }),
            Kind::Contact => json!({
                "name": label,
                "email": format!("c{}.{}@people.example", self.serial, self.tag.replace(':', "-")),
                "phone": if self.rng.random_bool(0.5) { json!("+31 20 555 0100") } else { Value::Null },
                "account_id": account,
            }),
            Kind::Deal => json!({
                "title": label,
                "value_cents": self.rng.random_range(0..10_000_000_i64),
                "currency": currency,
                "stage": STAGES[self.rng.random_range(0..STAGES.len())],
                "account_id": account,
            }),
        }
    }

    async fn create(&mut self) {
        let kind = self.kind();
        let fields = self.new_fields(kind);
        let r = self.call(Method::POST, kind.path(), Some(&fields)).await;
        self.expect_by_role(&r, kind.write(), 201, "create");
        if r.status == 201 {
            let id = r.body["id"].as_str().unwrap().to_owned();
            self.world.register(&id, self.actor.company);
            let row = Row { kind, id, fields };
            assert_fields(&row, &r.body, "created");
            self.rows.push(row);
        }
    }

    fn pick_own(&mut self) -> Option<usize> {
        (!self.rows.is_empty()).then(|| self.rng.random_range(0..self.rows.len()))
    }

    async fn get_own(&mut self) {
        let Some(i) = self.pick_own() else { return };
        let row = self.rows[i].clone();
        let r = self
            .call(
                Method::GET,
                &format!("{}/{}", row.kind.path(), row.id),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_fields(&row, &r.body, "read back");
    }

    async fn update_own(&mut self) {
        let Some(i) = self.pick_own() else { return };
        let row = self.rows[i].clone();
        let mut expected = row.clone();
        let patch = match row.kind {
            Kind::Account => {
                json!({"name": format!("{} renamed {}", self.tag, self.rng.random::<u16>())})
            }
            Kind::Contact => {
                json!({"phone": if self.rng.random_bool(0.5) { json!("+31 6 1234 5678") } else { Value::Null }})
            }
            Kind::Deal => {
                let current = row.fields["stage"].as_str().unwrap().to_owned();
                let stage = STAGES[self.rng.random_range(0..STAGES.len())];
                json!({"value_cents": self.rng.random_range(0..1_000_000_i64), "stage": stage})
                    .as_object()
                    .unwrap()
                    .clone()
                    .into_iter()
                    .filter(|(k, _)| k != "stage" || stage != current)
                    .collect::<serde_json::Map<_, _>>()
                    .into()
            }
        };
        for (k, v) in patch.as_object().unwrap() {
            expected.fields[k] = v.clone();
        }
        let closed = matches!(row.fields["stage"].as_str(), Some("won" | "lost"));
        let r = self
            .call(
                Method::PATCH,
                &format!("{}/{}", row.kind.path(), row.id),
                Some(&patch),
            )
            .await;
        if closed && patch.get("stage").is_some() {
            // A closed deal is final: the whole change is refused.
            r.expect(409, "invalid_transition");
            return;
        }
        assert_eq!(r.status, 200, "{patch}: {}", r.body);
        assert_fields(&expected, &r.body, "patched");
        self.rows[i] = expected;
    }

    async fn delete_own(&mut self) {
        let Some(i) = self.pick_own() else { return };
        let row = self.rows.remove(i);
        let path = format!("{}/{}", row.kind.path(), row.id);
        let r = self.call(Method::DELETE, &path, None).await;
        assert_eq!(r.status, 204, "{}", r.body);
        if row.kind == Kind::Account {
            // Contacts and deals of a deleted account keep existing, without the account.
            for other in &mut self.rows {
                if other.fields["account_id"] == row.id.as_str() {
                    other.fields["account_id"] = Value::Null;
                }
            }
        }
        self.call(Method::GET, &path, None)
            .await
            .expect(404, "not_found");
    }

    async fn list(&mut self) {
        let kind = self.kind();
        let items = list_all(self, kind).await;
        for row in self.rows.iter().filter(|r| r.kind == kind) {
            let found = items.iter().find(|i| i["id"] == row.id.as_str());
            let found = found.unwrap_or_else(|| panic!("{} missing from its list", row.id));
            assert_fields(row, found, "listed");
        }
    }

    /// Ids of other companies: never found, never changed, never deleted.
    async fn foreign(&mut self) {
        let Some(id) = self.world.foreign_id(&mut self.rng, self.actor.company) else {
            return;
        };
        let kind = self.kind();
        let path = format!("{}/{id}", kind.path());
        let (method, body, permission) = match self.rng.random_range(0..3) {
            0 => (Method::GET, None, kind.read()),
            1 => (
                Method::PATCH,
                Some(json!({"name": "stolen", "title": "stolen"})),
                kind.write(),
            ),
            _ => (Method::DELETE, None, kind.write()),
        };
        let r = self.call(method, &path, body.as_ref()).await;
        if self.role.can(permission) {
            r.expect(404, "not_found");
        } else {
            r.expect(403, "forbidden");
        }
    }

    /// Another task's row in the same company: visible or already deleted, never foreign.
    async fn sibling(&mut self) {
        let Some(id) = self.world.sibling_id(&mut self.rng, self.actor.company) else {
            return;
        };
        let kind = self.kind();
        let r = self
            .call(Method::GET, &format!("{}/{id}", kind.path()), None)
            .await;
        match r.status.as_u16() {
            200 => assert_eq!(r.body["id"], id.as_str()),
            404 => r.expect(404, "not_found"),
            s => panic!("sibling read answered {s}: {}", r.body),
        }
    }

    /// A contact or deal in this company pointing at another company's account is refused.
    async fn foreign_reference(&mut self) {
        let Some(id) = self.world.foreign_id(&mut self.rng, self.actor.company) else {
            return;
        };
        let kind = if self.rng.random_bool(0.5) {
            Kind::Contact
        } else {
            Kind::Deal
        };
        let mut fields = self.new_fields(kind);
        fields["account_id"] = json!(id);
        let r = self.call(Method::POST, kind.path(), Some(&fields)).await;
        if self.role.can(kind.write()) {
            r.expect(422, "invalid");
            assert!(
                r.body["error"]["fields"]["account_id"].is_string(),
                "{}",
                r.body
            );
        } else {
            r.expect(403, "forbidden");
        }
    }

    /// Tokens of identities that are not members of the company they name.
    async fn not_a_member(&mut self) {
        let outsiders: Vec<usize> = (0..self.world.actors.len())
            .filter(|a| self.world.actors[*a].role.is_none())
            .collect();
        if outsiders.is_empty() {
            return;
        }
        let outsider = &self.world.actors[outsiders[self.rng.random_range(0..outsiders.len())]];
        let kind = self.kind();
        let world = self.world;
        let (method, body) = if self.rng.random_bool(0.5) {
            (Method::GET, None)
        } else {
            (Method::POST, Some(self.new_fields(kind)))
        };
        let r = world
            .call(&mut self.rng, outsider, method, kind.path(), body.as_ref())
            .await;
        r.expect(403, "not_a_member");
    }

    async fn other_route(&mut self) {
        let path = OTHER_ROUTES[self.rng.random_range(0..OTHER_ROUTES.len())];
        let permission = permission_of(path);
        let r = self.call(Method::GET, path, None).await;
        self.expect_by_role(&r, permission, 200, path);
        if path == "/api/company" && r.status == 200 {
            assert_eq!(
                r.body["id"],
                self.world.companies[self.actor.company].id.as_str()
            );
        }
    }
}

/// Every row of `kind` visible to the task's company, page by page.
async fn list_all(t: &mut Task<'_>, kind: Kind) -> Vec<Value> {
    let limit = [1, 7, 200][t.rng.random_range(0..3)];
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10_000 {
        let mut path = format!("{}?limit={limit}", kind.path());
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = t.call(Method::GET, &path, None).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.body["items"].as_array().unwrap();
        assert!(page.len() <= limit, "page over its limit");
        let own = marker(t.actor.company);
        for item in page {
            let label = item
                .get("name")
                .or(item.get("title"))
                .and_then(Value::as_str);
            assert!(
                label.is_some_and(|l| l.starts_with(&own)),
                "company {} listed a row that is not its own: {item}",
                t.actor.company
            );
        }
        items.extend(page.iter().cloned());
        match r.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
    panic!("listing never ended");
}

/// Every row of `kind` in company `c`, read with its owner's token and no decoration.
pub async fn list_company(world: &World, c: usize, kind: Kind) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = world
            .app
            .get(
                &format!("{}?limit=200&cursor={cursor}", kind.path()),
                Some(&world.companies[c].owner_token),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        items.extend(r.body["items"].as_array().unwrap().iter().cloned());
        match r.body["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return items,
        }
    }
}
