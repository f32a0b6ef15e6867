//! A report's life: filed (after the reports nearby were offered), then moved on by staff with a public
//! message, each step kept.

use super::handover::offer_to_area;
use super::*;
use crate::model::Open311Client;

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

/// Who files a report: a resident's account, or a client app through Open311 (for its commune, with no
/// person named).
#[derive(Clone, Copy, Debug)]
pub enum Filer<'a> {
    Account(&'a Account),
    App(&'a Open311Client),
}

/// Reports one Open311 client app may file in [`REPORT_WINDOW`] (a city app speaks for many residents).
pub const APP_REPORTS_PER_WINDOW: i64 = 60;

impl Filer<'_> {
    fn commune(&self) -> ActorId {
        match self {
            Filer::Account(a) => a.commune_id,
            Filer::App(c) => c.commune_id,
        }
    }
}

/// Checks a new report against the rules: a category of the filer's commune still offered, a
/// description, a place in range and inside the commune's area (or another commune's here, which is then
/// returned: the report goes to it), and not a flood.
fn checked(
    conn: &mut AnyConnection,
    filer: Filer,
    new: &NewProblem,
) -> Result<(NewProblem, Option<ActorId>)> {
    if let Filer::Account(account) = filer {
        crate::civic::addresses::may_write(account)?;
    }
    let commune = filer.commune();
    let category = category(conn, new.category)
        .ok()
        .filter(|c| c.commune_id == commune && !c.archived)
        .ok_or_else(|| Error::invalid("category", "choose one of the commune's categories"))?;
    let description = bounded("report", &new.description, MAX_DESCRIPTION, true)?;
    let address = bounded("address", &new.address, MAX_ADDRESS, false)?;
    if address.chars().any(char::is_control) {
        return Err(Error::invalid("address", "must be one line"));
    }
    check_place(new.latitude, new.longitude)?;
    let mut elsewhere = None;
    if let Some(zone) = zone(conn, commune)?
        && !zone.contains(new.latitude, new.longitude)
    {
        elsewhere = covering(conn, commune, new.latitude, new.longitude)?;
        if elsewhere.is_none() {
            return Err(Error::invalid(
                "area",
                "this place is outside the commune's area, and in no other commune's here: report it \
                 to the commune it belongs to",
            ));
        }
    }
    let since = now() - REPORT_WINDOW;
    let (recent, most): (i64, i64) = match filer {
        Filer::Account(account) => (
            problems::table
                .filter(problems::author_id.eq(account.actor_id))
                .filter(problems::created_at.gt(since))
                .count()
                .get_result(conn)?,
            REPORTS_PER_WINDOW,
        ),
        Filer::App(client) => (
            problems::table
                .filter(problems::via_client_id.eq(client.id))
                .filter(problems::created_at.gt(since))
                .count()
                .get_result(conn)?,
            APP_REPORTS_PER_WINDOW,
        ),
    };
    if recent >= most {
        return Err(Error::TooManyRequests(format!(
            "at most {most} reports in {} minutes: wait a little before the next one",
            REPORT_WINDOW.num_minutes()
        )));
    }
    Ok((
        NewProblem {
            category: category.id,
            description,
            address,
            ..new.clone()
        },
        elsewhere,
    ))
}

/// A resident reports a problem; the commune publishes it. Near-duplicates are the caller's to offer first
/// ([`nearby`]).
pub fn file(conn: &mut AnyConnection, account: &Account, new: &NewProblem) -> Result<ProblemId> {
    file_by(conn, Filer::Account(account), new)
}

