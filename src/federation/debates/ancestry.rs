//! A reply whose parent we do not have, attached to its debate through its ancestors.

use diesel::prelude::*;

use crate::civic::debates::{Answered, RemoteComment, debate_of};
use crate::civic::inbox as received;
use crate::context::AppContext;
use crate::error::Result;
use crate::federation::activities::ApType;
use crate::federation::activities::NoteObject;
use crate::federation::{domain_of, fetch};
use crate::ids::CommentId;
use crate::model::schema::comments;
use crate::model::{RemoteActor, Stance};

use super::receive::remote_actor_of;

/// How many unknown ancestors of a reply are fetched to find the debate it belongs to.
pub const MAX_ANCESTORS: usize = 16;

/// A reply addressed to us whose parent we do not have: a Mastodon user answering another's reply that never
/// reached us, in a thread that started on one of our debates. Its ancestors are fetched, at most
/// [`MAX_ANCESTORS`], until one is a debate or comment we know; the missing ones are then stored as comments,
/// top down, and the reply under them. Returns `false` when the chain leads nowhere known within the bound
/// (a chain 10,000 deep costs 16 requests, not 10,000).
pub async fn attach_by_ancestry(
    ctx: &AppContext,
    signer: &RemoteActor,
    activity_id: String,
    note: &NoteObject,
) -> Result<bool> {
    let mut missing: Vec<(NoteObject, RemoteActor)> = vec![];
    let mut parent = note.in_reply_to.clone();
    let answered = loop {
        let Some(url) = parent else {
            return Ok(false);
        };
        let (urls, key) = (ctx.urls.clone(), url.to_string());
        let known = ctx
            .db
            .run(move |conn| crate::civic::debates::find_answered(conn, &urls, &key))
            .await?;
        if let Some(answered) = known {
            let hosted_here = ctx
                .db
                .run(move |conn| Ok(debate_of(conn, answered)?.is_local()))
                .await?;
            // A debate hosted elsewhere gets its comments through its commune's relay.
            if !hosted_here {
                return Ok(false);
            }
            break answered;
        }
        if ctx.urls.is_local(&url) || missing.len() >= MAX_ANCESTORS {
            return Ok(false);
        }
        let Ok((id, value)) = fetch::object(ctx, &url).await else {
            return Ok(false);
        };
        if id != url || ApType::of(&value) != Some(ApType::Note) {
            return Ok(false);
        }
        let Ok(ancestor) = serde_json::from_value::<NoteObject>(value) else {
            return Ok(false);
        };
        if domain_of(&ancestor.id) != domain_of(&ancestor.attributed_to) {
            return Ok(false);
        }
        let Ok(Some(author)) = remote_actor_of(ctx, &ancestor.attributed_to).await else {
            return Ok(false);
        };
        parent = ancestor.in_reply_to.clone();
        missing.push((ancestor, author));
    };
    let mut chain: Vec<(NoteObject, RemoteActor)> = missing.into_iter().rev().collect();
    chain.push((note.clone(), signer.clone()));
    ctx.db
        .transaction(move |conn| {
            if !received::first_time(conn, &activity_id)? {
                return Ok(());
            }
            let mut answered = answered;
            for (n, author) in chain {
                let ap_id = n.id.to_string();
                crate::civic::debates::remote_comment(
                    conn,
                    RemoteComment {
                        author: author.id,
                        answered,
                        ap_id: ap_id.clone(),
                        html: n.content,
                        stance: n.stance.as_deref().and_then(Stance::parse),
                        published: n.published.unwrap_or_else(chrono::Utc::now).naive_utc(),
                    },
                )?;
                let stored: CommentId = comments::table
                    .filter(comments::ap_id.eq(&ap_id))
                    .select(comments::id)
                    .first(conn)?;
                answered = Answered::Comment(stored);
            }
            Ok(())
        })
        .await?;
    Ok(true)
}
