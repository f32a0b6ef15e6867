//! Reports of communes on other servers that people here follow: kept as their commune's `Page` last said
//! them (category, place, status, supporters), with their photos stored here. Only the commune that
//! published a report changes or deletes its copy; the reader in `federation::problems` checks that the
//! `Page` comes from that commune's own server before calling these.

use super::*;
use crate::ids::{RemoteActorId, RemoteProblemId};
use crate::model::schema::{remote_actors, remote_problem_photos, remote_problems};
use crate::model::{RemoteActor, RemoteProblem, RemoteProblemPhoto};

/// A report from another server, as read from its `Page` (the HTML still to be cleaned here).
#[derive(Clone, Debug)]
pub struct ReceivedProblem {
    pub ap_id: String,
    pub commune: RemoteActorId,
    pub url: String,
    pub name: String,
    pub category: String,
    pub html: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub status: ProblemStatus,
    pub supporters: i64,
    pub duplicate_of: Option<String>,
    pub published: chrono::NaiveDateTime,
}

/// A photo of a received report, fetched from `source_url` and stored.
#[derive(Clone, Debug)]
pub struct ReceivedPhoto {
    pub source_url: String,
    pub stored: StoredPhoto,
}

/// Most reports kept of one commune of another server (a flood from one server stops there).
pub const MAX_REMOTE_PER_COMMUNE: i64 = 10_000;

/// Longest kept name of a received report (its server may send more; the rest is cut).
const MAX_NAME: usize = 200;

fn cut(text: &str, max: usize) -> String {
    text.trim().chars().take(max).collect()
}

/// The photos of the copy of `ap_id` already stored, by the URL they came from (a later `Update` fetches
/// only the others).
pub fn remote_photo_sources(conn: &mut AnyConnection, ap_id: &str) -> Result<Vec<String>> {
    Ok(remote_problem_photos::table
        .inner_join(remote_problems::table)
        .filter(remote_problems::ap_id.eq(ap_id))
        .select(remote_problem_photos::source_url)
        .load(conn)?)
}

/// Keeps (or refreshes) the copy of a report from another server. `listed` are the photo URLs its `Page`
/// names now: stored photos it no longer names are dropped, and `fetched` (those newly fetched) are added,
/// at most [`MAX_PHOTOS`] in all. Returns the copy's id and the file names of dropped photos, to remove.
/// The copy of a report stays with the commune that first sent it: another commune's word is refused.
pub fn store_remote(
    conn: &mut AnyConnection,
    report: &ReceivedProblem,
    listed: &[String],
    fetched: &[ReceivedPhoto],
) -> Result<(RemoteProblemId, Vec<String>)> {
    check_place(report.latitude, report.longitude)?;
    let name = cut(&report.name, MAX_NAME);
    let category = cut(&report.category, MAX_CATEGORY);
    let address = cut(&report.address, MAX_ADDRESS);
    let html = crate::civic::notes::sanitize_remote_html(
        &report
            .html
            .chars()
            .take(MAX_DESCRIPTION * 4)
            .collect::<String>(),
    );
    let at = now();
    let existing: Option<(RemoteProblemId, RemoteActorId)> = remote_problems::table
        .filter(remote_problems::ap_id.eq(&report.ap_id))
        .select((remote_problems::id, remote_problems::commune_id))
        .first(conn)
        .optional()?;
    let id = match existing {
        Some((_, commune)) if commune != report.commune => {
            return Err(Error::Forbidden(format!(
                "{} is a report of another commune",
                report.ap_id
            )));
        }
        Some((id, _)) => {
            diesel::update(remote_problems::table.find(id))
                .set((
                    remote_problems::url.eq(&report.url),
                    remote_problems::name.eq(&name),
                    remote_problems::category.eq(&category),
                    remote_problems::content_html.eq(&html),
                    remote_problems::address.eq(&address),
                    remote_problems::latitude.eq(report.latitude),
                    remote_problems::longitude.eq(report.longitude),
                    remote_problems::status.eq(report.status),
                    remote_problems::supporters.eq(report.supporters.max(0)),
                    remote_problems::duplicate_of.eq(&report.duplicate_of),
                    remote_problems::updated_at.eq(at),
                ))
                .execute(conn)?;
            id
        }
        None if remote_problems::table
            .filter(remote_problems::commune_id.eq(report.commune))
            .count()
            .get_result::<i64>(conn)?
            >= MAX_REMOTE_PER_COMMUNE =>
        {
            return Err(Error::TooManyRequests(format!(
                "at most {MAX_REMOTE_PER_COMMUNE} reports of one commune are kept here"
            )));
        }
        None => diesel::insert_into(remote_problems::table)
            .values((
                remote_problems::ap_id.eq(&report.ap_id),
                remote_problems::commune_id.eq(report.commune),
                remote_problems::url.eq(&report.url),
                remote_problems::name.eq(&name),
                remote_problems::category.eq(&category),
                remote_problems::content_html.eq(&html),
                remote_problems::address.eq(&address),
                remote_problems::latitude.eq(report.latitude),
                remote_problems::longitude.eq(report.longitude),
                remote_problems::status.eq(report.status),
                remote_problems::supporters.eq(report.supporters.max(0)),
                remote_problems::duplicate_of.eq(&report.duplicate_of),
                remote_problems::published.eq(report.published),
                remote_problems::updated_at.eq(at),
            ))
            .returning(remote_problems::id)
            .get_result(conn)?,
    };
    let kept: Vec<RemoteProblemPhoto> = remote_problem_photos::table
        .filter(remote_problem_photos::remote_problem_id.eq(id))
        .select(RemoteProblemPhoto::as_select())
        .load(conn)?;
    let mut dropped = vec![];
    let mut count = 0;
    for photo in kept {
        if listed.contains(&photo.source_url) {
            count += 1;
        } else {
            diesel::delete(remote_problem_photos::table.find(photo.id)).execute(conn)?;
            dropped.extend([photo.file, photo.thumb]);
        }
    }
    for photo in fetched {
        if count >= MAX_PHOTOS {
            dropped.extend([photo.stored.file.clone(), photo.stored.thumb.clone()]);
            continue;
        }
        diesel::insert_into(remote_problem_photos::table)
            .values((
                remote_problem_photos::remote_problem_id.eq(id),
                remote_problem_photos::source_url.eq(&photo.source_url),
                remote_problem_photos::file.eq(&photo.stored.file),
                remote_problem_photos::thumb.eq(&photo.stored.thumb),
                remote_problem_photos::alt.eq(cut(&photo.stored.alt, MAX_ALT)),
                remote_problem_photos::width.eq(photo.stored.width as i32),
                remote_problem_photos::height.eq(photo.stored.height as i32),
            ))
            .execute(conn)?;
        count += 1;
    }
    Ok((id, dropped))
}