/// A report filed by a resident or through an Open311 client app; the commune publishes it.
pub fn file_by(conn: &mut AnyConnection, filer: Filer, new: &NewProblem) -> Result<ProblemId> {
    let (new, elsewhere) = checked(conn, filer, new)?;
    let at = now();
    let commune = filer.commune();
    let (author, client) = match filer {
        Filer::Account(a) => (Some(a.actor_id), None),
        Filer::App(c) => (None, Some(c.id)),
    };
    let id: ProblemId = crate::on_each_backend!(conn, |c| diesel::insert_into(problems::table)
        .values((
            problems::commune_id.eq(commune),
            problems::author_id.eq(author),
            problems::via_client_id.eq(client),
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
    let by = match author {
        Some(a) => StepBy::Local(a),
        None => StepBy::App,
    };
    record_step(conn, id, ProblemStatus::New, "", by)?;
    outbox::record(conn, commune, Outbound::ProblemPublished { problem: id })?;
    crate::civic::notes::civic_posts::publish(
        conn,
        crate::civic::debates::Writer::Local(commune),
        crate::model::CivicRef::Problem(id),
        at,
    )?;
    if let Some(other) = elsewhere {
        offer_to_area(conn, id, commune, other)?;
    }
    Ok(id)
}

/// Who set a status: someone here, or the commune of another server the report was handed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepBy {
    Local(ActorId),
    Remote(RemoteActorId),
    /// Filed through an Open311 client app (no person named).
    App,
}

fn record_step(
    conn: &mut AnyConnection,
    id: ProblemId,
    status: ProblemStatus,
    message: &str,
    by: StepBy,
) -> Result<()> {
    let (local, remote) = match by {
        StepBy::Local(a) => (Some(a), None),
        StepBy::Remote(r) => (None, Some(r)),
        StepBy::App => (None, None),
    };
    diesel::insert_into(problem_history::table)
        .values((
            problem_history::problem_id.eq(id),
            problem_history::status.eq(status),
            problem_history::message.eq(message),
            problem_history::by_id.eq(local),
            problem_history::by_remote_id.eq(remote),
            problem_history::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Tells the reporter and the supporters here that a report changed (not `but`, who changed it).
pub(super) fn tell_followers(
    conn: &mut AnyConnection,
    found: &Problem,
    but: Option<ActorId>,
) -> Result<()> {
    let id = found.id;
    let mut told: Vec<ActorId> = problem_supporters::table
        .filter(problem_supporters::problem_id.eq(id))
        .filter(problem_supporters::account_id.is_not_null())
        .select(problem_supporters::account_id.assume_not_null())
        .load(conn)?;
    told.extend(found.author_id);
    told.retain(|a| Some(*a) != but);
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
                about: Some(crate::model::CivicRef::Problem(id)),
                by: None,
                note: None,
                from: None,
            },
        )?;
    }
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

/// The staff of the commune that manages a report (where it was filed, or the commune here it was handed to)
/// move it to a new status, with a public message (and, for a duplicate, the report it repeats). The
/// reporter and the supporters here are told; the commune where it was filed federates the change.
pub fn change_status(
    conn: &mut AnyConnection,
    staff: &Account,
    id: ProblemId,
    status: ProblemStatus,
    message: &str,
    duplicate_of: Option<ProblemId>,
) -> Result<()> {
    let found = problem(conn, id)?;
    match owner(conn, id)? {
        Owner::Origin => require_staff(staff, found.commune_id)?,
        Owner::Commune(commune) => require_staff(staff, commune)?,
        Owner::Remote(_) => {
            return Err(Error::Forbidden(
                "this report was handed to a commune of another server: its staff set the status"
                    .into(),
            ));
        }
    }
    apply_status(
        conn,
        &found,
        status,
        message,
        duplicate_of,
        StepBy::Local(staff.actor_id),
    )
}

/// A new status of a report, said by the commune of another server it was handed to (no duplicate: that
/// server cannot name our reports).
pub fn remote_owner_status(
    conn: &mut AnyConnection,
    commune: RemoteActorId,
    id: ProblemId,
    status: ProblemStatus,
    message: &str,
) -> Result<()> {
    let found = problem(conn, id)?;
    if owner(conn, id)? != Owner::Remote(commune) {
        return Err(Error::Forbidden(
            "only the commune this report was handed to sets its status".into(),
        ));
    }
    if status == ProblemStatus::Duplicate {
        return Err(Error::BadRequest(
            "a handed report cannot be marked a duplicate by the commune it was handed to".into(),
        ));
    }
    apply_status(conn, &found, status, message, None, StepBy::Remote(commune))
}

fn apply_status(
    conn: &mut AnyConnection,
    found: &Problem,
    status: ProblemStatus,
    message: &str,
    duplicate_of: Option<ProblemId>,
    by: StepBy,
) -> Result<()> {
    let id = found.id;
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
    // Staff here give a public message; another server may send none.
    let required = !matches!(by, StepBy::Remote(_));
    let message = bounded("message", message, MAX_MESSAGE, required)?;
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
    record_step(conn, id, status, &message, by)?;
    let staff = match by {
        StepBy::Local(a) => Some(a),
        StepBy::Remote(_) | StepBy::App => None,
    };
    tell_followers(conn, found, staff)?;
    outbox::record(
        conn,
        found.commune_id,
        Outbound::ProblemUpdated { problem: id },
    )
}
