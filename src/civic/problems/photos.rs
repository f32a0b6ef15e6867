//! A report's photos: added by the reporter, shown to everyone once staff accepted them.

use super::*;

/// A photo stored on disk, to attach to a report.
#[derive(Clone, Debug)]
pub struct StoredPhoto {
    pub file: String,
    pub thumb: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

/// Checks a photo's alt text: required (people who cannot see the photo read it), one paragraph.
pub fn check_alt(field: &'static str, alt: &str) -> Result<String> {
    let alt = bounded(field, alt, MAX_ALT, true)?;
    if alt.chars().any(char::is_control) {
        return Err(Error::invalid(field, "must be one paragraph"));
    }
    Ok(alt)
}

/// The reporter adds photos to their report (at most [`MAX_PHOTOS`]); they wait for staff to accept them.
pub fn add_photos(
    conn: &mut AnyConnection,
    account: &Account,
    id: ProblemId,
    photos: &[StoredPhoto],
) -> Result<()> {
    let found = problem(conn, id)?;
    if found.author_id != Some(account.actor_id) {
        return Err(Error::Forbidden(
            "only the reporter adds photos to a report".into(),
        ));
    }
    let already: i64 = problem_photos::table
        .filter(problem_photos::problem_id.eq(id))
        .count()
        .get_result(conn)?;
    if already as usize + photos.len() > MAX_PHOTOS {
        return Err(Error::invalid(
            "photo1",
            format!("a report has at most {MAX_PHOTOS} photos"),
        ));
    }
    for photo in photos {
        let alt = check_alt("alt1", &photo.alt)?;
        diesel::insert_into(problem_photos::table)
            .values((
                problem_photos::problem_id.eq(id),
                problem_photos::file.eq(&photo.file),
                problem_photos::thumb.eq(&photo.thumb),
                problem_photos::alt.eq(alt),
                problem_photos::width.eq(photo.width as i32),
                problem_photos::height.eq(photo.height as i32),
                problem_photos::created_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A report's photos, oldest first: all of them for its reporter and the commune's staff, the accepted ones
/// for everyone else.
pub fn photos(
    conn: &mut AnyConnection,
    problem: &Problem,
    viewer: Option<&Account>,
) -> Result<Vec<ProblemPhoto>> {
    let all: Vec<ProblemPhoto> = problem_photos::table
        .filter(problem_photos::problem_id.eq(problem.id))
        .order(problem_photos::id.asc())
        .select(ProblemPhoto::as_select())
        .load(conn)?;
    let sees_all = viewer.is_some_and(|v| {
        Some(v.actor_id) == problem.author_id || is_staff_of(v, problem.commune_id)
    });
    Ok(all
        .into_iter()
        .filter(|p| sees_all || p.accepted_at.is_some())
        .collect())
}

/// One photo of a report, if `viewer` may see it.
pub fn photo(
    conn: &mut AnyConnection,
    id: ProblemId,
    photo: i64,
    viewer: Option<&Account>,
) -> Result<ProblemPhoto> {
    let found = problem(conn, id)?;
    photos(conn, &found, viewer)?
        .into_iter()
        .find(|p| p.id == photo)
        .ok_or_else(|| Error::NotFound("no such photo".into()))
}

/// Staff accept a photo (it is then public and federated) or refuse it (it is deleted: its files' names
/// are returned, to remove them).
pub fn review_photo(
    conn: &mut AnyConnection,
    staff: &Account,
    id: ProblemId,
    photo: i64,
    accept: bool,
) -> Result<Option<(String, String)>> {
    let found = problem(conn, id)?;
    require_staff(staff, found.commune_id)?;
    let row: ProblemPhoto = problem_photos::table
        .find(photo)
        .filter(problem_photos::problem_id.eq(id))
        .select(ProblemPhoto::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such photo".into()))?;
    if accept {
        if row.accepted_at.is_none() {
            diesel::update(problem_photos::table.find(photo))
                .set((
                    problem_photos::accepted_at.eq(Some(now())),
                    problem_photos::accepted_by.eq(Some(staff.actor_id)),
                ))
                .execute(conn)?;
            outbox::record(
                conn,
                found.commune_id,
                Outbound::ProblemUpdated { problem: id },
            )?;
        }
        return Ok(None);
    }
    diesel::delete(problem_photos::table.find(photo)).execute(conn)?;
    if row.accepted_at.is_some() {
        outbox::record(
            conn,
            found.commune_id,
            Outbound::ProblemUpdated { problem: id },
        )?;
    }
    Ok(Some((row.file, row.thumb)))
}
