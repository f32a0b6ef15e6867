//! Posts in Mastodon's `Status` shape (every attribute Mastodon 4.x marks required), built for the account
//! that reads them: its favourites, boosts and bookmarks show on them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::accounts::{AccountDto, entity};
use crate::civic::debates::Writer;
use crate::civic::notes::interactions;
use crate::context::AppContext;
use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{ActorId, NoteId};
use crate::model::{ActorKind, Note};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusDto {
    pub id: String,
    /// The ActivityPub id (of the `Announce`, for a boost).
    pub uri: String,
    /// Its page (none for a boost).
    pub url: Option<String>,
    pub created_at: String,
    /// When it was last edited (its versions are at `/history`).
    pub edited_at: Option<String>,
    /// HTML (empty for a boost: what it shares is in `reblog`).
    pub content: String,
    /// The text as written, given back only when the post is deleted (for "delete and redraft").
    pub text: Option<String>,
    pub visibility: String,
    pub sensitive: bool,
    pub spoiler_text: String,
    /// Its pictures: stored here for a post written here; links only for one from elsewhere.
    pub media_attachments: Vec<crate::api::media::MediaDto>,
    /// People here named with `@name` (for posts written here).
    pub mentions: Vec<MentionDto>,
    pub tags: Vec<TagDto>,
    /// No custom emojis: always empty.
    #[schema(value_type = Vec<Object>)]
    pub emojis: Vec<serde_json::Value>,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    /// Replies stored here.
    pub replies_count: i64,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    /// For a boost, the post it shares.
    #[schema(value_type = Option<Object>)]
    pub reblog: Option<Box<StatusDto>>,
    /// Polls of posts are not kept yet: always null (Parvis's polls are at `/api/v1/parvis/polls`).
    #[schema(value_type = Option<Object>)]
    pub poll: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub card: Option<serde_json::Value>,
    pub language: Option<String>,
    /// What the reading account did (absent without a token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub favourited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reblogged: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bookmarked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    pub account: AccountDto,
}

/// A hashtag (Mastodon's `Tag`): its name without `#`, and the page of its posts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TagDto {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MentionDto {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

/// Who wrote a post.
pub fn author_of(note: &Note) -> Option<Writer> {
    match (note.author_id, note.remote_author_id) {
        (Some(local), _) => Some(Writer::Local(local)),
        (None, Some(remote)) => Some(Writer::Remote(remote)),
        (None, None) => None,
    }
}

/// Builds the entities of posts for one reader, loading each author once.
pub struct Statuses<'a> {
    ctx: &'a AppContext,
    viewer: Option<ActorId>,
    accounts: HashMap<Writer, AccountDto>,
    /// The reader's language, for civic posts (read once, when one is shown).
    lang: Option<crate::web::i18n::Lang>,
}

