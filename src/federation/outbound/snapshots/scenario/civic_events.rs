//! The scenario's meetings, events of other servers and commitments.

use super::*;

/// A public meeting scheduled by the mayor with one seat: carol (remote) joins and has it, then the
/// meeting is cancelled, and a later Join of hers is refused.
pub(super) fn meetings(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    mayor: &Account,
    carol: RemoteActorId,
) -> Result<()> {
    use civic::meetings as m;
    // Scheduled ten days ahead (the rules refuse the past), then moved in the row to a fixed day far
    // ahead: the summary, which says the day, stays the same whenever the scenario runs.
    let starts = civic::now() + chrono::Duration::days(10);
    let id = m::create(
        conn,
        mayor,
        &m::NewMeeting {
            title: "Réunion publique : le marché".into(),
            description: "## Ordre du jour\n\n1. Le marché du dimanche".into(),
            category: crate::model::MeetingCategory::PublicMeeting,
            starts,
            ends: starts + chrono::Duration::hours(2),
            address: "Salle des fêtes".into(),
            coordinates: Some((45.76, 4.83)),
            online_url: None,
            capacity: Some(1),
            registration_required: true,
            agenda: vec![m::AgendaEntry {
                title: "Le marché du dimanche".into(),
                link: None,
            }],
        },
    )?;
    let fixed = chrono::NaiveDate::from_ymd_opt(2099, 1, 13)
        .and_then(|d| d.and_hms_opt(17, 30, 0))
        .ok_or_else(|| crate::error::Error::internal("a date"))?;
    diesel::update(crate::model::schema::meetings::table.find(id))
        .set((
            crate::model::schema::meetings::starts_at.eq(fixed),
            crate::model::schema::meetings::ends_at.eq(fixed + chrono::Duration::hours(2)),
        ))
        .execute(conn)?;
    rec.drain(conn)?;
    let join = crate::ids::ApUrl::parse("https://remote.example/joins/1")
        .map_err(crate::error::Error::internal)?;
    m::remote_join(conn, id, carol, &join)?;
    rec.drain(conn)?;
    m::cancel(conn, mayor, id)?;
    rec.drain(conn)?;
    let late = crate::ids::ApUrl::parse("https://remote.example/joins/2")
        .map_err(crate::error::Error::internal)?;
    m::remote_join(conn, id, carol, &late)?;
    rec.drain(conn)
}

/// The mayor's commitment, with two milestones, then moved on (the first milestone done).
pub(super) fn commitments(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    mayor: &Account,
) -> Result<()> {
    use civic::council::commitments as c;
    let due = chrono::NaiveDate::from_ymd_opt(2099, 6, 30);
    let id = c::publish(
        conn,
        mayor,
        &c::NewCommitment {
            title: "Trois pistes cyclables".into(),
            description: "Entre la **gare** et le lycée.".into(),
            due_on: due,
            proposal: None,
            milestones: vec![("Concertation".into(), due), ("Travaux".into(), None)],
        },
    )?;
    rec.drain(conn)?;
    let (_, milestones) = c::commitment(conn, id)?;
    c::move_on(
        conn,
        mayor,
        id,
        &c::Progress {
            status: crate::model::CommitmentStatus::InProgress,
            progress: 40,
            done: vec![milestones[0].id],
        },
    )?;
    rec.drain(conn)
}

/// An event of a group on another server: alice registers from home (her `Join`), then cancels (`Leave`).
pub(super) fn events_elsewhere(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    alice: &Account,
    town: RemoteActorId,
) -> Result<()> {
    use civic::meetings::elsewhere as e;
    let starts = chrono::NaiveDate::from_ymd_opt(2099, 3, 13)
        .and_then(|d| d.and_hms_opt(13, 0, 0))
        .ok_or_else(|| crate::error::Error::internal("a date"))?;
    let event = e::store_remote(
        conn,
        &e::ReceivedEvent {
            ap_id: "https://remote.example/events/1".into(),
            organiser: town,
            url: "https://remote.example/events/1".into(),
            title: "Repair café".into(),
            content_html: "<p>Apportez vos grille-pain.</p>".into(),
            starts_at: starts,
            ends_at: Some(starts + chrono::Duration::hours(3)),
            timezone: Some("Europe/Paris".into()),
            address: "Maison des associations".into(),
            coordinates: None,
            online_url: None,
            capacity: Some(30),
            status: crate::model::MeetingStatus::Scheduled,
        },
    )?;
    e::join_remote(conn, alice, event)?;
    rec.drain(conn)?;
    e::leave_remote(conn, alice, event)?;
    rec.drain(conn)
}
