//! Problem reports (signalements): a resident reports a pothole, a broken street light, a fly-tip… in one of
//! the categories the commune's admin manages, at a place inside the commune's area. Before a new report is
//! made, the open reports of the same category within [`NEAR_METRES`] are offered: "I have this problem
//! too" adds a supporter instead. The commune's staff (agents, moderators, admins) move a report through its
//! statuses, each change with a public message kept in its history; the reporter and the supporters are
//! told. Every change is federated by the commune (`federation::problems`).

use chrono::Duration;
use diesel::prelude::*;

use crate::civic::accounts::is_staff_of;
use crate::civic::debates::text::bounded;
use crate::civic::notifications::{Kind, Notice, notify};
use crate::civic::{now, outbox};
use crate::db::AnyConnection;
use crate::error::{Error, Result};
use crate::ids::{ActorId, CategoryId, ProblemId};
use crate::model::schema::{
    communes, problem_categories, problem_history, problem_photos, problem_supporters, problems,
};
use crate::model::{
    Account, Category, Outbound, Problem, ProblemPhoto, ProblemStatus, ProblemStep, Role,
};

pub const MAX_DESCRIPTION: usize = 5_000;
pub const MAX_ADDRESS: usize = 300;
pub const MAX_MESSAGE: usize = 2_000;
pub const MAX_CATEGORY: usize = 80;
/// Photos per report.
pub const MAX_PHOTOS: usize = 3;
pub const MAX_ALT: usize = 500;
/// Reports closer than this, in the same category and still open, are offered before filing a new one.
pub const NEAR_METRES: f64 = 50.0;
/// Reports one account may file in [`REPORT_WINDOW`] (more is a flood, not a neighbourhood).
pub const REPORTS_PER_WINDOW: i64 = 5;
pub const REPORT_WINDOW: Duration = Duration::minutes(10);
/// A burst of supports goes out as one `Update`.
const SUPPORT_DELAY: Duration = Duration::seconds(2);

/// Metres per degree of latitude (and of longitude at the equator).
const METRES_PER_DEGREE: f64 = 111_320.0;

/// The commune's area: a box of latitude and longitude, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

impl Area {
    pub fn contains(&self, latitude: f64, longitude: f64) -> bool {
        (self.south..=self.north).contains(&latitude)
            && (self.west..=self.east).contains(&longitude)
    }

    fn checked(self) -> Result<Area> {
        for (field, value, max) in [
            ("south", self.south, 90.0),
            ("north", self.north, 90.0),
            ("west", self.west, 180.0),
            ("east", self.east, 180.0),
        ] {
            if !value.is_finite() || value.abs() > max {
                return Err(Error::invalid(
                    field,
                    format!("must be a number of degrees between -{max} and {max}"),
                ));
            }
        }
        if self.south >= self.north {
            return Err(Error::invalid("north", "must be north of the south edge"));
        }
        if self.west >= self.east {
            return Err(Error::invalid("east", "must be east of the west edge"));
        }
        Ok(self)
    }
}

/// Checks a place given by a person: degrees in range, finite.
pub fn check_place(latitude: f64, longitude: f64) -> Result<()> {
    if !latitude.is_finite() || !(-90.0..=90.0).contains(&latitude) {
        return Err(Error::invalid(
            "latitude",
            "must be a number of degrees between -90 and 90",
        ));
    }
    if !longitude.is_finite() || !(-180.0..=180.0).contains(&longitude) {
        return Err(Error::invalid(
            "longitude",
            "must be a number of degrees between -180 and 180",
        ));
    }
    Ok(())
}

/// The distance between two places, in metres (haversine; plenty precise at a street's scale).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6_371_000.0 * h.sqrt().asin()
}

fn require_admin(account: &Account) -> Result<()> {
    if account.role == Role::Admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only admins manage the categories and the area".into(),
        ))
    }
}

fn require_staff(account: &Account, commune: ActorId) -> Result<()> {
    if is_staff_of(account, commune) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's agents, moderators and admins handle its problem reports".into(),
        ))
    }
}

/// The four edges of an area as stored (all absent when no area is set).
type Edges = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);

/// The commune's area, if its admin set one.
pub fn area(conn: &mut AnyConnection, commune: ActorId) -> Result<Option<Area>> {
    let found: Option<Edges> = communes::table
        .find(commune)
        .select((
            communes::area_south,
            communes::area_west,
            communes::area_north,
            communes::area_east,
        ))
        .first(conn)
        .optional()?;
    Ok(match found {
        Some((Some(south), Some(west), Some(north), Some(east))) => Some(Area {
            south,
            west,
            north,
            east,
        }),
        _ => None,
    })
}

