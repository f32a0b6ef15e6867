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
use crate::ids::{ActorId, CategoryId, ProblemId, RemoteActorId};
use crate::model::schema::{
    communes, problem_categories, problem_history, problem_photos, problem_supporters, problems,
};
use crate::model::{
    Account, Category, Outbound, Problem, ProblemPhoto, ProblemStatus, ProblemStep, Role,
};

mod handover;
mod lifecycle;
mod lists;
mod photos;
mod remote;
mod supporters;
mod zones;

pub use handover::{
    HandTo, MAX_HANDOVER_MESSAGE, Owner, Partners, answer_handover, change_handed_status,
    hand_over, handed_to, handover, handovers, is_offered_here, is_partner, offers, owner,
    owner_of, partners, receive_offer, remote_answer, withdraw_handover,
};
pub use lifecycle::{
    APP_REPORTS_PER_WINDOW, Filer, NewProblem, StepBy, change_status, file, file_by, history,
    nearby, problem, remote_owner_status, shows_reporter,
};
pub use lists::{Filter, MAX_LIST, counts, list};
pub use photos::{StoredPhoto, add_photos, check_alt, photo, photos, review_photo};
pub use remote::{
    ReceivedPhoto, ReceivedProblem, forget_remote, remote_list, remote_photo_files_of,
    remote_photo_sources, remote_photos, remote_problem, store_remote,
};
pub use supporters::{remote_support, remote_supporters, remote_unsupport, support, supports};
pub use zones::{MAX_POINTS, Shape, Zone, covering, outline, set_outline, zone};

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

    /// The box, checked: finite degrees in range, south below north and west of east.
    pub fn checked(self) -> Result<Area> {
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

/// The admin sets the commune's area as a box (or removes it: reports are then taken anywhere); an outline
/// set before is removed (the box replaces it).
pub fn set_area(conn: &mut AnyConnection, admin: &Account, area: Option<Area>) -> Result<()> {
    require_admin(admin)?;
    let area = area.map(Area::checked).transpose()?;
    diesel::update(communes::table.find(admin.commune_id))
        .set((
            communes::area_south.eq(area.map(|a| a.south)),
            communes::area_west.eq(area.map(|a| a.west)),
            communes::area_north.eq(area.map(|a| a.north)),
            communes::area_east.eq(area.map(|a| a.east)),
            communes::area_geojson.eq(None::<String>),
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
