//! What people do with a post besides writing it, as Mastodon apps offer: favourite it, boost it, bookmark
//! it. Favourites and boosts given here are told to other servers (through the outbox); those given
//! elsewhere to posts written here are counted and told to their author. Bookmarks stay here.

use diesel::prelude::*;

use crate::civic::debates::Writer;
use crate::civic::notifications::{Kind, Notice, notify};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, FavouriteId, NoteId, RemoteActorId};
use crate::model::schema::{bookmarks, follows, note_favourites, notes};
use crate::model::{Note, Outbound, Visibility};

/// The posts of `me`'s home timeline: their own, and those of the accounts they follow here or elsewhere
/// (boosts included: a boost is a post of its booster). Whether each may be read is [`visible_to`]'s.
#[diesel::dsl::auto_type]
pub fn in_home_of(me: ActorId) -> _ {
    notes::author_id
        .eq(me)
        .or(notes::author_id.eq_any(
            follows::table
                .filter(follows::follower_id.eq(me))
                .filter(follows::accepted.eq(true))
                .select(follows::target_id),
        ))
        .or(notes::remote_author_id.eq_any(
            follows::table
                .filter(follows::follower_id.eq(me))
                .filter(follows::accepted.eq(true))
                .select(follows::target_remote_id),
        ))
}

/// Whether one post is in `me`'s home timeline ([`in_home_of`]) and readable by them; for a boost,
/// `shown` is the post it shares.
pub fn in_home(conn: &mut AnyConnection, me: ActorId, note: &Note, shown: &Note) -> Result<bool> {
    let home: bool = diesel::select(diesel::dsl::exists(
        notes::table
            .filter(notes::id.eq(note.id))
            .filter(in_home_of(me)),
    ))
    .get_result(conn)?;
    Ok(home && visible_to(conn, Some(me), shown)?)
}

/// Whether `viewer` (an account here, or nobody) may read a post: public and unlisted posts are for
/// everyone, followers-only posts for their author and accepted followers, direct ones for their author.
pub fn visible_to(conn: &mut AnyConnection, viewer: Option<ActorId>, note: &Note) -> Result<bool> {
    if note.deleted {
        return Ok(false);
    }
    let own = viewer.is_some() && note.author_id == viewer;
    Ok(match note.visibility {
        Visibility::Public | Visibility::Unlisted => true,
        Visibility::Direct => own,
        Visibility::Private => {
            if own {
                return Ok(true);
            }
            let Some(viewer) = viewer else {
                return Ok(false);
            };
            let following = follows::table
                .filter(follows::follower_id.eq(viewer))
                .filter(follows::accepted.eq(true));
            let found: i64 = match (note.author_id, note.remote_author_id) {
                (Some(author), _) => following
                    .filter(follows::target_id.eq(author))
                    .count()
                    .get_result(conn)?,
                (None, Some(author)) => following
                    .filter(follows::target_remote_id.eq(author))
                    .count()
                    .get_result(conn)?,
                (None, None) => 0,
            };
            found > 0
        }
    })
}

/// The post `id` names for someone acting on it: a boost stands for the post it shares; a post they may
/// not read is not found (as if it did not exist, so that its existence is not told).
pub fn readable(conn: &mut AnyConnection, viewer: Option<ActorId>, id: NoteId) -> Result<Note> {
    let mut note = crate::civic::notes::note(conn, id)?;
    if let Some(original) = note.reblog_of_id {
        note = crate::civic::notes::note(conn, original)?;
    }
    if !visible_to(conn, viewer, &note)? {
        return Err(Error::NotFound(format!("no post {id}")));
    }
    Ok(note)
}

/// Tells the local author of a post that someone favourited or boosted it (not themselves).
fn tell_author(
    conn: &mut AnyConnection,
    note: &Note,
    kind: Kind,
    by: Writer,
    name: String,
) -> Result<()> {
    let Some(author) = note.author_id else {
        return Ok(());
    };
    if by == Writer::Local(author) {
        return Ok(());
    }
    notify(
        conn,
        author,
        Notice {
            kind,
            debate: None,
            link: Some(format!("/notes/{}", note.id)),
            about: None,
            by: Some(name),
            note: Some(note.id),
            from: Some(by),
        },
    )
}

