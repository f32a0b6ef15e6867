//! Mandates of officials, recorded from the console or by the commune's admin on the web: added, changed
//! and ended. Only officials hold them (a citizen's profile must never look like an elected one's). Each
//! change made by an admin is in the commune's audit log, and the official's actor is sent again (`Update`)
//! so that other servers show the mandate as it is.

use super::*;
use crate::civic::site::Operator;
use crate::model::Mandate;

/// A mandate as given: the office, the elected body, its first and last days.
#[derive(Clone, Debug)]
pub struct MandateFields {
    pub office: String,
    pub governing_body: String,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
}

fn checked(fields: &MandateFields) -> Result<MandateFields> {
    let office = crate::civic::actors::display_name("office", &fields.office)?;
    let governing_body =
        crate::civic::actors::display_name("governing_body", &fields.governing_body)?;
    if fields.until.is_some_and(|until| until < fields.since) {
        return Err(Error::invalid(
            "mandate_until",
            "must not be before the start date",
        ));
    }
    Ok(MandateFields {
        office,
        governing_body,
        ..fields.clone()
    })
}

/// The admin of the commune (from the web), or anyone at the console.
fn allowed(operator: Operator<'_>, commune: ActorId) -> Result<Option<&Account>> {
    match operator {
        Operator::Console => Ok(None),
        Operator::Admin(admin) => {
            require_admin_of(admin, commune)?;
            Ok(Some(admin))
        }
    }
}

fn mandate(conn: &mut AnyConnection, id: MandateId) -> Result<Mandate> {
    mandates::table
        .find(id)
        .select(Mandate::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such mandate".into()))
}

fn commune_of(conn: &mut AnyConnection, account: ActorId) -> Result<ActorId> {
    Ok(accounts::table
        .find(account)
        .select(accounts::commune_id)
        .first(conn)?)
}

/// Records a mandate of an official (`username`).
pub fn add(
    conn: &mut AnyConnection,
    operator: Operator<'_>,
    username: &str,
    fields: &MandateFields,
) -> Result<Mandate> {
    let fields = checked(fields)?;
    let username = username.trim().trim_start_matches('@').to_ascii_lowercase();
    let (actor, account) = crate::db::queries::account_by_username(conn, &username)?
        .ok_or_else(|| Error::invalid("username", format!("no account named '{username}'")))?;
    let admin = allowed(operator, account.commune_id)?;
    if account.role != Role::Official {
        return Err(Error::invalid(
            "username",
            format!(
                "'{}' is a {}, not an official: only officials hold mandates",
                actor.username, account.role
            ),
        ));
    }
    let id: MandateId = crate::on_each_backend!(conn, |c| diesel::insert_into(mandates::table)
        .values((
            mandates::account_id.eq(actor.id),
            mandates::office.eq(&fields.office),
            mandates::governing_body.eq(&fields.governing_body),
            mandates::since.eq(fields.since),
            mandates::until.eq(fields.until),
            mandates::created_at.eq(now()),
        ))
        .returning(mandates::id)
        .get_result(c))?;
    if let Some(admin) = admin {
        crate::civic::moderation::log_admin(
            conn,
            admin,
            ModerationAction::MandateChange,
            &format!("@{}", actor.username),
            &format!(
                "added: {} ({}), since {}",
                fields.office, fields.governing_body, fields.since
            ),
        )?;
    }
    outbox::record(conn, actor.id, Outbound::ActorUpdated)?;
    mandate(conn, id)
}

/// Changes a mandate (its office, body or days; a last day ends it).
pub fn change(
    conn: &mut AnyConnection,
    admin: &Account,
    id: MandateId,
    fields: &MandateFields,
) -> Result<()> {
    let fields = checked(fields)?;
    let found = mandate(conn, id)?;
    let commune = commune_of(conn, found.account_id)?;
    allowed(Operator::Admin(admin), commune)?;
    diesel::update(mandates::table.find(id))
        .set((
            mandates::office.eq(&fields.office),
            mandates::governing_body.eq(&fields.governing_body),
            mandates::since.eq(fields.since),
            mandates::until.eq(fields.until),
        ))
        .execute(conn)?;
    let username: String = actors::table
        .find(found.account_id)
        .select(actors::username)
        .first(conn)?;
    let what = match fields.until {
        Some(until) if found.until != Some(until) => format!("ended on {until}: {}", fields.office),
        _ => format!(
            "changed: {} ({}), since {}",
            fields.office, fields.governing_body, fields.since
        ),
    };
    crate::civic::moderation::log_admin(
        conn,
        admin,
        ModerationAction::MandateChange,
        &format!("@{username}"),
        &what,
    )?;
    outbox::record(conn, found.account_id, Outbound::ActorUpdated)
}

/// The mandates held by the officials of a commune (all of them, ended ones too), with their usernames.
pub fn of_commune(conn: &mut AnyConnection, commune: ActorId) -> Result<Vec<(Mandate, String)>> {
    Ok(mandates::table
        .inner_join(accounts::table.on(accounts::actor_id.eq(mandates::account_id)))
        .inner_join(actors::table.on(actors::id.eq(mandates::account_id)))
        .filter(accounts::commune_id.eq(commune))
        .order((actors::username.asc(), mandates::since.desc()))
        .select((Mandate::as_select(), actors::username))
        .load(conn)?)
}

/// The admin changes a role from the web: logged, and the actor sent again (its role shows as its type of
/// profile on other servers).
pub fn set_role(
    conn: &mut AnyConnection,
    admin: &Account,
    username: &str,
    role: Role,
) -> Result<()> {
    crate::civic::accounts::set_role(conn, Operator::Admin(admin), username, role)?;
    let (actor, _) = crate::db::queries::account_by_username(conn, username.trim())?
        .ok_or_else(|| Error::invalid("username", "no such account"))?;
    crate::civic::moderation::log_admin(
        conn,
        admin,
        ModerationAction::RoleChange,
        &format!("@{}", actor.username),
        &format!("now {role}"),
    )?;
    outbox::record(conn, actor.id, Outbound::ActorUpdated)
}