/// A `Delete` of a report by its commune: its copy goes, and the names of its photo files are returned to
/// remove. `None` when `ap_id` is no report of that commune's.
pub fn forget_remote(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
    ap_id: &str,
) -> Result<Option<Vec<String>>> {
    let Some(id) = remote_problems::table
        .filter(remote_problems::ap_id.eq(ap_id))
        .filter(remote_problems::commune_id.eq(commune))
        .select(remote_problems::id)
        .first::<RemoteProblemId>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let files = remote_photos(conn, id)?
        .into_iter()
        .flat_map(|p| [p.file, p.thumb])
        .collect();
    diesel::delete(remote_problems::table.find(id)).execute(conn)?;
    Ok(Some(files))
}

/// The copy of a report from another server, with its commune.
pub fn remote_problem(
    conn: &mut AnyConnection,
    id: RemoteProblemId,
) -> Result<(RemoteProblem, RemoteActor)> {
    remote_problems::table
        .inner_join(remote_actors::table)
        .filter(remote_problems::id.eq(id))
        .select((RemoteProblem::as_select(), RemoteActor::as_select()))
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such problem report".into()))
}

/// The stored photos of a report from another server.
pub fn remote_photos(
    conn: &mut AnyConnection,
    id: RemoteProblemId,
) -> Result<Vec<RemoteProblemPhoto>> {
    Ok(remote_problem_photos::table
        .filter(remote_problem_photos::remote_problem_id.eq(id))
        .order(remote_problem_photos::id.asc())
        .select(RemoteProblemPhoto::as_select())
        .load(conn)?)
}

/// The latest reports received from other servers' communes (of one commune when given), newest first.
pub fn remote_list(
    conn: &mut AnyConnection,
    commune: Option<RemoteActorId>,
    limit: i64,
) -> Result<Vec<(RemoteProblem, RemoteActor)>> {
    let mut query = remote_problems::table
        .inner_join(remote_actors::table)
        .select((RemoteProblem::as_select(), RemoteActor::as_select()))
        .order(remote_problems::published.desc())
        .limit(limit)
        .into_boxed();
    if let Some(commune) = commune {
        query = query.filter(remote_problems::commune_id.eq(commune));
    }
    Ok(query.load(conn)?)
}

/// The photo files of every report of a commune from another server (to remove when the commune goes: its
/// reports go with it).
pub fn remote_photo_files_of(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
) -> Result<Vec<String>> {
    let rows: Vec<(String, String)> = remote_problem_photos::table
        .inner_join(remote_problems::table)
        .filter(remote_problems::commune_id.eq(commune))
        .select((remote_problem_photos::file, remote_problem_photos::thumb))
        .load(conn)?;
    Ok(rows.into_iter().flat_map(|(f, t)| [f, t]).collect())
}
