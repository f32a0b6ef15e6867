//! A person's rights over their data (GDPR, articles 17 and 20): a copy of everything the account holds, and
//! erasure. A town that runs Parvis must be able to answer both without a database administrator.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::civic::{now, outbox};
use crate::db::{AnyConnection, Database, queries};
use crate::error::{Error, Result};
use crate::ids::ActorId;
use crate::ids::ApUrl;
use crate::model::Outbound;
use crate::model::schema::{
    accounts, actors, api_tokens, comments, delivered_servers, email_tokens, follows, mail_queue,
    mandates, newsletter_subscribers, notes, remote_actors,
};
use crate::model::{Note, Visibility};

/// Everything an account holds, as handed to its owner.
#[derive(Debug, Serialize)]
pub struct Export {
    pub format: &'static str,
    pub exported_at: NaiveDateTime,
    pub profile: ExportProfile,
    pub mandates: Vec<ExportMandate>,
    pub posts: Vec<ExportPost>,
    /// The pictures uploaded, in posts or waiting for one.
    pub pictures: Vec<ExportPicture>,
    /// Posts boosted, favourited and bookmarked (from Mastodon apps).
    pub boosted: Vec<ExportInteraction>,
    pub favourited: Vec<ExportInteraction>,
    pub bookmarked: Vec<ExportInteraction>,
    /// Comments on debates, with the debate they answer.
    pub comments: Vec<ExportComment>,
    /// Votes in polls (and questionnaires' choice questions): the question and the option chosen.
    pub votes: Vec<ExportVote>,
    /// Problem reports filed, with their photos' descriptions.
    pub problem_reports: Vec<ExportProblem>,
    /// Verifications of residency, current and ended: how, when, until when, on what.
    pub residency: Vec<ExportVerification>,
    /// Identities at the OpenID Connect provider linked to the account: (issuer, linked at).
    pub linked_identities: Vec<(String, NaiveDateTime)>,
    /// Handles (`name` for local actors) or actor URLs of remote ones.
    pub following: Vec<String>,
    pub followers: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ExportProfile {
    pub username: String,
    pub display_name: String,
    pub bio: String,
    pub role: String,
    pub commune: String,
    pub language: Option<String>,
    pub avatar: Option<String>,
    pub charter_version_accepted: Option<i64>,
    pub created_at: NaiveDateTime,
    /// The address given, and when it was confirmed.
    pub email: Option<String>,
    pub email_confirmed_at: Option<NaiveDateTime>,
    /// Messages to that address still waiting in the queue (subject, queued at).
    pub queued_mail: Vec<(String, NaiveDateTime)>,
    /// What comes by mail, per topic: `immediate`, `daily` or `never`.
    pub email_choices: Vec<(String, String)>,
    /// Subscribed to the commune's newsletter since then (sent to the confirmed address).
    pub newsletter_since: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize)]
pub struct ExportMandate {
    pub office: String,
    pub body: String,
    pub since: chrono::NaiveDate,
    pub until: Option<chrono::NaiveDate>,
}

#[derive(Debug, Serialize)]
pub struct ExportVerification {
    pub method: String,
    pub source: String,
    pub verified_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub ended_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize)]
pub struct ExportPost {
    pub id: i64,
    /// Sanitized HTML, as published.
    pub content: String,
    pub visibility: Visibility,
    pub in_reply_to: Option<String>,
    pub published: NaiveDateTime,
}

/// A picture uploaded: where it is served, its alt text, the post that holds it.
#[derive(Debug, Serialize)]
pub struct ExportPicture {
    pub id: i64,
    /// Its path on this server (`/media/attachments/…`).
    pub path: String,
    pub description: String,
    pub post_id: Option<i64>,
    pub uploaded_at: NaiveDateTime,
}

