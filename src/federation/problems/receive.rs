//! Reports of communes on other servers: a `Page` with `parvis:problemStatus`, created or updated by its
//! commune, kept here (with its photos, fetched once and stored as our own files) when people here follow
//! that commune, and shown as the commune's post in their timelines as well.
//!
//! What the sender could lie about, and what stops it: the report's `id` and its `attributedTo` must be the
//! signer's (its own server, its own actor), so no one speaks for another commune; a copy never moves to
//! another commune; its photos are fetched through the guarded client (no private address, no blocked
//! server), read at most `server.max_photo_bytes` while streaming, decoded with the limits of
//! `civic::media` and re-encoded. A photo that cannot be kept refuses the whole activity (400, saying which
//! and why) and leaves nothing behind; the commune's next `Update` brings the report again.

use serde::Deserialize;

use super::*;
use crate::civic::inbox as received;
use crate::civic::problems::{ReceivedPhoto, ReceivedProblem, StoredPhoto};
use crate::error::Error;
use crate::federation::activities::{first_id, one_or_many_values, optional_id};
use crate::federation::domain_of;
use crate::federation::inbound::Verb;
use crate::model::{ProblemStatus, RemoteActor};

/// A report as another server sends it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProblemPageIn {
    id: Url,
    #[serde(deserialize_with = "first_id")]
    attributed_to: Url,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default, deserialize_with = "optional_id")]
    url: Option<Url>,
    #[serde(default)]
    location: Option<Place>,
    #[serde(default, deserialize_with = "one_or_many_values")]
    attachment: Vec<Value>,
    #[serde(default, deserialize_with = "one_or_many_values")]
    tag: Vec<Value>,
    #[serde(default)]
    published: Option<DateTime<Utc>>,
    problem_status: String,
    #[serde(default)]
    supporters: Option<i64>,
    #[serde(default, deserialize_with = "optional_id")]
    duplicate_of: Option<Url>,
}

/// A photo a received report names: where to fetch it, and its alt text.
#[derive(Clone, Debug, PartialEq)]
pub struct PhotoLink {
    pub url: Url,
    pub alt: String,
}

/// Whether a `Page` is a problem report (it carries `parvis:problemStatus` and is in no commune's
/// `audience`, which would make it a debate).
pub fn is_report(page: &Value) -> bool {
    page.get("problemStatus").is_some() && page.get("audience").is_none_or(Value::is_null)
}

/// Reads a report sent by `sender`: refused unless it is the sender's own (its id on the sender's server,
/// attributed to the sender). Returns what to keep and the photos to fetch.
pub fn read_report(
    page: &Value,
    sender: &RemoteActor,
) -> Result<(ReceivedProblem, Vec<PhotoLink>)> {
    let page: ProblemPageIn = serde_json::from_value(page.clone())
        .map_err(|e| Error::BadRequest(format!("the problem report is malformed: {e}")))?;
    if sender.kind != "Group" {
        return Err(Error::Forbidden(format!(
            "{} is not a commune: only a commune publishes problem reports",
            sender.ap_id
        )));
    }
    let web = |u: &Url| matches!(u.scheme(), "https" | "http");
    if !web(&page.id) {
        return Err(Error::BadRequest(
            "a problem report's id must be an https URL".into(),
        ));
    }
    if page.attributed_to.as_str() != sender.ap_id || domain_of(&page.id) != sender.domain {
        return Err(Error::Forbidden(format!(
            "{} is not a report of {}",
            page.id, sender.ap_id
        )));
    }
    let status = ProblemStatus::parse(&page.problem_status).ok_or_else(|| {
        Error::BadRequest(format!(
            "unknown problemStatus '{}'",
            page.problem_status.chars().take(40).collect::<String>()
        ))
    })?;
    let place = page
        .location
        .ok_or_else(|| Error::BadRequest("a problem report needs a location".into()))?;
    let (Some(latitude), Some(longitude)) = (place.latitude, place.longitude) else {
        return Err(Error::BadRequest(
            "a problem report's location needs a latitude and a longitude".into(),
        ));
    };
    let category = page
        .tag
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("Hashtag"))
        .find_map(|t| t.get("name").and_then(Value::as_str))
        .map(|n| n.trim_start_matches('#').to_string())
        .unwrap_or_default();
    let photos = crate::federation::activities::pictures(&page.attachment)
        .map(|p| PhotoLink {
            url: p.url,
            alt: p.name.unwrap_or_default().to_string(),
        })
        .take(problems::MAX_PHOTOS)
        .collect();
    // Its page, and the report it duplicates, are believed on its own server only.
    let own = |u: &Url| web(u) && domain_of(u) == domain_of(&page.id);
    let url = page.url.filter(own).unwrap_or_else(|| page.id.clone());
    Ok((
        ReceivedProblem {
            ap_id: page.id.to_string(),
            commune: sender.id,
            url: url.to_string(),
            name: page.name.unwrap_or_default(),
            category,
            html: page.content.unwrap_or_default(),
            address: place.name.unwrap_or_default(),
            latitude,
            longitude,
            status,
            supporters: page.supporters.unwrap_or(0),
            duplicate_of: page.duplicate_of.filter(own).map(String::from),
            // A date in the future would keep it at the top of lists.
            published: page
                .published
                .map_or_else(Utc::now, |p| p.min(Utc::now()))
                .naive_utc(),
        },
        photos,
    ))
}

