//! Reads for debate pages: a fixed number of statements per page, whatever the number of comments.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CommentId, DebateId, ThemeId};
use crate::model::schema::{
    actors, comment_likes, comment_revisions, comments, debate_themes, debates, remote_actors,
    themes,
};
use crate::model::{Actor, Comment, CommentRevision, Debate, DebateStatus, RemoteActor, Stance};

/// A debate in a list, with how many comments it has and its themes.
#[derive(Debug, Clone)]
pub struct DebateSummary {
    pub debate: Debate,
    pub comments: i64,
    pub themes: Vec<String>,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Pinned first, then newest.
    #[default]
    Newest,
    /// Most comments first.
    MostActive,
}

/// Which debates a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A local commune's debates; `None` for the debates of other servers' communes kept here.
    pub commune: Option<ActorId>,
    pub theme: Option<ThemeId>,
    /// `None`: every status but archived.
    pub status: Option<DebateStatus>,
    pub sort: Sort,
    pub limit: i64,
}

/// How many debates "most active" ranks (a commune has far fewer).
const RANKED: i64 = 2_000;

/// Debates by a filter, with their comment counts and themes (three statements).
pub fn list(conn: &mut AnyConnection, filter: &Filter) -> Result<Vec<DebateSummary>> {
    // Proposals have their own list.
    let mut query = debates::table
        .select(Debate::as_select())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            crate::model::schema::proposals::table
                .filter(crate::model::schema::proposals::debate_id.eq(debates::id)),
        )))
        .into_boxed();
    query = match filter.commune {
        Some(commune) => query.filter(debates::commune_id.eq(commune)),
        None => query.filter(debates::commune_id.is_null()),
    };
    query = match filter.status {
        Some(status) => query.filter(debates::status.eq(status)),
        None => query.filter(debates::status.ne(DebateStatus::Archived)),
    };
    if let Some(theme) = filter.theme {
        query = query.filter(
            debates::id.eq_any(
                debate_themes::table
                    .filter(debate_themes::theme_id.eq(theme))
                    .select(debate_themes::debate_id),
            ),
        );
    }
    let found: Vec<Debate> = match filter.sort {
        Sort::Newest => query
            .order((debates::pinned.desc(), debates::id.desc()))
            .limit(filter.limit)
            .load(conn)?,
        Sort::MostActive => query.order(debates::id.desc()).limit(RANKED).load(conn)?,
    };
    let ids: Vec<DebateId> = found.iter().map(|d| d.id).collect();
    let counts: Vec<(DebateId, i64)> = comments::table
        .filter(comments::debate_id.eq_any(&ids))
        .filter(comments::deleted.eq(false))
        .filter(comments::hidden_at.is_null())
        .group_by(comments::debate_id)
        .select((comments::debate_id, diesel::dsl::count_star()))
        .load(conn)?;
    let counts: HashMap<DebateId, i64> = counts.into_iter().collect();
    let theme_rows: Vec<(DebateId, String)> = debate_themes::table
        .inner_join(themes::table)
        .filter(debate_themes::debate_id.eq_any(&ids))
        .order(themes::name.asc())
        .select((debate_themes::debate_id, themes::name))
        .load(conn)?;
    let mut themes_of: HashMap<DebateId, Vec<String>> = HashMap::new();
    for (debate, name) in theme_rows {
        themes_of.entry(debate).or_default().push(name);
    }
    let mut items: Vec<DebateSummary> = found
        .into_iter()
        .map(|debate| DebateSummary {
            comments: counts.get(&debate.id).copied().unwrap_or(0),
            themes: themes_of.remove(&debate.id).unwrap_or_default(),
            debate,
        })
        .collect();
    if filter.sort == Sort::MostActive {
        items.sort_by(|a, b| {
            b.comments
                .cmp(&a.comments)
                .then(b.debate.id.0.cmp(&a.debate.id.0))
        });
        items.truncate(usize::try_from(filter.limit).unwrap_or(0));
    }
    Ok(items)
}

/// Who wrote a comment, as a page shows it.
#[derive(Debug, Clone)]
pub struct Author {
    pub name: String,
    pub handle: String,
    /// A path here, or the remote profile URL.
    pub link: String,
    /// The actor id of an author on another server.
    pub remote: Option<String>,
}

impl Author {
    fn local(actor: &Actor) -> Author {
        Author {
            name: actor.display_name.clone(),
            handle: format!("@{}", actor.username),
            link: actor.path(),
            remote: None,
        }
    }
}

impl Author {
    fn remote(r: &RemoteActor) -> Author {
        Author {
            name: r.display_name.clone(),
            handle: format!("@{}@{}", r.username, r.domain),
            link: r.url.clone().unwrap_or_else(|| r.ap_id.clone()),
            remote: Some(r.ap_id.clone()),
        }
    }
}