/// A post acted on: its id here (a post written here) or its id on its server, and when.
#[derive(Debug, Serialize)]
pub struct ExportInteraction {
    pub post_id: i64,
    pub post_uri: Option<String>,
    pub at: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct ExportProblem {
    pub id: i64,
    pub description: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub status: String,
    pub name_private: bool,
    pub photos: Vec<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct ExportVote {
    pub question: String,
    pub option: String,
    pub voted_at: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct ExportComment {
    pub id: i64,
    pub debate: String,
    /// Sanitized HTML, as it reads now.
    pub content: String,
    pub stance: Option<crate::model::Stance>,
    pub published: NaiveDateTime,
    pub edited: Option<NaiveDateTime>,
}

/// Every verification of an account's residency, oldest first.
fn residency_of(conn: &mut AnyConnection, actor: ActorId) -> Result<Vec<ExportVerification>> {
    use crate::model::schema::residency_verifications as rv;
    let rows: Vec<crate::model::Verification> = rv::table
        .filter(rv::account_id.eq(actor))
        .order(rv::id.asc())
        .select(crate::model::Verification::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|v| ExportVerification {
            method: v.method.as_str().to_string(),
            source: v.source,
            verified_at: v.verified_at,
            expires_at: v.expires_at,
            ended_at: v.ended_at,
        })
        .collect())
}

enum Interaction {
    Boost,
    Favourite,
    Bookmark,
}

/// The posts an account boosted, favourited or bookmarked, oldest first.
fn interactions(
    conn: &mut AnyConnection,
    actor: ActorId,
    which: Interaction,
) -> Result<Vec<ExportInteraction>> {
    use crate::model::schema::{bookmarks, note_favourites};
    let (original, boost) = diesel::alias!(notes as original, notes as boost);
    let rows: Vec<(i64, Option<String>, NaiveDateTime)> = match which {
        Interaction::Boost => boost
            .inner_join(
                original.on(boost
                    .field(notes::reblog_of_id)
                    .eq(original.field(notes::id).nullable())),
            )
            .filter(boost.field(notes::author_id).eq(actor))
            .order(boost.field(notes::id).asc())
            .select((
                original.field(notes::id),
                original.field(notes::ap_id),
                boost.field(notes::published),
            ))
            .load(conn)?
            .into_iter()
            .map(|(id, uri, at): (crate::ids::NoteId, _, _)| (id.0, uri, at))
            .collect(),
        Interaction::Favourite => note_favourites::table
            .inner_join(notes::table.on(notes::id.eq(note_favourites::note_id)))
            .filter(note_favourites::author_id.eq(actor))
            .order(note_favourites::id.asc())
            .select((notes::id, notes::ap_id, note_favourites::created_at))
            .load(conn)?
            .into_iter()
            .map(|(id, uri, at): (crate::ids::NoteId, _, _)| (id.0, uri, at))
            .collect(),
        Interaction::Bookmark => bookmarks::table
            .inner_join(notes::table.on(notes::id.eq(bookmarks::note_id)))
            .filter(bookmarks::account_id.eq(actor))
            .order(bookmarks::id.asc())
            .select((notes::id, notes::ap_id, bookmarks::created_at))
            .load(conn)?
            .into_iter()
            .map(|(id, uri, at): (crate::ids::NoteId, _, _)| (id.0, uri, at))
            .collect(),
    };
    Ok(rows
        .into_iter()
        .map(|(post_id, post_uri, at)| ExportInteraction {
            post_id,
            post_uri,
            at,
        })
        .collect())
}

/// A copy of an account's data.
pub async fn export(db: &Database, actor: ActorId) -> Result<Export> {
    db.run(move |conn| {
        let (me, account) = queries::account_by_id(conn, actor)?
            .ok_or_else(|| Error::NotFound("no such account".into()))?;
        let commune = queries::actor_by_id(conn, account.commune_id)?;
        let mandates = queries::mandates_of(conn, actor)?
            .into_iter()
            .map(|m| ExportMandate {
                office: m.office,
                body: m.governing_body,
                since: m.since,
                until: m.until,
            })
            .collect();
        // A civic thing's post is no post of one's own: the thing is exported as itself.
        let posts = notes::table
            .filter(notes::author_id.eq(actor))
            .filter(notes::deleted.eq(false))
            .filter(notes::reblog_of_id.is_null())
            .filter(notes::civic_kind.is_null())
            .order(notes::id.asc())
            .select(Note::as_select())
            .load(conn)?
            .into_iter()
            .map(|n| ExportPost {
                id: n.id.0,
                content: n.content,
                visibility: n.visibility,
                in_reply_to: n.in_reply_to,
                published: n.published,
            })
            .collect();
        let mut problem_reports = vec![];
        for p in crate::civic::problems::list(
            conn,
            &crate::civic::problems::Filter {
                author: Some(actor),
                limit: 500,
                ..Default::default()
            },
        )? {
            let photos = crate::model::schema::problem_photos::table
                .filter(crate::model::schema::problem_photos::problem_id.eq(p.id))
                .select(crate::model::schema::problem_photos::alt)
                .load(conn)?;
            problem_reports.push(ExportProblem {
                id: p.id.0,
                description: p.description,
                address: p.address,
                latitude: p.latitude,
                longitude: p.longitude,
                status: p.status.as_str().into(),
                name_private: p.name_private,
                photos,
                created_at: p.created_at,
            });
        }
        let comments = comments::table
            .inner_join(crate::model::schema::debates::table)
            .filter(comments::author_id.eq(actor))
            .filter(comments::deleted.eq(false))
            .order(comments::id.asc())
            .select((
                crate::model::Comment::as_select(),
                crate::model::schema::debates::title,
            ))
            .load::<(crate::model::Comment, String)>(conn)?
            .into_iter()
            .map(|(c, debate)| ExportComment {
                id: c.id.0,
                debate,
                content: c.content_html,
                stance: c.stance,
                published: c.created_at,
                edited: c.edited_at,
            })
            .collect();
        let votes = crate::civic::polls::votes_of(conn, actor)?
            .into_iter()
            .map(|(question, option, voted_at)| ExportVote {
                question,
                option,
                voted_at,
            })
            .collect();
        Ok(Export {
            format: "parvis-account-export/1",
            exported_at: now(),
            profile: ExportProfile {
                username: me.username.to_string(),
                display_name: me.display_name,
                bio: me.summary,
                role: account.role.to_string(),
                commune: commune.username.to_string(),
                language: account.language,
                avatar: me.icon_url,
                charter_version_accepted: account.charter_version,
                created_at: me.created_at,
                queued_mail: match &account.email {
                    Some(address) => mail_queue::table
                        .filter(mail_queue::to_address.eq(address))
                        .filter(mail_queue::sent_at.is_null())
                        .filter(mail_queue::failed_at.is_null())
                        .select((mail_queue::subject, mail_queue::created_at))
                        .load(conn)?,
                    None => vec![],
                },
                newsletter_since: newsletter_subscribers::table
                    .filter(newsletter_subscribers::account_id.eq(actor))
                    .select(newsletter_subscribers::created_at)
                    .first(conn)
                    .optional()?,
                email: account.email,
                email_confirmed_at: account.email_confirmed_at,
                email_choices: crate::civic::notifications::preferences(conn, actor)?
                    .into_iter()
                    .map(|(t, m)| (t.as_str().to_string(), m.as_str().to_string()))
                    .collect(),
            },
            mandates,
            posts,
            pictures: pictures_of(conn, actor)?,
            boosted: interactions(conn, actor, Interaction::Boost)?,
            favourited: interactions(conn, actor, Interaction::Favourite)?,
            bookmarked: interactions(conn, actor, Interaction::Bookmark)?,
            comments,
            votes,
            problem_reports,
            residency: residency_of(conn, actor)?,
            linked_identities: crate::civic::identities::of_account(conn, actor)?,
            following: follow_list(conn, actor, false)?,
            followers: follow_list(conn, actor, true)?,
        })
    })
    .await
}

fn pictures_of(conn: &mut AnyConnection, actor: ActorId) -> Result<Vec<ExportPicture>> {
    use crate::model::schema::media_attachments as m;
    Ok(m::table
        .filter(m::owner_id.eq(actor))
        .order(m::id.asc())
        .select(crate::model::MediaAttachment::as_select())
        .load(conn)?
        .into_iter()
        .map(|p| ExportPicture {
            id: p.id.0,
            path: format!("/media/attachments/{}", p.file),
            description: p.description,
            post_id: p.note_id.map(|n| n.0),
            uploaded_at: p.created_at,
        })
        .collect())
}

fn follow_list(conn: &mut AnyConnection, actor: ActorId, followers: bool) -> Result<Vec<String>> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let (_, page) = queries::follow_page(conn, actor, followers, offset, 500)?;
        if page.is_empty() {
            return Ok(all);
        }
        offset += page.len() as i64;
        all.extend(page.into_iter().map(|end| match end {
            queries::FollowEnd::Local(_, name) => name.to_string(),
            queries::FollowEnd::Remote(url) => url,
        }));
    }
}

