//! The world of the randomised isolation run: companies, identities with overlapping
//! memberships in random roles, a token for every identity-company pair (members or not), a
//! registry of every id the run created and which company owns it, and the requests that
//! carry tenant-naming headers and query parameters pointing at other companies.

use crate::common::{PASSWORD, Reply, TestApp, spawn_app};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng};
use reqwest::Method;
use serde_json::Value;
use silo_auth::{KeySet, TokenConfig, Tokens};
use silo_control::{CompanyId, Email, NewIdentity};
use silo_roles::Role;
use silo_tenancy::DataDir;
use std::collections::HashMap;
use std::sync::Mutex;

/// A company of the run.
pub struct Company {
    pub id: String,
    pub slug: String,
    /// A token of its owner (from signup).
    pub owner_token: String,
}

/// An identity's token bound to one company, and its role there (`None`: not a member).
pub struct Actor {
    pub company: usize,
    pub role: Option<Role>,
    pub token: String,
}

/// Everything the tasks share.
pub struct World {
    pub app: TestApp,
    pub companies: Vec<Company>,
    pub actors: Vec<Actor>,
    /// Row and company ids -> the company (index) that owns them.
    ids: Mutex<HashMap<String, usize>>,
}

/// The label every row of company `c` carries, so a row in the wrong company is recognisable
/// even before its id is registered.
pub fn marker(c: usize) -> String {
    format!("co{c}:")
}

impl World {
    /// Signs up `companies` companies, creates `identities` identities each holding random
    /// roles in a random non-empty subset of them, and issues tokens for every pair.
    pub async fn build(rng: &mut StdRng, companies: usize, identities: usize) -> World {
        let app = spawn_app().await;
        let control = app.tenancy.control();
        let mut ids = HashMap::new();
        let mut cos = Vec::new();
        let mut actors = Vec::new();
        for c in 0..companies {
            let (token, id) = app
                .signup(&format!("Iso {c}"), &format!("owner{c}@iso{c}.example"))
                .await;
            let company = control.company(id.parse().unwrap()).await.unwrap().unwrap();
            ids.insert(id.clone(), c);
            actors.push(Actor {
                company: c,
                role: Some(Role::Owner),
                token: token.clone(),
            });
            cos.push(Company {
                id,
                slug: company.slug.as_str().to_owned(),
                owner_token: token,
            });
        }
        let keys =
            KeySet::load_or_create(&DataDir::new(app.storage.dir.path()).keys_dir()).unwrap();
        let tokens = Tokens::new(keys, TokenConfig::default());
        // One hash for everyone: hashing is slow and the password is never used here.
        let hash =
            silo_auth::password::hash(&silo_auth::password::Password::new(PASSWORD)).unwrap();
        for i in 0..identities {
            let identity = control
                .ensure_identity(&NewIdentity {
                    email: Email::parse(&format!("person{i}@people.example")).unwrap(),
                    name: format!("Person {i}"),
                    password_hash: Some(hash.clone()),
                })
                .await
                .unwrap();
            let first = rng.random_range(0..companies);
            for (c, company) in cos.iter().enumerate() {
                let company_id: CompanyId = company.id.parse().unwrap();
                let role = (c == first || rng.random_bool(0.4))
                    .then(|| Role::ALL[rng.random_range(0..Role::ALL.len())]);
                if let Some(role) = role {
                    control
                        .add_membership(identity, company_id, role)
                        .await
                        .unwrap();
                }
                let token = tokens
                    .issue(identity.as_uuid(), Some(company_id.as_uuid()))
                    .unwrap()
                    .token;
                actors.push(Actor {
                    company: c,
                    role,
                    token,
                });
            }
        }
        World {
            app,
            companies: cos,
            actors,
            ids: Mutex::new(ids),
        }
    }

    /// Records that `id` belongs to company `c`.
    pub fn register(&self, id: &str, c: usize) {
        let previous = self.ids.lock().unwrap().insert(id.to_owned(), c);
        assert!(previous.is_none(), "id {id} handed out twice");
    }

    /// A random id of a company other than `c`, if any exists yet.
    pub fn foreign_id(&self, rng: &mut StdRng, c: usize) -> Option<String> {
        let ids = self.ids.lock().unwrap();
        let foreign: Vec<&String> = ids
            .iter()
            .filter(|(_, owner)| **owner != c)
            .map(|(id, _)| id)
            .collect();
        (!foreign.is_empty()).then(|| foreign[rng.random_range(0..foreign.len())].clone())
    }

    /// A random registered row id of company `c` (possibly another task's, possibly deleted).
    pub fn sibling_id(&self, rng: &mut StdRng, c: usize) -> Option<String> {
        let ids = self.ids.lock().unwrap();
        let own: Vec<&String> = ids
            .iter()
            .filter(|(id, owner)| **owner == c && **id != self.companies[c].id)
            .map(|(id, _)| id)
            .collect();
        (!own.is_empty()).then(|| own[rng.random_range(0..own.len())].clone())
    }

    /// Fails the test if `body` names any id that belongs to a company other than `c`.
    #[track_caller]
    pub fn assert_nothing_foreign(&self, c: usize, body: &Value, what: &str) {
        let ids = self.ids.lock().unwrap();
        let mut strings = Vec::new();
        collect_strings(body, &mut strings);
        for s in strings {
            if let Some(owner) = ids.get(s)
                && *owner != c
            {
                panic!("{what}: company {c} was shown {s} of company {owner}: {body}");
            }
            assert!(
                !(0..self.companies.len())
                    .filter(|o| *o != c)
                    .any(|o| s.starts_with(&marker(o))),
                "{what}: company {c} was shown a row marked for another company: {body}"
            );
        }
    }

    /// Sends a request as `actor`, with a random mix of headers and query parameters that name
    /// other companies (they must change nothing), and checks the answer shows nothing of
    /// another company.
    pub async fn call(
        &self,
        rng: &mut StdRng,
        actor: &Actor,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let other = (actor.company + 1 + rng.random_range(0..self.companies.len().max(2) - 1))
            % self.companies.len();
        let other = &self.companies[other];
        let mut url = format!("{}{path}", self.app.url);
        if rng.random_bool(0.3) {
            let sep = if path.contains('?') { '&' } else { '?' };
            url.push(sep);
            url.push_str(&format!(
                "company_id={}&company={}&tenant={}&tenant_id={}",
                other.id, other.slug, other.id, other.id
            ));
        }
        let mut req = self
            .app
            .client
            .request(method.clone(), url)
            .bearer_auth(&actor.token);
        for (header, value) in [
            ("X-Tenant-ID", other.id.clone()),
            ("X-Company-ID", other.id.clone()),
            ("Host", format!("{}.localhost", other.slug)),
            ("X-Forwarded-Host", format!("{}.silo.example", other.slug)),
        ] {
            if rng.random_bool(0.3) {
                req = req.header(header, value);
            }
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let reply = self.app.send(req).await;
        assert!(
            reply.status.as_u16() < 500,
            "{method} {path}: {} {}",
            reply.status,
            reply.body
        );
        self.assert_nothing_foreign(actor.company, &reply.body, &format!("{method} {path}"));
        reply
    }
}

fn collect_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// The seed: `SILO_ISOLATION_SEED` when set, else a fresh one; printed either way.
pub fn seed() -> (u64, StdRng) {
    let seed = std::env::var("SILO_ISOLATION_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(rand::random);
    println!("isolation seed: {seed} (SILO_ISOLATION_SEED={seed} reproduces the run)");
    (seed, StdRng::seed_from_u64(seed))
}