/// The admin sets the commune's area (or removes it: reports are then taken anywhere).
pub fn set_area(conn: &mut AnyConnection, admin: &Account, area: Option<Area>) -> Result<()> {
    require_admin(admin)?;
    let area = area.map(Area::checked).transpose()?;
    diesel::update(communes::table.find(admin.commune_id))
        .set((
            communes::area_south.eq(area.map(|a| a.south)),
            communes::area_west.eq(area.map(|a| a.west)),
            communes::area_north.eq(area.map(|a| a.north)),
            communes::area_east.eq(area.map(|a| a.east)),
        ))
        .execute(conn)?;
    Ok(())
}

/// A commune's categories, those offered for new reports first, by name.
pub fn categories(conn: &mut AnyConnection, commune: ActorId) -> Result<Vec<Category>> {
    Ok(problem_categories::table
        .filter(problem_categories::commune_id.eq(commune))
        .order((
            problem_categories::archived.asc(),
            problem_categories::name.asc(),
        ))
        .select(Category::as_select())
        .load(conn)?)
}

/// The admin adds a category (or offers an archived one again).
pub fn add_category(conn: &mut AnyConnection, admin: &Account, name: &str) -> Result<CategoryId> {
    require_admin(admin)?;
    let name = bounded("category", name, MAX_CATEGORY, true)?;
    if name.chars().any(char::is_control) {
        return Err(Error::invalid("category", "must be one line"));
    }
    let existing: Option<CategoryId> = problem_categories::table
        .filter(problem_categories::commune_id.eq(admin.commune_id))
        .filter(problem_categories::name.eq(&name))
        .select(problem_categories::id)
        .first(conn)
        .optional()?;
    if let Some(id) = existing {
        diesel::update(problem_categories::table.find(id))
            .set(problem_categories::archived.eq(false))
            .execute(conn)?;
        return Ok(id);
    }
    crate::on_each_backend!(conn, |c| diesel::insert_into(problem_categories::table)
        .values((
            problem_categories::commune_id.eq(admin.commune_id),
            problem_categories::name.eq(&name),
        ))
        .returning(problem_categories::id)
        .get_result::<CategoryId>(c))
    .map_err(Into::into)
}

/// The admin stops offering a category (its reports keep it).
pub fn archive_category(conn: &mut AnyConnection, admin: &Account, id: CategoryId) -> Result<()> {
    require_admin(admin)?;
    let changed = diesel::update(
        problem_categories::table
            .find(id)
            .filter(problem_categories::commune_id.eq(admin.commune_id)),
    )
    .set(problem_categories::archived.eq(true))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::NotFound("no such category in this commune".into()));
    }
    Ok(())
}

pub fn category(conn: &mut AnyConnection, id: CategoryId) -> Result<Category> {
    problem_categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such category".into()))
}

/// What a resident gives to report a problem.
#[derive(Clone, Debug)]
pub struct NewProblem {
    pub category: CategoryId,
    pub description: String,
    pub address: String,
    pub latitude: f64,
    pub longitude: f64,
    pub name_private: bool,
}

/// The open reports of a category within [`NEAR_METRES`] of a place, nearest first.
pub fn nearby(
    conn: &mut AnyConnection,
    commune: ActorId,
    category: CategoryId,
    latitude: f64,
    longitude: f64,
) -> Result<Vec<Problem>> {
    let dlat = NEAR_METRES / METRES_PER_DEGREE;
    let dlon = NEAR_METRES / (METRES_PER_DEGREE * latitude.to_radians().cos().max(0.01));
    let open: Vec<&str> = ProblemStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.as_str())
        .collect();
    let mut found: Vec<Problem> = problems::table
        .filter(problems::latitude.between(latitude - dlat, latitude + dlat))
        .filter(problems::longitude.between(longitude - dlon, longitude + dlon))
        .filter(problems::commune_id.eq(commune))
        .filter(problems::category_id.eq(category))
        .filter(problems::status.eq_any(open))
        .select(Problem::as_select())
        .load(conn)?;
    found.retain(|p| distance_m((latitude, longitude), (p.latitude, p.longitude)) <= NEAR_METRES);
    found.sort_by(|a, b| {
        let here = (latitude, longitude);
        distance_m(here, (a.latitude, a.longitude))
            .total_cmp(&distance_m(here, (b.latitude, b.longitude)))
    });
    Ok(found)
}

