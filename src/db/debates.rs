//! Reads for debate pages: a fixed number of statements per page, whatever the number of comments.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, DebateId};
use crate::model::schema::{actors, comments, debates, remote_actors};
use crate::model::{Actor, Comment, Debate, DebateStatus, Stance};

/// A debate in a list, with how many comments it has.
#[derive(Debug, Clone)]
pub struct DebateSummary {
    pub debate: Debate,
    pub comments: i64,
}

/// A commune's debates not archived, pinned first then newest, with their comment counts (two statements).
pub fn list(conn: &mut AnyConnection, commune: ActorId, limit: i64) -> Result<Vec<DebateSummary>> {
    let found: Vec<Debate> = debates::table
        .filter(debates::commune_id.eq(commune))
        .filter(debates::status.ne(DebateStatus::Archived))
        .order((debates::pinned.desc(), debates::id.desc()))
        .limit(limit)
        .select(Debate::as_select())
        .load(conn)?;
    let ids: Vec<DebateId> = found.iter().map(|d| d.id).collect();
    let counts: Vec<(DebateId, i64)> = comments::table
        .filter(comments::debate_id.eq_any(&ids))
        .filter(comments::deleted.eq(false))
        .group_by(comments::debate_id)
        .select((comments::debate_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<DebateId, i64> = counts.into_iter().collect();
    Ok(found
        .into_iter()
        .map(|debate| DebateSummary {
            comments: counts.get(&debate.id).copied().unwrap_or(0),
            debate,
        })
        .collect())
}

/// Who wrote a comment, as a page shows it.
#[derive(Debug, Clone)]
pub struct Author {
    pub name: String,
    pub handle: String,
    /// A path here, or the remote profile URL.
    pub link: String,
}

impl Author {
    fn local(actor: &Actor) -> Author {
        Author {
            name: actor.display_name.clone(),
            handle: format!("@{}", actor.username),
            link: actor.path(),
        }
    }
}

/// A debate with its author and every comment with its author, oldest first (four statements).
pub struct Thread {
    pub debate: Debate,
    pub author: Option<Author>,
    pub comments: Vec<(Comment, Author)>,
}

impl Thread {
    /// Comments taking each side (deleted ones do not count).
    pub fn stance_count(&self, stance: Stance) -> usize {
        self.comments
            .iter()
            .filter(|(c, _)| !c.deleted && c.stance == Some(stance))
            .count()
    }
}

pub fn thread(conn: &mut AnyConnection, id: DebateId) -> Result<Thread> {
    let debate: Debate = debates::table
        .find(id)
        .select(Debate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no debate {id}")))?;
    let all: Vec<Comment> = comments::table
        .filter(comments::debate_id.eq(id))
        .order(comments::id.asc())
        .select(Comment::as_select())
        .load(conn)?;
    let mut local_ids: Vec<ActorId> = all.iter().filter_map(|c| c.author_id).collect();
    local_ids.extend(debate.author_id);
    let locals: HashMap<ActorId, Actor> = actors::table
        .filter(actors::id.eq_any(&local_ids))
        .select(Actor::as_select())
        .load(conn)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let remote_ids: Vec<_> = all.iter().filter_map(|c| c.remote_author_id).collect();
    let remotes: HashMap<_, crate::model::RemoteActor> = remote_actors::table
        .filter(remote_actors::id.eq_any(&remote_ids))
        .select(crate::model::RemoteActor::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let comments = all
        .into_iter()
        .filter_map(|c| {
            let author = match (c.author_id, c.remote_author_id) {
                (Some(id), _) => Author::local(locals.get(&id)?),
                (None, Some(id)) => {
                    let r = remotes.get(&id)?;
                    Author {
                        name: r.display_name.clone(),
                        handle: format!("@{}@{}", r.username, r.domain),
                        link: r.url.clone().unwrap_or_else(|| r.ap_id.clone()),
                    }
                }
                // Its author is gone: a tombstone, kept for the replies under it.
                (None, None) => Author {
                    name: String::new(),
                    handle: String::new(),
                    link: String::new(),
                },
            };
            Some((c, author))
        })
        .collect();
    let author = debate
        .author_id
        .and_then(|id| locals.get(&id))
        .map(Author::local);
    Ok(Thread {
        debate,
        author,
        comments,
    })
}