/// Fetches, decodes and stores the photos not stored yet. On any failure the files stored so far are
/// removed and the error says which photo and why.
async fn fetch_photos(ctx: &AppContext, links: Vec<PhotoLink>) -> Result<Vec<ReceivedPhoto>> {
    let data_dir = ctx.settings.server.data_dir.clone();
    let max = ctx.settings.server.max_photo_bytes;
    let mut kept: Vec<ReceivedPhoto> = vec![];
    for link in links {
        let one = async {
            let bytes = crate::federation::fetch::image(ctx, &link.url, max).await?;
            let photo = tokio::task::spawn_blocking(move || {
                crate::civic::media::photo(&bytes, max, "photo")
            })
            .await
            .map_err(Error::internal)??;
            crate::civic::media::store_photo(&data_dir, crate::civic::media::Folder::Photos, &photo)
                .await
                .map(|(file, thumb)| (photo, file, thumb))
        };
        match one.await {
            Ok((photo, file, thumb)) => kept.push(ReceivedPhoto {
                source_url: link.url.to_string(),
                stored: StoredPhoto {
                    file,
                    thumb,
                    alt: link.alt,
                    width: photo.width,
                    height: photo.height,
                },
            }),
            Err(e) => {
                forget_files(ctx, &kept).await;
                return Err(Error::BadRequest(format!(
                    "the report's photo {} was not kept: {e}",
                    link.url
                )));
            }
        }
    }
    Ok(kept)
}

async fn forget_files(ctx: &AppContext, photos: &[ReceivedPhoto]) {
    let names: Vec<String> = photos
        .iter()
        .flat_map(|p| [p.stored.file.clone(), p.stored.thumb.clone()])
        .collect();
    crate::civic::media::remove_photos(
        &ctx.settings.server.data_dir,
        crate::civic::media::Folder::Photos,
        &names,
    )
    .await;
}

/// A report read, and what to keep of it.
pub(super) struct Kept {
    pub report: ReceivedProblem,
    /// The photos its `Page` names.
    pub links: Vec<PhotoLink>,
    /// The photo URLs of its copy already stored.
    pub stored: Vec<String>,
    /// The commune's post for its followers' timelines.
    pub post: Option<(Verb, crate::federation::activities::NoteObject)>,
}

/// Keeps a report (fetching the photos not stored yet), its post, and whatever `then` records with its
/// copy, once per activity. Photo files are removed again when nothing is kept.
pub(super) async fn keep_report<F>(
    ctx: &AppContext,
    signer: &RemoteActor,
    activity_id: String,
    kept: Kept,
    then: F,
) -> Result<()>
where
    F: FnOnce(&mut AnyConnection, crate::ids::RemoteProblemId) -> Result<()> + Send + 'static,
{
    let Kept {
        report,
        links,
        stored,
        post,
    } = kept;
    // A replay fetches nothing (the transaction below checks again, for two deliveries at once).
    let id = activity_id.clone();
    if ctx.db.run(move |conn| received::seen(conn, &id)).await? {
        return Ok(());
    }
    let listed: Vec<String> = links.iter().map(|l| l.url.to_string()).collect();
    let missing = links
        .into_iter()
        .filter(|l| !stored.contains(&l.url.to_string()))
        .collect();
    let fetched = fetch_photos(ctx, missing).await?;
    let kept = fetched.clone();
    let signer = signer.clone();
    let outcome = ctx
        .db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(None);
            }
            let (copy, dropped) = problems::store_remote(conn, &report, &listed, &kept)?;
            if let Some((verb, post)) = post {
                crate::federation::notes::keep_post(conn, &signer, verb, &post)?;
            }
            then(conn, copy)?;
            Ok(Some(dropped))
        })
        .await;
    match outcome {
        Ok(Some(dropped)) => {
            crate::civic::media::remove_photos(
                &ctx.settings.server.data_dir,
                crate::civic::media::Folder::Photos,
                &dropped,
            )
            .await;
            Ok(())
        }
        Ok(None) => {
            forget_files(ctx, &fetched).await;
            Ok(())
        }
        Err(e) => {
            forget_files(ctx, &fetched).await;
            Err(e)
        }
    }
}

