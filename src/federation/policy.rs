//! The instance's federation policy: a mode (`open`: everyone but blocked servers; `allowlist`: only allowed
//! servers; `closed`: no federation at all) and the admin's rules on servers (allow, block), on top of the
//! configuration's `federation.blocked_domains`. A refused server gets nothing from us, and nothing from it
//! is accepted or fetched. The policy is read from the database and kept in memory for a few seconds, so that
//! a change made with `parvis admin federation …` in another process applies within that time.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::civic::servers::{Changer, set_rule};
use crate::db::{AnyConnection, Database};
use crate::error::Result;
use crate::model::schema::{federation_rules, site_settings};
pub use crate::model::{FederationMode, ServerRule};

/// How long a read policy is used before it is read again.
const FRESH_FOR: Duration = Duration::from_secs(3);

/// The policy in force.
#[derive(Clone, Debug)]
pub struct Policy {
    pub mode: FederationMode,
    /// `(domain, rule)`; a rule covers the domain and its subdomains.
    pub rules: Vec<(String, ServerRule)>,
    /// `federation.blocked_domains` of the configuration.
    pub configured_blocks: Vec<String>,
    /// The commune is kept for its residents: only the servers the admin explicitly allowed (its members)
    /// federate, whatever the mode, and nothing is published as public.
    pub private: bool,
    /// Remote accounts blocked by a moderator: actor id, and the commune (none: the whole instance). Kept
    /// here so that the inbox looks further only for them.
    pub blocked_accounts: Vec<(String, Option<crate::ids::ActorId>)>,
}