/// A favourite of a civic thing's post that stands for a civic act (supporting a proposal…), done as that
/// act: whether it was one.
fn civic_rule(conn: &mut AnyConnection, account: ActorId, note: &Note, on: bool) -> Result<bool> {
    if note.civic().is_none() {
        return Ok(false);
    }
    let Some((_, acting)) = crate::db::queries::account_by_id(conn, account)? else {
        return Err(Error::NotFound(format!("no account {account}")));
    };
    crate::civic::notes::civic_posts::act_on(conn, &acting, note, on)
}

/// `account` favourites a post it can read; favouriting twice changes nothing. The post's server is told
/// when the post is from elsewhere; its author is told when it is from here.
pub fn favourite(conn: &mut AnyConnection, account: ActorId, id: NoteId) -> Result<Note> {
    let note = readable(conn, Some(account), id)?;
    if civic_rule(conn, account, &note, true)? {
        return Ok(note);
    }
    let inserted: Option<FavouriteId> = crate::on_each_backend!(conn, |c| {
        diesel::insert_into(note_favourites::table)
            .values((
                note_favourites::note_id.eq(note.id),
                note_favourites::author_id.eq(Some(account)),
                note_favourites::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .returning(note_favourites::id)
            .get_result(c)
            .optional()
    })?;
    if let Some(favourite) = inserted {
        if note.author_id.is_none() {
            outbox::record(
                conn,
                account,
                Outbound::NoteFavourited {
                    note: note.id,
                    favourite,
                },
            )?;
        }
        let name = crate::db::queries::actor_by_id(conn, account)?.display_name;
        tell_author(conn, &note, Kind::Favourite, Writer::Local(account), name)?;
    }
    Ok(note)
}

/// `account` takes its favourite back (nothing happens if it gave none).
pub fn unfavourite(conn: &mut AnyConnection, account: ActorId, id: NoteId) -> Result<Note> {
    let note = readable(conn, Some(account), id)?;
    if civic_rule(conn, account, &note, false)? {
        return Ok(note);
    }
    let removed: Option<FavouriteId> = diesel::delete(
        note_favourites::table
            .filter(note_favourites::note_id.eq(note.id))
            .filter(note_favourites::author_id.eq(account)),
    )
    .returning(note_favourites::id)
    .get_result(conn)
    .optional()?;
    if let (Some(favourite), None) = (removed, note.author_id) {
        outbox::record(
            conn,
            account,
            Outbound::NoteUnfavourited {
                note: note.id,
                favourite,
            },
        )?;
    }
    Ok(note)
}

/// A `Like` from another server of a post written here. A post its sender may not read (followers-only
/// without following, direct) is not theirs to like: refused.
pub fn remote_favourite(
    conn: &mut AnyConnection,
    liker: RemoteActorId,
    like_id: &str,
    id: NoteId,
) -> Result<()> {
    // A post that does not exist (or no longer) is liked without effect, as other unknown objects are.
    let Some(note) = notes::table
        .find(id)
        .select(Note::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(());
    };
    if note.deleted || note.reblog_of_id.is_some() {
        return Ok(());
    }
    if !matches!(note.visibility, Visibility::Public | Visibility::Unlisted) {
        return Err(Error::Forbidden(format!(
            "post {id} is not public: it cannot be liked from elsewhere"
        )));
    }
    let inserted = crate::on_each_backend!(conn, |c| {
        diesel::insert_into(note_favourites::table)
            .values((
                note_favourites::note_id.eq(note.id),
                note_favourites::remote_author_id.eq(Some(liker)),
                note_favourites::ap_id.eq(Some(like_id)),
                note_favourites::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .execute(c)
    })?;
    if inserted > 0 {
        let name = crate::civic::remote::remote_actor(conn, liker)?.shown_name();
        tell_author(conn, &note, Kind::Favourite, Writer::Remote(liker), name)?;
    }
    Ok(())
}

/// `Undo(Like)` from another server: whether it named a favourite of a post here (by its sender).
pub fn remote_unfavourite(
    conn: &mut AnyConnection,
    liker: RemoteActorId,
    like_id: &str,
) -> Result<bool> {
    let removed = diesel::delete(
        note_favourites::table
            .filter(note_favourites::ap_id.eq(like_id))
            .filter(note_favourites::remote_author_id.eq(liker)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// The boost of a post by `account`, if it boosted it.
fn own_reblog(conn: &mut AnyConnection, account: ActorId, of: NoteId) -> Result<Option<Note>> {
    Ok(notes::table
        .filter(notes::reblog_of_id.eq(of))
        .filter(notes::author_id.eq(account))
        .select(Note::as_select())
        .first(conn)
        .optional()?)
}

/// `account` boosts a post: a post of its own that shares it, sent to its followers (and to the post's
/// server). Only public and unlisted posts can be boosted, as in Mastodon; boosting twice returns the boost
/// already made.
pub fn reblog(conn: &mut AnyConnection, account: ActorId, id: NoteId) -> Result<Note> {
    let note = readable(conn, Some(account), id)?;
    if !matches!(note.visibility, Visibility::Public | Visibility::Unlisted) {
        return Err(Error::Forbidden(
            "only public and unlisted posts can be boosted".into(),
        ));
    }
    if let Some(done) = own_reblog(conn, account, note.id)? {
        return Ok(done);
    }
    let reblog: NoteId = diesel::insert_into(notes::table)
        .values((
            notes::author_id.eq(Some(account)),
            notes::content.eq(""),
            notes::visibility.eq(Visibility::Public),
            notes::published.eq(now()),
            notes::reblog_of_id.eq(Some(note.id)),
        ))
        .returning(notes::id)
        .get_result(conn)?;
    outbox::record(conn, account, Outbound::NoteReblogged { reblog })?;
    let name = crate::db::queries::actor_by_id(conn, account)?.display_name;
    tell_author(conn, &note, Kind::Reblog, Writer::Local(account), name)?;
    crate::civic::notes::note(conn, reblog)
}

/// `account` takes its boost back: the boost goes, its followers (and the post's server) are told.
pub fn unreblog(conn: &mut AnyConnection, account: ActorId, id: NoteId) -> Result<Note> {
    let note = readable(conn, Some(account), id)?;
    if let Some(done) = own_reblog(conn, account, note.id)? {
        // Its `Announce` leaves the outbox with it.
        crate::civic::outbox::unlist_post(conn, done.id)?;
        diesel::delete(notes::table.find(done.id)).execute(conn)?;
        outbox::record(
            conn,
            account,
            Outbound::NoteUnreblogged {
                reblog: done.id,
                of: note.id,
            },
        )?;
    }
    Ok(note)
}

/// An `Announce` from another server, of the post with id `shared`: a boost of a post written here, or of a
/// post we hold by someone else when the booster is followed from here (their boosts belong in a home
/// timeline here). Whether it concerned anything here: a post we do not hold, or a boost we do not keep,
/// changes nothing. A post that is not public or unlisted, or deleted, is not boosted; a second copy of the
/// `Announce` is the same boost.
pub fn remote_reblog(
    conn: &mut AnyConnection,
    ids: &impl crate::civic::LocalIds,
    booster: RemoteActorId,
    announce_id: &str,
    shared: &str,
) -> Result<bool> {
    let of = match ids.note(shared) {
        Some(local) => Some(local),
        None if crate::db::queries::is_followed_from_here(conn, booster)? => notes::table
            .filter(notes::ap_id.eq(shared))
            .filter(notes::reblog_of_id.is_null())
            .select(notes::id)
            .first::<NoteId>(conn)
            .optional()?,
        None => None,
    };
    let Some(of) = of else {
        return Ok(false);
    };
    // A copy already received changes nothing.
    if !crate::civic::inbox::first_time(conn, announce_id)? {
        return Ok(true);
    }
    let note = crate::civic::notes::note(conn, of)?;
    if note.deleted
        || note.reblog_of_id.is_some()
        || !matches!(note.visibility, Visibility::Public | Visibility::Unlisted)
    {
        return Ok(true);
    }
    let inserted = crate::on_each_backend!(conn, |c| {
        diesel::insert_into(notes::table)
            .values((
                notes::remote_author_id.eq(Some(booster)),
                notes::ap_id.eq(Some(announce_id)),
                notes::content.eq(""),
                notes::visibility.eq(Visibility::Public),
                notes::published.eq(now()),
                notes::reblog_of_id.eq(Some(note.id)),
            ))
            .on_conflict_do_nothing()
            .execute(c)
    })?;
    if inserted > 0 {
        let name = crate::civic::remote::remote_actor(conn, booster)?.shown_name();
        tell_author(conn, &note, Kind::Reblog, Writer::Remote(booster), name)?;
    }
    Ok(true)
}

/// `Undo(Announce)` from another server: whether it named a boost by its sender.
pub fn remote_unreblog(
    conn: &mut AnyConnection,
    booster: RemoteActorId,
    announce_id: &str,
) -> Result<bool> {
    let removed = diesel::delete(
        notes::table
            .filter(notes::ap_id.eq(announce_id))
            .filter(notes::remote_author_id.eq(booster))
            .filter(notes::reblog_of_id.is_not_null()),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

/// `account` bookmarks a post it can read (kept here, told to nobody).
pub fn bookmark(conn: &mut AnyConnection, account: ActorId, id: NoteId) -> Result<Note> {
    let note = readable(conn, Some(account), id)?;
    crate::on_each_backend!(conn, |c| {
        diesel::insert_into(bookmarks::table)
            .values((
                bookmarks::account_id.eq(account),
                bookmarks::note_id.eq(note.id),
                bookmarks::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .execute(c)
    })?;
    Ok(note)
}

pub fn unbookmark(conn: &mut AnyConnection, account: ActorId, id: NoteId) -> Result<Note> {
    let note = readable(conn, Some(account), id)?;
    diesel::delete(
        bookmarks::table
            .filter(bookmarks::account_id.eq(account))
            .filter(bookmarks::note_id.eq(note.id)),
    )
    .execute(conn)?;
    Ok(note)
}

/// What an account did to a post: the flags Mastodon shows on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mine {
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
}

pub fn mine(conn: &mut AnyConnection, account: ActorId, note: NoteId) -> Result<Mine> {
    let favourited: i64 = note_favourites::table
        .filter(note_favourites::note_id.eq(note))
        .filter(note_favourites::author_id.eq(account))
        .count()
        .get_result(conn)?;
    let bookmarked: i64 = bookmarks::table
        .filter(bookmarks::note_id.eq(note))
        .filter(bookmarks::account_id.eq(account))
        .count()
        .get_result(conn)?;
    Ok(Mine {
        favourited: favourited > 0,
        reblogged: own_reblog(conn, account, note)?.is_some(),
        bookmarked: bookmarked > 0,
    })
}

/// How many favourites, boosts and replies a post has (replies: those stored here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub favourites: i64,
    pub reblogs: i64,
    pub replies: i64,
}

pub fn counts(conn: &mut AnyConnection, note: &Note, ap_id: &str) -> Result<Counts> {
    Ok(Counts {
        favourites: note_favourites::table
            .filter(note_favourites::note_id.eq(note.id))
            .count()
            .get_result(conn)?,
        reblogs: notes::table
            .filter(notes::reblog_of_id.eq(note.id))
            .count()
            .get_result(conn)?,
        replies: notes::table
            .filter(notes::in_reply_to.eq(ap_id))
            .filter(notes::deleted.eq(false))
            .count()
            .get_result(conn)?,
    })
}