/// Checks a new report against the rules: a category of the reporter's commune still offered, a
/// description, a place in range and inside the commune's area, and not a flood.
fn checked(conn: &mut AnyConnection, account: &Account, new: &NewProblem) -> Result<NewProblem> {
    crate::civic::addresses::may_write(account)?;
    let category = category(conn, new.category)
        .ok()
        .filter(|c| c.commune_id == account.commune_id && !c.archived)
        .ok_or_else(|| Error::invalid("category", "choose one of the commune's categories"))?;
    let description = bounded("report", &new.description, MAX_DESCRIPTION, true)?;
    let address = bounded("address", &new.address, MAX_ADDRESS, false)?;
    if address.chars().any(char::is_control) {
        return Err(Error::invalid("address", "must be one line"));
    }
    check_place(new.latitude, new.longitude)?;
    if let Some(area) = area(conn, account.commune_id)?
        && !area.contains(new.latitude, new.longitude)
    {
        return Err(Error::invalid(
            "area",
            "this place is outside the commune's area: report it to the commune it belongs to",
        ));
    }
    let recent: i64 = problems::table
        .filter(problems::author_id.eq(account.actor_id))
        .filter(problems::created_at.gt(now() - REPORT_WINDOW))
        .count()
        .get_result(conn)?;
    if recent >= REPORTS_PER_WINDOW {
        return Err(Error::TooManyRequests(format!(
            "at most {REPORTS_PER_WINDOW} reports in {} minutes: wait a little before the next one",
            REPORT_WINDOW.num_minutes()
        )));
    }
    Ok(NewProblem {
        category: category.id,
        description,
        address,
        ..new.clone()
    })
}

/// A resident reports a problem; the commune publishes it. Near-duplicates are the caller's to offer first
/// ([`nearby`]).
pub fn file(conn: &mut AnyConnection, account: &Account, new: &NewProblem) -> Result<ProblemId> {
    let new = checked(conn, account, new)?;
    let at = now();
    let id: ProblemId = crate::on_each_backend!(conn, |c| diesel::insert_into(problems::table)
        .values((
            problems::commune_id.eq(account.commune_id),
            problems::author_id.eq(Some(account.actor_id)),
            problems::category_id.eq(new.category),
            problems::description.eq(&new.description),
            problems::address.eq(&new.address),
            problems::latitude.eq(new.latitude),
            problems::longitude.eq(new.longitude),
            problems::name_private.eq(new.name_private),
            problems::status.eq(ProblemStatus::New),
            problems::created_at.eq(at),
            problems::updated_at.eq(at),
        ))
        .returning(problems::id)
        .get_result(c))?;
    record_step(conn, id, ProblemStatus::New, "", Some(account.actor_id))?;
    outbox::record(
        conn,
        account.commune_id,
        Outbound::ProblemPublished { problem: id },
    )?;
    Ok(id)
}