/// The host of a URL as rules name it: `Spam.Example.` is `spam.example`.
fn host_of(url: &url::Url) -> String {
    url.host_str()
        .unwrap_or_default()
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn covers(domain: &str, host: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    host == domain || host.ends_with(&format!(".{domain}"))
}

impl Policy {
    /// The rule of the most specific domain covering `host`, if any.
    fn rule_for(&self, host: &str) -> Option<ServerRule> {
        self.rules
            .iter()
            .filter(|(domain, _)| covers(domain, host))
            .max_by_key(|(domain, _)| domain.len())
            .map(|(_, rule)| *rule)
    }

    /// Whether the server of `url` is refused: nothing is sent to it, accepted from it or fetched from it.
    pub fn refuses(&self, url: &url::Url) -> bool {
        let host = host_of(url);
        if self.mode == FederationMode::Closed
            || self.configured_blocks.iter().any(|b| covers(b, &host))
        {
            return true;
        }
        match (self.rule_for(&host), self.mode) {
            (Some(ServerRule::Block), _) => true,
            (Some(ServerRule::Allow), _) => false,
            // Silencing lets nothing in that the mode refuses; nor is a silenced server a member of a private
            // space.
            (Some(ServerRule::Silence), mode) => self.private || mode != FederationMode::Open,
            (None, FederationMode::Open) => self.private,
            (None, _) => true,
        }
    }

    /// Whether what the server of `url` published here is kept out of sight: it is refused, or silenced
    /// (accepted, but its posts are shown to nobody).
    pub fn hides(&self, url: &url::Url) -> bool {
        self.refuses(url) || self.rule_for(&host_of(url)) == Some(ServerRule::Silence)
    }

    /// Whether a moderator blocked this remote account, from a commune (`instance_wide`: from the instance).
    pub fn blocks_account(&self, actor: &str, instance_wide: bool) -> bool {
        self.blocked_accounts
            .iter()
            .any(|(a, commune)| a == actor && (commune.is_none() || !instance_wide))
    }

    /// `hides` for a stored id (a post's or an author's); an id that is not a URL is not hidden.
    pub fn hides_id(&self, id: &str) -> bool {
        url::Url::parse(id).is_ok_and(|u| self.hides(&u))
    }

    /// Whether something stored is shown: it was written here, or its server is not hidden. The one rule
    /// every page, feed and API answer applies at read time.
    pub fn shows(&self, item: &impl crate::model::FromServer) -> bool {
        self.shows_id(item.remote_id())
    }

    /// The same for a bare id (`None`: ours).
    pub fn shows_id(&self, ap_id: Option<&str>) -> bool {
        !ap_id.is_some_and(|id| self.hides_id(id))
    }

    /// What is shown of a list.
    pub fn shown<T: crate::model::FromServer>(&self, mut items: Vec<T>) -> Vec<T> {
        items.retain(|item| self.shows(item));
        items
    }

    /// A debate's thread as shown: not found if the debate's server is hidden; comments from hidden servers
    /// hidden.
    pub fn thread(&self, thread: crate::db::debates::Thread) -> Result<crate::db::debates::Thread> {
        thread.hide_servers(|id| self.shows_id(id))
    }

    /// Reads the policy from the database.
    pub fn load(conn: &mut AnyConnection, configured_blocks: &[String]) -> Result<Policy> {
        let mode: Option<String> = site_settings::table
            .find("federation_mode")
            .select(site_settings::value)
            .first(conn)
            .optional()?;
        let rules: Vec<(String, String)> = federation_rules::table
            .select((federation_rules::domain, federation_rules::rule))
            .order(federation_rules::domain.asc())
            .load(conn)?;
        Ok(Policy {
            mode: mode
                .as_deref()
                .and_then(FederationMode::parse)
                .unwrap_or(FederationMode::Open),
            rules: rules
                .into_iter()
                .filter_map(|(d, r)| ServerRule::parse(&r).map(|r| (d, r)))
                .collect(),
            configured_blocks: configured_blocks.to_vec(),
            private: crate::civic::communes::residents_only(conn)?,
            blocked_accounts: crate::model::schema::remote_blocks::table
                .select((
                    crate::model::schema::remote_blocks::actor_ap_id,
                    crate::model::schema::remote_blocks::commune_id,
                ))
                .load(conn)?,
        })
    }
}

/// What the cache holds: the policy, when it was read, and the generation it was read in.
struct Cached {
    policy: Arc<Policy>,
    read_at: Instant,
    generation: u64,
}

/// The policy kept in memory by a running server.
pub struct PolicyCache {
    configured_blocks: Vec<String>,
    current: Mutex<Cached>,
    /// Bumped by [`PolicyCache::invalidate`]: a read that began before a change is not kept as fresh.
    generation: std::sync::atomic::AtomicU64,
}

impl PolicyCache {
    /// Starts from a policy read at start-up: a server never runs on a policy it could not read.
    pub fn new(policy: Policy) -> PolicyCache {
        PolicyCache {
            configured_blocks: policy.configured_blocks.clone(),
            current: Mutex::new(Cached {
                policy: Arc::new(policy),
                read_at: Instant::now(),
                generation: 0,
            }),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The policy in force, read again when older than a few seconds. If the database cannot be read, the
    /// last policy read stays in force.
    pub async fn get(&self, db: &Database) -> Arc<Policy> {
        use std::sync::atomic::Ordering;
        let generation = self.generation.load(Ordering::SeqCst);
        {
            let current = self.lock();
            if current.generation == generation && current.read_at.elapsed() < FRESH_FOR {
                return current.policy.clone();
            }
        }
        let blocks = self.configured_blocks.clone();
        match db.run(move |conn| Policy::load(conn, &blocks)).await {
            Ok(policy) => {
                let policy = Arc::new(policy);
                let mut current = self.lock();
                // A change made meanwhile may not be in what was read: it is used, not kept as fresh.
                if self.generation.load(Ordering::SeqCst) == generation {
                    *current = Cached {
                        policy: policy.clone(),
                        read_at: Instant::now(),
                        generation,
                    };
                }
                policy
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the federation policy; the last one stays");
                self.lock().policy.clone()
            }
        }
    }

    /// Forgets the policy read, after a change made by this process.
    pub fn invalidate(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The partner's address as an admin types it (`neighbour.example`, `https://neighbour.example:8443/`):
/// its origin, and its host for the rule.
fn partner_origin(raw: &str) -> Result<(url::Url, String)> {
    let raw = raw.trim().trim_end_matches('/');
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("https://{raw}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|_| {
        crate::error::Error::invalid("domain", format!("'{raw}' is not a server's address"))
    })?;
    let host = crate::civic::servers::normalize_domain(url.host_str().unwrap_or_default())?;
    let mut origin = url.clone();
    origin.set_path("/");
    origin.set_query(None);
    Ok((origin, host))
}

/// The communes a Parvis server lists in its NodeInfo (`metadata.communes[].id`).
async fn communes_of(ctx: &crate::context::AppContext, origin: &url::Url) -> Result<Vec<url::Url>> {
    use crate::error::Error;
    let info = crate::federation::nodeinfo::of_server(ctx, origin).await?;
    let communes: Vec<url::Url> = info["metadata"]["communes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .filter_map(|id| url::Url::parse(id).ok())
        .filter(|id| id.origin() == origin.origin())
        .take(20)
        .collect();
    if communes.is_empty() {
        return Err(Error::BadGateway(format!(
            "{origin} lists no commune: is it a Parvis server?"
        )));
    }
    Ok(communes)
}

/// Partners with a neighbouring commune's server: allows it, and makes this instance's default commune follow
/// the communes it lists (each side runs this). Returns their handles.
pub async fn partner_add(
    ctx: &crate::context::AppContext,
    by: &Changer,
    raw: &str,
) -> Result<Vec<String>> {
    by.check()?;
    let (origin, host) = partner_origin(raw)?;
    let by_now = by.clone();
    let rule_host = host.clone();
    let before: Option<(String, bool)> = ctx
        .db
        .transaction(move |conn| {
            let before = federation_rules::table
                .find(&rule_host)
                .select((federation_rules::rule, federation_rules::partner))
                .first(conn)
                .optional()?;
            set_rule(conn, &by_now, &rule_host, Some(ServerRule::Allow))?;
            diesel::update(federation_rules::table.find(&rule_host))
                .set(federation_rules::partner.eq(true))
                .execute(conn)?;
            Ok(before)
        })
        .await?;
    ctx.policy.invalidate();
    // The server is allowed first (in allowlist mode it could not be read otherwise); if it turns out not to
    // be a Parvis server with communes, its former rule comes back.
    let communes = match communes_of(ctx, &origin).await {
        Ok(communes) => communes,
        Err(e) => {
            let (restore, by) = (host.clone(), by.clone());
            ctx.db
                .transaction(move |conn| {
                    set_rule(conn, &by, &restore, None)?;
                    if let Some((rule, partner)) = before {
                        set_rule(conn, &by, &restore, ServerRule::parse(&rule))?;
                        diesel::update(federation_rules::table.find(&restore))
                            .set(federation_rules::partner.eq(partner))
                            .execute(conn)?;
                    }
                    Ok(())
                })
                .await?;
            ctx.policy.invalidate();
            return Err(e);
        }
    };
    let mut handles = vec![];
    for id in communes {
        let remote = crate::federation::fetch::actor(ctx, &id, false).await?;
        handles.push(remote.handle());
        let target = remote.id;
        ctx.db
            .transaction(move |conn| {
                let commune = crate::db::queries::default_commune(conn)?
                    .ok_or_else(|| crate::error::Error::NotFound("no commune here".into()))?;
                crate::civic::follows::follow(
                    conn,
                    commune.id,
                    crate::civic::follows::Target::Remote(target),
                )
                .map(|_| ())
            })
            .await?;
    }
    ctx.wake.notify_one();
    Ok(handles)
}

/// Ends a partnership: the commune stops following the partner's communes, and the server is no longer
/// allowed (in allowlist mode, nothing more is exchanged with it).
pub async fn partner_remove(
    ctx: &crate::context::AppContext,
    by: &Changer,
    raw: &str,
) -> Result<usize> {
    by.check()?;
    let (_, host) = partner_origin(raw)?;
    let by = by.clone();
    let ended = ctx
        .db
        .transaction(move |conn| {
            use crate::model::schema::{follows, remote_actors};
            let commune = crate::db::queries::default_commune(conn)?
                .ok_or_else(|| crate::error::Error::NotFound("no commune here".into()))?;
            let followed: Vec<(crate::ids::RemoteActorId, String)> = follows::table
                .inner_join(
                    remote_actors::table
                        .on(follows::target_remote_id.eq(remote_actors::id.nullable())),
                )
                .filter(follows::follower_id.eq(commune.id))
                .select((remote_actors::id, remote_actors::domain))
                .load(conn)?;
            let mut ended = 0;
            for (id, domain) in followed {
                let domain_host = domain.split(':').next().unwrap_or_default();
                if covers(&host, domain_host) {
                    crate::civic::follows::unfollow(
                        conn,
                        commune.id,
                        crate::civic::follows::Target::Remote(id),
                    )?;
                    ended += 1;
                }
            }
            set_rule(conn, &by, &host, None)?;
            Ok(ended)
        })
        .await?;
    ctx.policy.invalidate();
    ctx.wake.notify_one();
    Ok(ended)
}

/// The hosts partnered with.
pub fn partner_hosts(conn: &mut AnyConnection) -> Result<Vec<String>> {
    Ok(federation_rules::table
        .filter(federation_rules::partner.eq(true))
        .select(federation_rules::domain)
        .load(conn)?)
}

/// The servers partnered with, and the remote communes the default commune follows: what the home page lists.
pub fn partners(conn: &mut AnyConnection) -> Result<Vec<crate::model::RemoteActor>> {
    use crate::model::schema::{follows, remote_actors};
    let Some(commune) = crate::db::queries::default_commune(conn)? else {
        return Ok(vec![]);
    };
    let partner_hosts: Vec<String> = federation_rules::table
        .filter(federation_rules::partner.eq(true))
        .select(federation_rules::domain)
        .load(conn)?;
    let followed: Vec<crate::model::RemoteActor> = follows::table
        .inner_join(
            remote_actors::table.on(follows::target_remote_id.eq(remote_actors::id.nullable())),
        )
        .filter(follows::follower_id.eq(commune.id))
        .filter(follows::accepted.eq(true))
        .select(crate::model::RemoteActor::as_select())
        .load(conn)?;
    Ok(followed
        .into_iter()
        .filter(|a| {
            let host = a.domain.split(':').next().unwrap_or_default().to_string();
            partner_hosts.iter().any(|p| covers(p, &host))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_rules_decide_who_is_refused() -> Result<(), url::ParseError> {
        let url = url::Url::parse;
        let mut p = Policy {
            mode: FederationMode::Open,
            rules: vec![
                ("spam.example".into(), ServerRule::Block),
                ("ok.spam.example".into(), ServerRule::Allow),
                ("neighbour.example".into(), ServerRule::Allow),
            ],
            configured_blocks: vec!["bad.example".into()],
            private: false,
            blocked_accounts: vec![],
        };
        assert!(!p.refuses(&url("https://anyone.example/users/a")?));
        assert!(p.refuses(&url("https://social.spam.example/users/a")?));
        assert!(
            !p.refuses(&url("https://ok.spam.example/users/a")?),
            "the most specific rule"
        );
        assert!(p.refuses(&url("https://bad.example:8443/x")?));
        p.mode = FederationMode::Allowlist;
        assert!(p.refuses(&url("https://anyone.example/users/a")?));
        assert!(!p.refuses(&url("https://parvis.neighbour.example/users/a")?));
        p.mode = FederationMode::Open;
        p.rules.push(("loud.example".into(), ServerRule::Silence));
        assert!(
            !p.refuses(&url("https://loud.example/users/a")?)
                && p.hides(&url("https://loud.example/x")?)
        );
        p.mode = FederationMode::Allowlist;
        assert!(
            p.refuses(&url("https://loud.example/users/a")?),
            "silenced is not allowed"
        );
        p.mode = FederationMode::Open;
        // A private space: only explicitly allowed servers are members, in open mode too.
        p.private = true;
        assert!(p.refuses(&url("https://anyone.example/users/a")?));
        assert!(p.refuses(&url("https://loud.example/users/a")?));
        assert!(
            !p.refuses(&url("https://neighbour.example/users/a")?),
            "a member"
        );
        assert!(p.refuses(&url("https://social.spam.example/users/a")?));
        p.mode = FederationMode::Closed;
        assert!(p.refuses(&url("https://neighbour.example/users/a")?));
        Ok(())
    }

    #[test]
    fn domains_are_normalized() {
        assert_eq!(
            crate::civic::servers::normalize_domain(" https://Neighbour.Example:8443/x ")
                .ok()
                .as_deref(),
            Some("neighbour.example")
        );
        assert!(crate::civic::servers::normalize_domain("localhost").is_err());
        assert!(crate::civic::servers::normalize_domain("bad domain.example").is_err());
        assert!(crate::civic::servers::normalize_domain("").is_err());
    }
}