/// A debate with its author, its host when elsewhere, its themes, and every comment with its author, agree
/// count and earlier versions, oldest first: eight statements, however many comments.
pub struct Thread {
    pub debate: Debate,
    pub author: Option<Author>,
    /// The commune hosting it on another server.
    pub remote_host: Option<Author>,
    pub themes: Vec<String>,
    pub comments: Vec<(Comment, Author)>,
    pub agrees: HashMap<CommentId, i64>,
    /// The comments the viewer agreed with.
    pub agreed: std::collections::HashSet<CommentId>,
    pub revisions: HashMap<CommentId, Vec<CommentRevision>>,
}

impl Thread {
    /// Keeps out of sight what servers the admin blocked or silenced published: their people's comments show
    /// as hidden (they stay stored: lifting the rule shows them again). `NotFound` when the debate itself is
    /// one of theirs.
    ///
    /// `shows` tells whether what has this id (a remote id; `None` for ours) may be shown: the federation
    /// policy's rule, passed in so that storage does not depend on federation.
    pub fn hide_servers(mut self, shows: impl Fn(Option<&str>) -> bool) -> Result<Thread> {
        if !shows(self.debate.ap_id.as_deref()) {
            return Err(Error::NotFound(format!("no debate {}", self.debate.id)));
        }
        for (comment, author) in &mut self.comments {
            if comment.hidden_at.is_none() && !shows(author.remote.as_deref()) {
                comment.hidden_at = Some(comment.created_at);
            }
        }
        Ok(self)
    }

    /// Comments taking each side (deleted and hidden ones do not count).
    pub fn stance_count(&self, stance: Stance) -> usize {
        self.comments
            .iter()
            .filter(|(c, _)| c.visible() && c.stance == Some(stance))
            .count()
    }
}

pub fn thread(conn: &mut AnyConnection, id: DebateId, viewer: Option<ActorId>) -> Result<Thread> {
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
    let mut remote_ids: Vec<_> = all.iter().filter_map(|c| c.remote_author_id).collect();
    remote_ids.extend(debate.remote_author_id);
    remote_ids.extend(debate.remote_commune_id);
    let remotes: HashMap<_, RemoteActor> = remote_actors::table
        .filter(remote_actors::id.eq_any(&remote_ids))
        .select(RemoteActor::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let comment_ids: Vec<CommentId> = all.iter().map(|c| c.id).collect();
    let agrees: HashMap<CommentId, i64> = comment_likes::table
        .filter(comment_likes::comment_id.eq_any(&comment_ids))
        .group_by(comment_likes::comment_id)
        .select((comment_likes::comment_id, diesel::dsl::count_star()))
        .load::<(CommentId, i64)>(conn)?
        .into_iter()
        .collect();
    let agreed = match viewer {
        Some(viewer) => comment_likes::table
            .filter(comment_likes::comment_id.eq_any(&comment_ids))
            .filter(comment_likes::author_id.eq(viewer))
            .select(comment_likes::comment_id)
            .load::<CommentId>(conn)?
            .into_iter()
            .collect(),
        None => Default::default(),
    };
    let mut revisions: HashMap<CommentId, Vec<CommentRevision>> = HashMap::new();
    for r in comment_revisions::table
        .filter(comment_revisions::comment_id.eq_any(&comment_ids))
        .order(comment_revisions::id.asc())
        .select(CommentRevision::as_select())
        .load(conn)?
    {
        revisions.entry(r.comment_id).or_default().push(r);
    }
    let themes: Vec<String> = debate_themes::table
        .inner_join(themes::table)
        .filter(debate_themes::debate_id.eq(id))
        .order(themes::name.asc())
        .select(themes::name)
        .load(conn)?;
    let comments = all
        .into_iter()
        .filter_map(|c| {
            let author = match (c.author_id, c.remote_author_id) {
                (Some(id), _) => Author::local(locals.get(&id)?),
                (None, Some(id)) => Author::remote(remotes.get(&id)?),
                // Its author is gone: a tombstone, kept for the replies under it.
                (None, None) => Author {
                    name: String::new(),
                    handle: String::new(),
                    link: String::new(),
                    remote: None,
                },
            };
            Some((c, author))
        })
        .collect();
    let author = match (debate.author_id, debate.remote_author_id) {
        (Some(id), _) => locals.get(&id).map(Author::local),
        (None, Some(id)) => remotes.get(&id).map(Author::remote),
        _ => None,
    };
    let remote_host = debate
        .remote_commune_id
        .and_then(|id| remotes.get(&id))
        .map(Author::remote);
    Ok(Thread {
        debate,
        author,
        remote_host,
        themes,
        comments,
        agrees,
        agreed,
        revisions,
    })
}

impl crate::model::FromServer for DebateSummary {
    fn remote_id(&self) -> Option<&str> {
        self.debate.ap_id.as_deref()
    }
}