/// `Create` or `Update` of a report by its commune: kept (with its photos) when people here follow the
/// commune or it was offered to a commune here, and shown in followers' timelines as the commune's post.
pub async fn receive_report(
    ctx: &AppContext,
    signer: RemoteActor,
    activity_id: String,
    verb: Verb,
    page: &Value,
) -> Result<()> {
    let (report, links) = read_report(page, &signer)?;
    let (commune, ap_id) = (signer.id, report.ap_id.clone());
    let (wanted, stored) = ctx
        .db
        .run(move |conn| {
            Ok((
                queries::is_followed_from_here(conn, commune)?
                    || problems::is_offered_here(conn, &ap_id)?,
                problems::remote_photo_sources(conn, &ap_id)?,
            ))
        })
        .await?;
    if !wanted {
        // Nobody here follows the commune: nothing to show anyone (as Mastodon drops such a Create).
        return Ok(());
    }
    // The post in followers' timelines: the report's name, summary and link.
    let post = crate::federation::newsletter::converted(page)?.map(|note| (verb, note));
    let kept = Kept {
        report,
        links,
        stored,
        post,
    };
    keep_report(ctx, &signer, activity_id, kept, |_, _| Ok(())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commune(ap_id: &str) -> RemoteActor {
        RemoteActor::sample(ap_id, "Group")
    }

    fn report() -> Value {
        serde_json::json!({
            "type": "Page",
            "id": "https://ville.example/problems/4",
            "attributedTo": "https://ville.example/communes/ville",
            "name": "Nid de poule devant l'école",
            "summary": "Voirie · 3 rue des Écoles · new",
            "content": "<p>Profond.</p><script>alert(1)</script>",
            "url": "https://ville.example/problems/4",
            "location": {"type": "Place", "name": "3 rue des Écoles", "latitude": 45.76, "longitude": 4.83},
            "attachment": [
                {"type": "Image", "mediaType": "image/jpeg", "url": "https://ville.example/problems/4/photos/1", "name": "Le trou"},
                {"type": "Document", "url": {"type": "Link", "href": "https://media.ville.example/2.jpg"}},
                {"type": "Image", "url": "javascript:alert(1)"}
            ],
            "tag": {"type": "Hashtag", "name": "#Voirie", "href": "https://ville.example/problems?category=1"},
            "problemStatus": "acknowledged",
            "supporters": 2,
            "duplicateOf": "https://elsewhere.example/problems/1",
            "published": "2026-12-01T10:00:00Z"
        })
    }

    #[test]
    fn a_report_is_read_with_its_place_status_category_and_photos() {
        let (read, photos) =
            read_report(&report(), &commune("https://ville.example/communes/ville"))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.status, ProblemStatus::Acknowledged);
        assert_eq!(read.category, "Voirie");
        assert_eq!(read.address, "3 rue des Écoles");
        assert_eq!((read.latitude, read.longitude), (45.76, 4.83));
        assert_eq!(read.supporters, 2);
        // A duplicate elsewhere is not believed from this server.
        assert_eq!(read.duplicate_of, None);
        let urls: Vec<&str> = photos.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "https://ville.example/problems/4/photos/1",
                "https://media.ville.example/2.jpg"
            ]
        );
        assert_eq!(photos[0].alt, "Le trou");
        assert!(is_report(&report()));
    }

    #[test]
    fn a_report_of_someone_else_or_without_a_place_is_refused() {
        // Another server's actor cannot speak for the commune.
        let other = read_report(&report(), &commune("https://evil.example/communes/ville"));
        assert!(matches!(other, Err(Error::Forbidden(_))), "{other:?}");
        // Nor another actor of the same server.
        let neighbour = read_report(
            &report(),
            &commune("https://ville.example/communes/voisine"),
        );
        assert!(
            matches!(neighbour, Err(Error::Forbidden(_))),
            "{neighbour:?}"
        );
        let me = commune("https://ville.example/communes/ville");
        let mut no_place = report();
        no_place["location"] = serde_json::json!({"type": "Place", "name": "ici"});
        assert!(matches!(
            read_report(&no_place, &me),
            Err(Error::BadRequest(_))
        ));
        let mut unknown = report();
        unknown["problemStatus"] = Value::from("fixed-ish");
        match read_report(&unknown, &me) {
            Err(e) => assert!(e.to_string().contains("unknown problemStatus"), "{e}"),
            Ok(_) => panic!("an unknown status was read"),
        }
        // Only web URLs: a `javascript:` URL may carry the sender's host.
        let mut script = report();
        script["id"] = Value::from("javascript://ville.example/%0aalert(1)");
        assert!(matches!(
            read_report(&script, &me),
            Err(Error::BadRequest(_))
        ));
        let mut link = report();
        link["url"] = Value::from("javascript://ville.example/%0aalert(1)");
        link["published"] = Value::from("2999-01-01T00:00:00Z");
        let (read, _) = read_report(&link, &me).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read.url, "https://ville.example/problems/4");
        assert!(
            read.published <= Utc::now().naive_utc(),
            "a future date is now"
        );
        // In a commune's audience it is a debate, not a report.
        let mut debate = report();
        debate["audience"] = Value::from("https://ville.example/communes/ville");
        assert!(!is_report(&debate));
    }
}