fn record_step(
    conn: &mut AnyConnection,
    id: ProblemId,
    status: ProblemStatus,
    message: &str,
    by: Option<ActorId>,
) -> Result<()> {
    diesel::insert_into(problem_history::table)
        .values((
            problem_history::problem_id.eq(id),
            problem_history::status.eq(status),
            problem_history::message.eq(message),
            problem_history::by_id.eq(by),
            problem_history::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn problem(conn: &mut AnyConnection, id: ProblemId) -> Result<Problem> {
    problems::table
        .find(id)
        .select(Problem::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no problem report {id}")))
}

/// A report's steps, oldest first.
pub fn history(conn: &mut AnyConnection, id: ProblemId) -> Result<Vec<ProblemStep>> {
    Ok(problem_history::table
        .filter(problem_history::problem_id.eq(id))
        .order(problem_history::id.asc())
        .select(ProblemStep::as_select())
        .load(conn)?)
}

/// Whether the reporter's name may be shown to `viewer`: unless they kept it private, in which case only
/// they, the commune's staff and its moderators see it.
pub fn shows_reporter(problem: &Problem, viewer: Option<&Account>) -> bool {
    if !problem.name_private {
        return true;
    }
    viewer.is_some_and(|v| {
        Some(v.actor_id) == problem.author_id
            || (v.commune_id == problem.commune_id
                && matches!(v.role, Role::Agent | Role::Moderator | Role::Admin))
    })
}

fn recount(conn: &mut AnyConnection, id: ProblemId) -> Result<()> {
    let n: i64 = problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .count()
        .get_result(conn)?;
    diesel::update(problems::table.find(id))
        .set(problems::supporters.eq(n))
        .execute(conn)?;
    Ok(())
}

/// "I have this problem too" (or no longer): a supporter, not a new report. Not by its reporter.
pub fn support(conn: &mut AnyConnection, account: &Account, id: ProblemId, on: bool) -> Result<()> {
    crate::civic::addresses::may_write(account)?;
    let found = problem(conn, id)?;
    if found.author_id == Some(account.actor_id) {
        return Err(Error::invalid(
            "support",
            "you reported this problem yourself",
        ));
    }
    let mine = problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::account_id.eq(account.actor_id));
    let changed = if on {
        crate::on_each_backend!(conn, |c| diesel::insert_into(problem_supporters::table)
            .values((
                problem_supporters::problem_id.eq(id),
                problem_supporters::account_id.eq(Some(account.actor_id)),
                problem_supporters::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .execute(c))?
    } else {
        diesel::delete(mine).execute(conn)?
    };
    if changed > 0 {
        recount(conn, id)?;
        outbox::record_coalesced(
            conn,
            found.commune_id,
            Outbound::ProblemUpdated { problem: id },
            SUPPORT_DELAY,
        )?;
    }
    Ok(())
}

/// Whether an account said it has this problem too.
pub fn supports(conn: &mut AnyConnection, account: ActorId, id: ProblemId) -> Result<bool> {
    Ok(problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::account_id.eq(account))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// A `Like` of a report from another server (a Mastodon favourite): a supporter, once per person.
pub fn remote_support(
    conn: &mut AnyConnection,
    liker: crate::ids::RemoteActorId,
    like: &str,
    id: ProblemId,
) -> Result<()> {
    let found = problem(conn, id)?;
    let inserted =
        crate::on_each_backend!(conn, |c| diesel::insert_into(problem_supporters::table)
            .values((
                problem_supporters::problem_id.eq(id),
                problem_supporters::remote_actor_id.eq(Some(liker)),
                problem_supporters::like_ap_id.eq(Some(like)),
                problem_supporters::created_at.eq(now()),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
    if inserted > 0 {
        recount(conn, id)?;
        outbox::record_coalesced(
            conn,
            found.commune_id,
            Outbound::ProblemUpdated { problem: id },
            SUPPORT_DELAY,
        )?;
    }
    Ok(())
}

/// The people of other servers who have this problem too (they hear of its changes).
pub fn remote_supporters(
    conn: &mut AnyConnection,
    id: ProblemId,
) -> Result<Vec<crate::ids::RemoteActorId>> {
    Ok(problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::remote_actor_id.is_not_null())
        .select(problem_supporters::remote_actor_id.assume_not_null())
        .load(conn)?)
}

/// An `Undo(Like)` of a report, by the one who liked it. Returns whether it was one.
pub fn remote_unsupport(
    conn: &mut AnyConnection,
    liker: crate::ids::RemoteActorId,
    like: &str,
) -> Result<bool> {
    let found: Option<(i64, ProblemId)> = problem_supporters::table
        .filter(problem_supporters::like_ap_id.eq(like))
        .filter(problem_supporters::remote_actor_id.eq(liker))
        .select((problem_supporters::id, problem_supporters::problem_id))
        .first(conn)
        .optional()?;
    let Some((row, id)) = found else {
        return Ok(false);
    };
    diesel::delete(problem_supporters::table.find(row)).execute(conn)?;
    recount(conn, id)?;
    let commune = problem(conn, id)?.commune_id;
    outbox::record_coalesced(
        conn,
        commune,
        Outbound::ProblemUpdated { problem: id },
        SUPPORT_DELAY,
    )?;
    Ok(true)
}

/// The commune's staff move a report to a new status, with a public message (and, for a duplicate, the
/// report it repeats). The reporter and the supporters here are told; the commune federates the change.
pub fn change_status(
    conn: &mut AnyConnection,
    staff: &Account,
    id: ProblemId,
    status: ProblemStatus,
    message: &str,
    duplicate_of: Option<ProblemId>,
) -> Result<()> {
    let found = problem(conn, id)?;
    require_staff(staff, found.commune_id)?;
    if !found.status.next().contains(&status) {
        return Err(Error::invalid(
            "status",
            format!(
                "a report {} cannot become {}",
                found.status.as_str(),
                status.as_str()
            ),
        ));
    }
    let message = bounded("message", message, MAX_MESSAGE, true)?;
    let duplicate_of = match (status, duplicate_of) {
        (ProblemStatus::Duplicate, Some(other)) => {
            let original = problem(conn, other)
                .ok()
                .filter(|o| o.commune_id == found.commune_id && o.id != id)
                .ok_or_else(|| {
                    Error::invalid(
                        "duplicate_of",
                        "give the number of another report of the commune",
                    )
                })?;
            Some(original.id)
        }
        (ProblemStatus::Duplicate, None) => {
            return Err(Error::invalid(
                "duplicate_of",
                "give the number of the report it repeats",
            ));
        }
        _ => None,
    };
    let changed = diesel::update(
        problems::table
            .find(id)
            .filter(problems::status.eq(found.status)),
    )
    .set((
        problems::status.eq(status),
        problems::duplicate_of.eq(duplicate_of),
        problems::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict(
            "this report changed meanwhile: read its new status first".into(),
        ));
    }
    record_step(conn, id, status, &message, Some(staff.actor_id))?;
    let mut told: Vec<ActorId> = problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::account_id.is_not_null())
        .select(problem_supporters::account_id.assume_not_null())
        .load(conn)?;
    told.extend(found.author_id);
    told.retain(|a| *a != staff.actor_id);
    told.sort();
    told.dedup();
    for person in told {
        notify(
            conn,
            person,
            Notice {
                kind: Kind::ProblemUpdate,
                debate: None,
                link: Some(format!("/problems/{id}")),
                by: None,
            },
        )?;
    }
    outbox::record(
        conn,
        found.commune_id,
        Outbound::ProblemUpdated { problem: id },
    )
}

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

/// What a list of reports shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub commune: Option<ActorId>,
    /// Filed by this account.
    pub author: Option<ActorId>,
    pub category: Option<CategoryId>,
    pub status: Option<ProblemStatus>,
    /// Only the open ones (new, acknowledged, in progress).
    pub open: bool,
    /// Oldest first (a work queue), else newest first.
    pub oldest_first: bool,
    pub limit: i64,
}

pub fn list(conn: &mut AnyConnection, filter: &Filter) -> Result<Vec<Problem>> {
    let mut query = problems::table.select(Problem::as_select()).into_boxed();
    if let Some(c) = filter.commune {
        query = query.filter(problems::commune_id.eq(c));
    }
    if let Some(c) = filter.category {
        query = query.filter(problems::category_id.eq(c));
    }
    if let Some(a) = filter.author {
        query = query.filter(problems::author_id.eq(a));
    }
    if let Some(s) = filter.status {
        query = query.filter(problems::status.eq(s));
    }
    if filter.open {
        let open: Vec<ProblemStatus> = ProblemStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect();
        query = query.filter(problems::status.eq_any(open));
    }
    query = if filter.oldest_first {
        query.order(problems::created_at.asc())
    } else {
        query.order(problems::created_at.desc())
    };
    Ok(query.limit(filter.limit.clamp(1, 500)).load(conn)?)
}

/// How many reports a commune has, per category and status.
pub fn counts(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<Vec<(String, ProblemStatus, i64)>> {
    let rows: Vec<(CategoryId, ProblemStatus, i64)> = problems::table
        .filter(problems::commune_id.eq(commune))
        .group_by((problems::category_id, problems::status))
        .select((
            problems::category_id,
            problems::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let names = categories(conn, commune)?;
    let mut counted: Vec<(String, ProblemStatus, i64)> = rows
        .into_iter()
        .map(|(category, status, n)| {
            let name = names
                .iter()
                .find(|c| c.id == category)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            (name, status, n)
        })
        .collect();
    counted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.as_str().cmp(b.1.as_str())));
    Ok(counted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_at_a_streets_scale() {
        // Two points 0.0004° of latitude apart: about 44.5 m.
        let d = distance_m((45.0, 5.0), (45.0004, 5.0));
        assert!((d - 44.5).abs() < 0.5, "{d}");
        assert!(distance_m((45.0, 5.0), (45.0, 5.001)) > NEAR_METRES);
    }

    #[test]
    fn an_area_is_a_box_checked_for_sense() {
        let area = Area {
            south: 45.0,
            west: 4.9,
            north: 45.1,
            east: 5.0,
        };
        assert!(area.checked().is_ok());
        assert!(area.contains(45.05, 4.95));
        assert!(!area.contains(45.2, 4.95));
        let upside_down = Area {
            south: 45.1,
            north: 45.0,
            ..area
        };
        assert!(matches!(
            upside_down.checked(),
            Err(Error::Invalid { field: "north", .. })
        ));
        assert!(check_place(f64::NAN, 0.0).is_err());
        assert!(check_place(91.0, 0.0).is_err());
        assert!(check_place(45.0, -181.0).is_err());
    }

    #[test]
    fn statuses_move_forward_and_a_closed_report_can_be_taken_up_again() {
        use ProblemStatus::*;
        assert!(New.next().contains(&Acknowledged));
        assert!(!Resolved.next().contains(&New));
        assert!(Resolved.next().contains(&Acknowledged));
        assert!(!InProgress.next().contains(&Duplicate));
    }
}