/// Erases an account: its posts become tombstones, its profile is emptied, its follows, mandates, tokens and
/// password are gone, and the servers that knew it are sent a `Delete` of the actor. The name stays taken so
/// that nobody can later pass for the person.
pub async fn delete_account(db: &Database, actor: ActorId) -> Result<()> {
    db.transaction(move |conn| {
        let me = queries::actor_by_id(conn, actor)?;
        if me.deleted_at.is_some() {
            return Ok(());
        }
        // Computed now, while the follows still exist: the delivery worker runs after they are gone.
        let inboxes = known_inboxes(conn, actor)?;
        let at = now();
        diesel::update(actors::table.find(actor))
            .set((
                actors::display_name.eq(me.username.as_str()),
                actors::summary.eq(""),
                actors::icon_url.eq(None::<String>),
                actors::discoverable.eq(false),
                actors::updated_at.eq(at),
                actors::deleted_at.eq(Some(at)),
            ))
            .execute(conn)?;
        // The address goes, with the mail still waiting for it and the links sent there.
        let address: Option<String> = accounts::table
            .find(actor)
            .select(accounts::email)
            .first(conn)?;
        if let Some(address) = &address {
            diesel::delete(
                mail_queue::table
                    .filter(mail_queue::to_address.eq(address))
                    .filter(mail_queue::sent_at.is_null()),
            )
            .execute(conn)?;
        }
        diesel::delete(email_tokens::table.filter(email_tokens::account_id.eq(actor)))
            .execute(conn)?;
        // Problem reports stay (the pothole is still there), no longer under the person's name.
        diesel::update(
            crate::model::schema::problems::table
                .filter(crate::model::schema::problems::author_id.eq(actor)),
        )
        .set(crate::model::schema::problems::name_private.eq(true))
        .execute(conn)?;
        diesel::delete(
            newsletter_subscribers::table.filter(newsletter_subscribers::account_id.eq(actor)),
        )
        .execute(conn)?;
        diesel::delete(
            crate::model::schema::email_preferences::table
                .filter(crate::model::schema::email_preferences::account_id.eq(actor)),
        )
        .execute(conn)?;
        diesel::update(accounts::table.find(actor))
            .set((
                accounts::password_hash.eq(None::<String>),
                accounts::language.eq(None::<String>),
                accounts::email.eq(None::<String>),
                accounts::email_confirmed_at.eq(None::<NaiveDateTime>),
                accounts::unsubscribe_token.eq(None::<String>),
            ))
            .execute(conn)?;
        // Boosts, favourites and bookmarks go; posts leave tombstones.
        diesel::delete(
            notes::table
                .filter(notes::author_id.eq(actor))
                .filter(notes::reblog_of_id.is_not_null()),
        )
        .execute(conn)?;
        diesel::delete(
            crate::model::schema::note_favourites::table
                .filter(crate::model::schema::note_favourites::author_id.eq(actor)),
        )
        .execute(conn)?;
        diesel::delete(
            crate::model::schema::bookmarks::table
                .filter(crate::model::schema::bookmarks::account_id.eq(actor)),
        )
        .execute(conn)?;
        // The posts of the debates and polls it opened stay with them (its comments go below).
        diesel::update(
            notes::table
                .filter(notes::author_id.eq(actor))
                .filter(notes::civic_kind.is_null()),
        )
        .set((notes::deleted.eq(true), notes::content.eq("")))
        .execute(conn)?;
        crate::civic::debates::delete_comments_of_erased(conn, actor)?;
        crate::civic::debates::erase_comments_of(
            conn,
            crate::civic::debates::Writer::Local(actor),
        )?;
        crate::civic::proposals::withdraw_supports_of(
            conn,
            crate::civic::debates::Writer::Local(actor),
        )?;
        crate::civic::polls::detach_votes_of(conn, actor)?;
        diesel::delete(
            follows::table.filter(
                follows::follower_id
                    .eq(actor)
                    .or(follows::target_id.eq(actor)),
            ),
        )
        .execute(conn)?;
        diesel::delete(mandates::table.filter(mandates::account_id.eq(actor))).execute(conn)?;
        diesel::delete(api_tokens::table.filter(api_tokens::account_id.eq(actor))).execute(conn)?;
        // Its residency verifications and its identity at the sign-in provider go too: the identity may
        // then open or verify another account.
        {
            use crate::model::schema::{account_identities, residency_verifications};
            diesel::delete(
                residency_verifications::table
                    .filter(residency_verifications::account_id.eq(actor)),
            )
            .execute(conn)?;
            diesel::delete(
                account_identities::table.filter(account_identities::account_id.eq(actor)),
            )
            .execute(conn)?;
        }
        let inboxes = inboxes
            .iter()
            .filter_map(|inbox| ApUrl::parse(inbox).ok())
            .collect();
        outbox::record(conn, actor, Outbound::ActorDeleted { inboxes })
    })
    .await
}

