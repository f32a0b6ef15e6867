//! The simulated remote senders of B1: RSA key pairs, 1,000 actors stored as if their documents had just
//! been fetched, and their replies, built and signed before the timed phase.

use chrono::Utc;
use diesel::prelude::*;
use http::{HeaderMap, HeaderValue, Method};
use parvis::federation::signatures::{SigningKey, sign_cavage};
use parvis::model::schema::remote_actors;
use serde_json::json;
use url::Url;

use crate::client;
use crate::common::{Instance, Res, fail, pe};
use crate::inbox::B1Args;

/// A remote sender's key, as it signs and as the instance stores it.
pub struct Key {
    pub signing: SigningKey,
    pub public_pem: String,
}

pub fn generate_keys(count: usize) -> Res<Vec<Key>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let made: Vec<Res<Vec<Key>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || -> Res<Vec<Key>> {
                    let mine = (t..count).step_by(threads).count();
                    (0..mine)
                        .map(|_| {
                            let pair = parvis::civic::keys::generate().map_err(pe)?;
                            Ok(Key {
                                signing: SigningKey::from_pkcs8_pem(&pair.private_pem)?,
                                public_pem: pair.public_pem,
                            })
                        })
                        .collect()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err(fail("key generation panicked")))
            })
            .collect()
    });
    let mut keys = Vec::with_capacity(count);
    for batch in made {
        keys.extend(batch?);
    }
    Ok(keys)
}

/// The remote actor number `i`: ten per remote server.
pub fn actor_url(i: usize) -> String {
    format!("http://s{}.senders.test/users/u{i}", i / 10)
}

/// Stores the senders as if their actor documents had just been fetched: their keys are cached.
pub async fn insert_actors(instance: &Instance, keys: &[Key], actors: usize) -> Res<()> {
    let rows: Vec<(String, String)> = (0..actors)
        .map(|i| (actor_url(i), keys[i % keys.len()].public_pem.clone()))
        .collect();
    instance
        .db
        .transaction(move |conn| {
            let now = Utc::now().naive_utc();
            for (i, (ap_id, pem)) in rows.iter().enumerate() {
                let host = format!("s{}.senders.test", i / 10);
                diesel::insert_into(remote_actors::table)
                    .values((
                        remote_actors::ap_id.eq(ap_id),
                        remote_actors::kind.eq("Person"),
                        remote_actors::domain.eq(&host),
                        remote_actors::username.eq(format!("u{i}")),
                        remote_actors::display_name.eq(format!("Habitant {i}")),
                        remote_actors::inbox.eq(format!("{ap_id}/inbox")),
                        remote_actors::shared_inbox.eq(Some(format!("http://{host}/inbox"))),
                        remote_actors::key_id.eq(format!("{ap_id}#main-key")),
                        remote_actors::public_key_pem.eq(pem),
                        remote_actors::manually_approves_followers.eq(false),
                        remote_actors::fetched_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })
        .await
        .map_err(pe)
}

/// The reply number `j` of run `run`, by actor `j % actors`: a ~2 KB activity like a Mastodon reply.
pub fn activity(args: &B1Args, parents: &[String], run: usize, j: usize) -> (String, Vec<u8>) {
    let actor = actor_url(j % args.actors);
    if args.votes {
        // Actor `j % actors` supports proposal `j / actors`: each person once per proposal.
        let proposal = &parents[(j / args.actors) % parents.len()];
        let body = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/likes/{run}{j:07}"),
            "type": "Like",
            "actor": actor,
            "object": proposal,
        });
        return (format!("{actor}#main-key"), body.to_string().into_bytes());
    }
    if args.poll_votes {
        // Actor `j % actors` votes in poll `j / actors`, as Mastodon does: a named Note to the poll's author.
        let poll = &parents[(j / args.actors) % parents.len()];
        let marie = poll
            .split_once("/polls/")
            .map_or_else(String::new, |(base, _)| format!("{base}/users/marie"));
        let note = format!("{actor}/votes/{run}{j:07}");
        let body = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note}/activity"),
            "type": "Create",
            "actor": actor,
            "to": [marie],
            "object": {
                "id": note,
                "type": "Note",
                "name": if j.is_multiple_of(3) { "Non" } else { "Oui" },
                "inReplyTo": poll,
                "attributedTo": actor,
                "to": [marie],
            },
        });
        return (format!("{actor}#main-key"), body.to_string().into_bytes());
    }
    let parent = parents[0].as_str();
    let note = format!("{actor}/statuses/{run}{j:07}");
    let followers = format!("{actor}/followers");
    // The local post's author is mentioned, as Mastodon does in a reply.
    let marie = parent
        .split_once("/notes/")
        .map_or_else(String::new, |(base, _)| format!("{base}/users/marie"));
    let published = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let content = format!(
        "<p>Réponse n° {j} : je soutiens l'idée d'un jardin partagé derrière la médiathèque, à condition \
         que l'arrosage soit organisé par les habitants du quartier et que la mairie fournisse les bacs. \
         Nous avons déjà une vingtaine de volontaires et un plan provisoire des parcelles.</p>\
         <p>Pouvez-vous préciser le calendrier du vote et la façon dont les projets seront chiffrés ? \
         L'an dernier, plusieurs propositions ont été écartées faute d'estimation, ce qui a découragé \
         beaucoup de monde. Un atelier public avant le vote aiderait.</p>"
    );
    let body = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": format!("{note}/activity"),
        "type": "Create",
        "actor": actor,
        "published": published,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [followers, marie],
        "object": {
            "id": note,
            "type": "Note",
            "summary": null,
            "inReplyTo": parent,
            "published": published,
            "url": format!("{actor}/statuses/{run}{j:07}"),
            "attributedTo": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{actor}/followers")],
            "sensitive": false,
            "content": content,
            "contentMap": {"fr": content},
            "attachment": [],
            "tag": [],
            "replies": {"id": format!("{note}/replies"), "type": "Collection", "first": {"type": "CollectionPage", "next": format!("{note}/replies?only_other_accounts=true&page=true"), "partOf": format!("{note}/replies"), "items": []}}
        }
    });
    (format!("{actor}#main-key"), body.to_string().into_bytes())
}

/// Builds and signs every request of a run, on all cores, before anything is timed.
pub fn presign(
    args: &B1Args,
    keys: &[Key],
    inbox: &Url,
    parents: &[String],
    run: usize,
) -> Res<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = args.n.div_ceil(threads);
    let parts: Vec<Res<Vec<Vec<u8>>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || -> Res<Vec<Vec<u8>>> {
                    let range = (t * per)..((t + 1) * per).min(args.n);
                    let mut out = Vec::with_capacity(range.len());
                    for j in range {
                        let (key_id, body) = activity(args, parents, run, j);
                        let key = &keys[(j % args.actors) % keys.len()].signing;
                        let mut headers = HeaderMap::new();
                        headers.insert(
                            "content-type",
                            HeaderValue::from_static("application/activity+json"),
                        );
                        sign_cavage(
                            &Method::POST,
                            inbox,
                            &mut headers,
                            Some(&body),
                            &key_id,
                            key,
                            Utc::now(),
                        )?;
                        let mut pairs = Vec::with_capacity(headers.len());
                        for (name, value) in &headers {
                            pairs.push((name.as_str(), value.to_str()?));
                        }
                        out.push(client::request("POST", inbox.path(), "", &pairs, &body));
                    }
                    Ok(out)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err(fail("signing panicked"))))
            .collect()
    });
    let mut all = Vec::with_capacity(args.n);
    for part in parts {
        all.extend(part?);
    }
    Ok(all)
}