impl<'a> Statuses<'a> {
    pub fn new(ctx: &'a AppContext, viewer: Option<ActorId>) -> Statuses<'a> {
        Statuses {
            ctx,
            viewer,
            accounts: HashMap::new(),
            lang: None,
        }
    }

    fn account(&mut self, conn: &mut AnyConnection, who: Writer) -> Result<AccountDto> {
        if let Some(found) = self.accounts.get(&who) {
            return Ok(found.clone());
        }
        let found = entity(self.ctx, conn, who)?;
        self.accounts.insert(who, found.clone());
        Ok(found)
    }

    /// The post answered, if we hold it: its id and its author's.
    fn parent(
        &mut self,
        conn: &mut AnyConnection,
        note: &Note,
    ) -> Result<(Option<String>, Option<String>)> {
        let Some(parent) = &note.in_reply_to else {
            return Ok((None, None));
        };
        let found = crate::civic::notes::by_uri(conn, &self.ctx.urls, parent)?;
        Ok(match found {
            Some(parent) => (
                Some(parent.id.to_string()),
                author_of(&parent).map(account_id),
            ),
            None => (None, None),
        })
    }

    /// The people here a post written here names.
    fn mentions(&mut self, conn: &mut AnyConnection, note: &Note) -> Result<Vec<MentionDto>> {
        if note.author_id.is_none() {
            return Ok(vec![]);
        }
        let text = crate::civic::notes::html_to_text(&note.content);
        let mut found = vec![];
        for name in crate::civic::notifications::mentioned_names(&text) {
            if let Some(person) = crate::db::queries::actor_of_kind(conn, ActorKind::Person, &name)?
            {
                found.push(MentionDto {
                    id: person.id.to_string(),
                    username: person.username.to_string(),
                    url: self
                        .ctx
                        .urls
                        .actor(person.kind, &person.username)
                        .to_string(),
                    acct: person.username.to_string(),
                });
            }
        }
        Ok(found)
    }

    /// One post (a boost carries the post it shares).
    pub fn status(&mut self, conn: &mut AnyConnection, note: &Note) -> Result<StatusDto> {
        self.status_of(conn, note, None)
    }

    /// One post; for a boost, the post it shares when the caller loaded it already (else it is loaded).
    pub fn status_of(
        &mut self,
        conn: &mut AnyConnection,
        note: &Note,
        shared: Option<&Note>,
    ) -> Result<StatusDto> {
        let Some(author) = author_of(note) else {
            return Err(crate::error::Error::internal(format!(
                "post {} has no author",
                note.id
            )));
        };
        let account = self.account(conn, author)?;
        if let Some(original_id) = note.reblog_of_id {
            let loaded;
            let original = match shared.filter(|s| s.id == original_id) {
                Some(original) => original,
                None => {
                    loaded = crate::civic::notes::note(conn, original_id)?;
                    &loaded
                }
            };
            let shared = self.status_of(conn, original, None)?;
            let uri = match &note.ap_id {
                Some(id) => id.clone(),
                None => self.ctx.urls.reblog(note.id).to_string(),
            };
            return Ok(StatusDto {
                reblogged: shared.reblogged,
                favourited: shared.favourited,
                bookmarked: shared.bookmarked,
                muted: shared.muted,
                pinned: shared.pinned,
                ..self.plain(note, uri, None, account, Some(Box::new(shared)))
            });
        }
        if let Some(what) = note.civic() {
            return self.civic(conn, note, what, account);
        }
        let uri = crate::civic::notes::uri(&self.ctx.urls, note);
        let url = Some(uri.clone());
        let mut status = self.plain(note, uri.clone(), url, account, None);
        let (parent, parent_author) = self.parent(conn, note)?;
        status.in_reply_to_id = parent;
        status.in_reply_to_account_id = parent_author;
        status.mentions = self.mentions(conn, note)?;
        status.media_attachments = pictures(self.ctx, conn, note)?;
        status.tags = crate::civic::notes::tags::of(conn, note.id)?
            .into_iter()
            .map(|name| TagDto {
                url: self.ctx.urls.tag(&name).to_string(),
                name,
            })
            .collect();
        self.interactions(conn, note, &uri, &mut status)?;
        Ok(status)
    }

    /// Its counts, and what the reader did with it.
    fn interactions(
        &self,
        conn: &mut AnyConnection,
        note: &Note,
        uri: &str,
        status: &mut StatusDto,
    ) -> Result<()> {
        let counts = interactions::counts(conn, note, uri)?;
        status.favourites_count = counts.favourites;
        status.reblogs_count = counts.reblogs;
        status.replies_count = counts.replies;
        if let Some(viewer) = self.viewer {
            let mine = interactions::mine(conn, viewer, note.id)?;
            status.favourited = Some(mine.favourited);
            status.reblogged = Some(mine.reblogged);
            status.bookmarked = Some(mine.bookmarked);
            status.muted = Some(false);
            status.pinned = Some(false);
        }
        Ok(())
    }

    fn language(&mut self, conn: &mut AnyConnection) -> Result<crate::web::i18n::Lang> {
        use crate::model::schema::accounts;
        use crate::web::i18n::Lang;
        use diesel::prelude::*;
        if let Some(lang) = self.lang {
            return Ok(lang);
        }
        let chosen: Option<String> = match self.viewer {
            Some(v) => accounts::table
                .find(v)
                .select(accounts::language)
                .first::<Option<String>>(conn)
                .optional()?
                .flatten(),
            None => None,
        };
        let lang = chosen
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or(Lang::negotiate(None));
        self.lang = Some(lang);
        Ok(lang)
    }

    /// A civic thing's post: the thing as it is now (see `civic`). One that is gone has no text.
    fn civic(
        &mut self,
        conn: &mut AnyConnection,
        note: &Note,
        what: crate::model::CivicRef,
        account: AccountDto,
    ) -> Result<StatusDto> {
        let lang = self.language(conn)?;
        let uri = crate::civic::notes::uri(&self.ctx.urls, note);
        let mut status = self.plain(note, uri.clone(), Some(uri.clone()), account, None);
        self.interactions(conn, note, &uri, &mut status)?;
        let Some(shown) = super::civic::shown(self.ctx, conn, self.viewer, lang, what)? else {
            return Ok(status);
        };
        status.uri = shown.uri;
        status.url = Some(shown.url);
        status.content = shown.content;
        status.card = shown
            .card
            .map(serde_json::to_value)
            .transpose()
            .map_err(crate::error::Error::internal)?;
        status.poll = shown
            .poll
            .map(serde_json::to_value)
            .transpose()
            .map_err(crate::error::Error::internal)?;
        if let Some(parent) = shown.parent {
            status.in_reply_to_id = Some(parent.id.to_string());
            status.in_reply_to_account_id = author_of(&parent).map(account_id);
        }
        if let Some((count, mine)) = shown.favourites {
            status.favourites_count = count;
            if self.viewer.is_some() {
                status.favourited = Some(mine);
            }
        }
        if let Some(replies) = shown.replies {
            status.replies_count = replies;
        }
        if let Some(tag) = shown.tag {
            status.tags.push(TagDto {
                name: tag.to_string(),
                url: self.ctx.urls.tag(tag).to_string(),
            });
        }
        Ok(status)
    }

    fn plain(
        &self,
        note: &Note,
        uri: String,
        url: Option<String>,
        account: AccountDto,
        reblog: Option<Box<StatusDto>>,
    ) -> StatusDto {
        StatusDto {
            id: note.id.to_string(),
            uri,
            url,
            created_at: note.published.and_utc().to_rfc3339(),
            edited_at: note.edited_at.map(|at| at.and_utc().to_rfc3339()),
            content: note.content.clone(),
            text: None,
            visibility: note.visibility.to_string(),
            sensitive: false,
            spoiler_text: String::new(),
            media_attachments: vec![],
            mentions: vec![],
            tags: vec![],
            emojis: vec![],
            reblogs_count: 0,
            favourites_count: 0,
            replies_count: 0,
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            reblog,
            poll: None,
            card: None,
            language: None,
            favourited: None,
            reblogged: None,
            bookmarked: None,
            muted: None,
            pinned: None,
            account,
        }
    }

    /// Several posts, in their order.
    pub fn all(&mut self, conn: &mut AnyConnection, notes: &[Note]) -> Result<Vec<StatusDto>> {
        notes.iter().map(|note| self.status(conn, note)).collect()
    }

    /// Several posts, each boost with the post it shares already loaded.
    pub fn all_of(
        &mut self,
        conn: &mut AnyConnection,
        posts: &[(Note, Option<Note>)],
    ) -> Result<Vec<StatusDto>> {
        posts
            .iter()
            .map(|(note, shared)| self.status_of(conn, note, shared.as_ref()))
            .collect()
    }
}

/// A post's pictures, in order.
pub fn pictures(
    ctx: &AppContext,
    conn: &mut AnyConnection,
    note: &Note,
) -> Result<Vec<crate::api::media::MediaDto>> {
    use crate::civic::notes::media;
    Ok(if note.author_id.is_some() {
        media::of_notes(conn, &[note.id])?
            .iter()
            .map(|m| crate::api::media::local(&ctx.urls, m))
            .collect()
    } else {
        media::remote_of_notes(conn, &[note.id])?
            .iter()
            .map(crate::api::media::remote)
            .collect()
    })
}

/// An account's id in the API: a number here, `r` and a number for accounts of other servers.
pub fn account_id(who: Writer) -> String {
    match who {
        Writer::Local(id) => id.to_string(),
        Writer::Remote(id) => format!("r{id}"),
    }
}

/// A post id from a path (`404` when it is not one).
pub fn note_id(raw: &str) -> crate::error::Result<NoteId> {
    raw.parse()
        .map(NoteId)
        .map_err(|_| crate::error::Error::NotFound(format!("no post {raw}")))
}