/// The inboxes of every remote actor linked to this one by a follow, one per server where a shared inbox
/// exists, and of every server it delivered to: those are the servers that hold a copy of the account.
fn known_inboxes(conn: &mut AnyConnection, actor: ActorId) -> Result<BTreeSet<String>> {
    let followers: Vec<(String, Option<String>)> = follows::table
        .inner_join(
            remote_actors::table.on(follows::follower_remote_id.eq(remote_actors::id.nullable())),
        )
        .filter(follows::target_id.eq(actor))
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load(conn)?;
    let followed: Vec<(String, Option<String>)> = follows::table
        .inner_join(
            remote_actors::table.on(follows::target_remote_id.eq(remote_actors::id.nullable())),
        )
        .filter(follows::follower_id.eq(actor))
        .select((remote_actors::inbox, remote_actors::shared_inbox))
        .load(conn)?;
    // And every server it ever delivered to (a remote debate's commune, a poll's author…).
    let delivered: Vec<String> = delivered_servers::table
        .filter(delivered_servers::actor_id.eq(actor))
        .select(delivered_servers::inbox)
        .load(conn)?;
    Ok(followers
        .into_iter()
        .chain(followed)
        .map(|(inbox, shared)| shared.unwrap_or(inbox))
        .chain(delivered)
        .collect())
}
