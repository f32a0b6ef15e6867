//! The scenario behind the outbound snapshots: every change that federates, made through `civic` by a
//! commune's people and with a remote person and a remote commune, and recorded after each step.

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde_json::Value;
use url::Url;

mod civic_events;

use super::{BASE, Recorder};
use crate::civic;
use crate::config::Backend;
use crate::db::{AnyConnection, Database};
use crate::error::Result;
use crate::federation::urls::Urls;
use crate::ids::{ActorId, RemoteActorId};
use crate::model::{
    Account, DebateOpeners, DebateStatus, Eligibility, PollKind, ProposalStatus, Role, Stance,
    Visibility,
};
use civic_events::{commitments, events_elsewhere, meetings};

fn remote(conn: &mut AnyConnection, name: &str, kind: &str) -> Result<RemoteActorId> {
    let ap_id = format!("https://remote.example/users/{name}");
    Ok(civic::remote::upsert_remote_actor(
        conn,
        &civic::remote::RemoteActorData {
            ap_id: ap_id.clone(),
            kind: kind.into(),
            domain: "remote.example".into(),
            username: name.into(),
            display_name: name.into(),
            inbox: format!("{ap_id}/inbox"),
            shared_inbox: Some("https://remote.example/inbox".into()),
            url: None,
            key_id: format!("{ap_id}#main-key"),
            public_key_pem: "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----".into(),
            manually_approves_followers: false,
            multikeys: vec![],
        },
    )?
    .id)
}

async fn person(db: &Database, name: &str, role: Role) -> Result<Account> {
    let (_, account) = civic::accounts::create_account(
        db,
        civic::accounts::NewAccount {
            username: name.into(),
            role,
            commune: None,
            display_name: Some(format!("{name} (display)")),
            password: None,
        },
    )
    .await?;
    Ok(account)
}

fn date(days: i64) -> chrono::NaiveDateTime {
    civic::now() + chrono::Duration::days(days)
}

/// Every outbound kind, made the way people make it.
pub(super) async fn record_all() -> Result<BTreeMap<String, Vec<Value>>> {
    let dir = tempfile::tempdir().map_err(crate::error::Error::internal)?;
    let path = dir.path().join("parvis.db");
    let db = Database::connect(&format!("sqlite://{}", path.display()), Backend::Sqlite, 2)?;
    db.migrate()?;
    civic::instance::ensure_instance_actor(&db, "Parvis")?;
    let commune = civic::communes::create_commune(&db, "belleville", "Belleville").await?;
    let admin = person(&db, "admin", Role::Admin).await?;
    let mayor = person(&db, "mayor", Role::Official).await?;
    let alice = person(&db, "alice", Role::Citizen).await?;
    let bob = person(&db, "bob", Role::Citizen).await?;
    let mut rec = Recorder {
        urls: Urls::new(Url::parse(BASE).map_err(crate::error::Error::internal)?),
        seen: BTreeMap::new(),
    };
    let commune = commune.id;
    let carol = db.run_blocking(|conn| {
        let carol = remote(conn, "carol", "Person")?;
        let town = remote(conn, "town", "Group")?;
        // Remote followers of alice, of the commune and of the mayor; bob's account needs approval.
        for target in [alice.actor_id, commune, mayor.actor_id] {
            civic::follows::remote_follow_received(
                conn,
                carol,
                target,
                &format!("https://remote.example/follows/{target}"),
            )?;
        }
        rec.drain(conn)?;
        follows(conn, &mut rec, &bob, carol)?;
        notes(conn, &mut rec, &alice, &mayor, carol)?;
        debates(conn, &mut rec, &admin, &mayor, &alice, carol, town)?;
        proposals(conn, &mut rec, &admin, &mayor, &alice, carol, town)?;
        polls(conn, &mut rec, &mayor, &alice, carol)?;
        newsletter(conn, &mut rec, &mayor)?;
        problems(conn, &mut rec, &admin, &alice, town)?;
        meetings(conn, &mut rec, &mayor, carol)?;
        events_elsewhere(conn, &mut rec, &alice, town)?;
        commitments(conn, &mut rec, &mayor)?;
        Ok(carol)
    })?;
    civic::profile::update_profile(
        &db,
        alice.actor_id,
        civic::profile::ProfileChange {
            display_name: "Alice Martin".into(),
            bio: "Habitante du <b>centre</b>.".into(),
            language: None,
        },
    )
    .await?;
    // The mayor's account is erased: its Delete goes to its followers' servers and to every server that was
    // sent something of it.
    db.run_blocking(|conn| {
        use crate::model::schema::delivered_servers;
        diesel::insert_into(delivered_servers::table)
            .values((
                delivered_servers::actor_id.eq(mayor.actor_id),
                delivered_servers::inbox.eq("https://other.example/inbox"),
            ))
            .execute(conn)?;
        rec.drain(conn)
    })?;
    civic::account_data::delete_account(&db, mayor.actor_id).await?;
    db.run_blocking(|conn| {
        rec.drain(conn)?;
        moderation(conn, &mut rec, &admin, &alice, carol)
    })?;
    Ok(rec.seen)
}

/// An issue of the commune's newsletter, written by the mayor, sent: the commune's `Create(Article)`.
fn newsletter(conn: &mut AnyConnection, rec: &mut Recorder, mayor: &Account) -> Result<()> {
    use civic::newsletter as n;
    let issue = n::create(
        conn,
        mayor,
        &n::Draft {
            title: "Lettre de juin".into(),
            body:
                "Les travaux de la **place** commencent lundi.\n\n- marché déplacé\n- parking fermé"
                    .into(),
        },
    )?;
    rec.drain(conn)?;
    n::send(conn, &rec.urls.base().clone(), mayor, issue)?;
    rec.drain(conn)
}

/// A problem report filed by alice (her name kept private), acknowledged by the admin (staff), then handed
/// to the partner's commune, which accepts it; and a report of that commune handed to ours, accepted and
/// moved on by the admin.
fn problems(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    admin: &Account,
    alice: &Account,
    town: RemoteActorId,
) -> Result<()> {
    use civic::problems as p;
    let voirie = p::add_category(conn, admin, "Voirie et trottoirs")?;
    let id = p::file(
        conn,
        alice,
        &p::NewProblem {
            category: voirie,
            description: "Un nid-de-poule profond devant l'école.\nDangereux pour les vélos."
                .into(),
            address: "12 rue des Écoles".into(),
            latitude: 45.7578,
            longitude: 4.832,
            name_private: true,
        },
    )?;
    rec.drain(conn)?;
    p::change_status(
        conn,
        admin,
        id,
        crate::model::ProblemStatus::Acknowledged,
        "Les services techniques passent jeudi.",
        None,
    )?;
    rec.drain(conn)?;
    diesel::insert_into(crate::model::schema::federation_rules::table)
        .values((
            crate::model::schema::federation_rules::domain.eq("remote.example"),
            crate::model::schema::federation_rules::rule.eq("allow"),
            crate::model::schema::federation_rules::partner.eq(true),
            crate::model::schema::federation_rules::created_at.eq(civic::now()),
        ))
        .execute(conn)?;
    let handover = p::hand_over(
        conn,
        admin,
        id,
        p::HandTo::Remote(town),
        "La route départementale est à vous.",
    )?;
    rec.drain(conn)?;
    p::remote_answer(conn, town, handover, true, "Nous nous en chargeons.")?;
    rec.drain(conn)?;
    let (copy, _) = p::store_remote(
        conn,
        &p::ReceivedProblem {
            ap_id: "https://remote.example/problems/9".into(),
            commune: town,
            url: "https://remote.example/problems/9".into(),
            name: "Lampadaire éteint".into(),
            category: "Éclairage".into(),
            html: "<p>Lampadaire éteint rue du Port.</p>".into(),
            address: "rue du Port".into(),
            latitude: 45.75,
            longitude: 4.84,
            status: crate::model::ProblemStatus::New,
            supporters: 0,
            duplicate_of: None,
            published: civic::now(),
        },
        &[],
        &[],
    )?;
    let offered = p::receive_offer(
        conn,
        copy,
        town,
        admin.commune_id,
        "https://remote.example/handovers/4",
        "Ce lampadaire est communal.",
    )?;
    p::answer_handover(conn, admin, offered, true, "")?;
    rec.drain(conn)?;
    p::change_handed_status(
        conn,
        admin,
        copy,
        crate::model::ProblemStatus::Resolved,
        "Ampoule changée.",
    )?;
    rec.drain(conn)
}

fn follows(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    bob: &Account,
    carol: RemoteActorId,
) -> Result<()> {
    use civic::follows::Target;
    civic::follows::follow(conn, bob.actor_id, Target::Remote(carol))?;
    civic::follows::unfollow(conn, bob.actor_id, Target::Remote(carol))?;
    rec.drain(conn)?;
    // Bob approves his followers: one request accepted, then one refused.
    diesel::update(crate::model::schema::actors::table.find(bob.actor_id))
        .set(crate::model::schema::actors::manually_approves_followers.eq(true))
        .execute(conn)?;
    civic::follows::remote_follow_received(
        conn,
        carol,
        bob.actor_id,
        "https://remote.example/follows/b1",
    )?;
    let pending = pending_follow(conn, bob.actor_id)?;
    civic::follows::authorize(conn, bob.actor_id, pending)?;
    civic::follows::remote_unfollowed(
        conn,
        carol,
        Some("https://remote.example/follows/b1"),
        Some(bob.actor_id),
    )?;
    civic::follows::remote_follow_received(
        conn,
        carol,
        bob.actor_id,
        "https://remote.example/follows/b2",
    )?;
    let pending = pending_follow(conn, bob.actor_id)?;
    civic::follows::reject(conn, bob.actor_id, pending)?;
    rec.drain(conn)
}

fn pending_follow(conn: &mut AnyConnection, target: ActorId) -> Result<crate::ids::FollowId> {
    use crate::model::schema::follows;
    Ok(follows::table
        .filter(follows::target_id.eq(target))
        .filter(follows::accepted.eq(false))
        .select(follows::id)
        .first(conn)?)
}

fn notes(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    alice: &Account,
    mayor: &Account,
    carol: RemoteActorId,
) -> Result<()> {
    let theirs = "https://remote.example/users/carol/statuses/1";
    civic::notes::receive_remote(
        conn,
        carol,
        civic::notes::RemotePost {
            ap_id: theirs,
            html: "<p>Bonjour</p>",
            visibility: Visibility::Public,
            in_reply_to: None,
            published: civic::now(),
            hashtags: &[],
            pictures: &[],
        },
    )?;
    for visibility in &[
        Visibility::Public,
        Visibility::Unlisted,
        Visibility::Private,
    ] {
        civic::notes::publish(
            conn,
            alice.actor_id,
            &format!("Un message {visibility}"),
            *visibility,
            None,
        )?;
    }
    let reply = civic::notes::publish(
        conn,
        alice.actor_id,
        "Une réponse <script>x</script> avec un lien https://example.org",
        Visibility::Public,
        Some(theirs.into()),
    )?;
    civic::notes::delete_local(conn, alice, reply.id)?;
    civic::notes::publish(
        conn,
        mayor.actor_id,
        "La mairie vous informe",
        Visibility::Public,
        None,
    )?;
    rec.drain(conn)
}

fn remote_page(
    ap_id: &str,
    town: RemoteActorId,
    author: Option<RemoteActorId>,
) -> civic::debates::RemoteDebate {
    civic::debates::RemoteDebate {
        ap_id: ap_id.into(),
        commune: town,
        author,
        title: "Un débat ailleurs".into(),
        question: "Que faire ?".into(),
        html: "<p>Corps</p>".into(),
        open: true,
        opens_at: None,
        closes_at: None,
        published: civic::now(),
    }
}

fn debates(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    admin: &Account,
    mayor: &Account,
    alice: &Account,
    carol: RemoteActorId,
    town: RemoteActorId,
) -> Result<()> {
    use civic::debates::{self as d, Answered, RemoteComment};
    let debate = d::open_debate(
        conn,
        mayor,
        d::NewDebate {
            title: "Le parc".into(),
            question: "Que faire du parc ?".into(),
            body: "Un **jardin** ?".into(),
            opens_at: None,
            closes_at: Some(date(30)),
            themes: vec![],
        },
    )?;
    rec.drain(conn)?;
    let mine = d::comment(
        conn,
        alice.actor_id,
        debate.id,
        None,
        "Des arbres.",
        Some(Stance::For),
    )?;
    d::comment(
        conn,
        alice.actor_id,
        debate.id,
        Some(mine.id),
        "Et des bancs.",
        None,
    )?;
    d::edit_comment(
        conn,
        alice.actor_id,
        mine.id,
        "Des arbres, beaucoup.",
        Some(Stance::For),
    )?;
    d::agree(conn, mayor.actor_id, mine.id, true)?;
    d::agree(conn, mayor.actor_id, mine.id, false)?;
    rec.drain(conn)?;
    d::remote_comment(
        conn,
        RemoteComment {
            author: carol,
            answered: Answered::Comment(mine.id),
            ap_id: "https://remote.example/users/carol/statuses/2".into(),
            html: "<p>D'accord</p>".into(),
            stance: Some(Stance::Against),
            published: civic::now(),
        },
    )?;
    let theirs = comment_by_ap_id(conn, "https://remote.example/users/carol/statuses/2")?;
    d::remote_agree(conn, carol, "https://remote.example/likes/1", mine.id)?;
    d::remote_disagree(conn, carol, "https://remote.example/likes/1", None)?;
    d::agree(conn, alice.actor_id, theirs, true)?;
    rec.drain(conn)?;
    d::hide_comment(conn, admin, theirs)?;
    rec.drain(conn)?;
    d::restore_comment(conn, admin, theirs)?;
    d::delete_comment(conn, alice.actor_id, mine.id)?;
    d::set_status(conn, mayor, debate.id, DebateStatus::Closed)?;
    rec.drain(conn)?;
    // A debate opened here from another server, and a debate hosted there answered from here.
    crate::civic::communes::set_description(
        conn,
        admin,
        "La commune de **Belleville**.\n\nLe marché est le *samedi*.",
    )?;
    d::set_openers(conn, admin, DebateOpeners::Everyone)?;
    d::remote_opened_debate(
        conn,
        admin.commune_id,
        remote_page("https://remote.example/pages/1", town, Some(carol)),
    )?;
    let copy = d::store_remote_debate(
        conn,
        remote_page("https://remote.example/pages/2", town, None),
        town,
    )?
    .ok_or_else(|| crate::error::Error::internal("no copy"))?;
    let answer = d::comment(conn, alice.actor_id, copy, None, "Depuis Belleville.", None)?;
    d::agree(conn, mayor.actor_id, answer.id, true)?;
    rec.drain(conn)
}

fn comment_by_ap_id(conn: &mut AnyConnection, ap_id: &str) -> Result<crate::ids::CommentId> {
    use crate::model::schema::comments;
    Ok(comments::table
        .filter(comments::ap_id.eq(ap_id))
        .select(comments::id)
        .first(conn)?)
}

fn proposals(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    admin: &Account,
    mayor: &Account,
    alice: &Account,
    carol: RemoteActorId,
    town: RemoteActorId,
) -> Result<()> {
    use civic::proposals as p;
    let _ = admin;
    let id = p::propose(
        conn,
        alice,
        p::NewProposal {
            title: "Un composteur".into(),
            summary: "Place du marché.".into(),
            body: "Pour les **déchets** verts.".into(),
            theme: None,
            place: Some("Place du marché".into()),
            coordinates: Some((47.5, 2.75)),
        },
    )?;
    rec.drain(conn)?;
    p::remote_follow(
        conn,
        carol,
        id,
        true,
        Some("https://remote.example/follows/p1"),
    )?;
    p::support(conn, mayor, id, true)?;
    rec.drain(conn)?;
    p::answer(
        conn,
        mayor,
        id,
        ProposalStatus::Accepted,
        "Nous le ferons au printemps.",
    )?;
    rec.drain(conn)?;
    // A proposal hosted on another server, supported from here and withdrawn.
    let copy = civic::debates::store_remote_debate(
        conn,
        remote_page("https://remote.example/pages/3", town, None),
        town,
    )?
    .ok_or_else(|| crate::error::Error::internal("no copy"))?;
    p::store_remote_proposal(
        conn,
        copy,
        p::RemoteProposal {
            status: ProposalStatus::Published,
            theme: None,
            place: None,
            coordinates: None,
            supports_residents: 0,
            supports_local: 0,
            supports_remote: 0,
            threshold: 10,
            answer: None,
        },
    )?;
    p::support(conn, alice, copy, true)?;
    p::support(conn, alice, copy, false)?;
    rec.drain(conn)
}

fn polls(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    mayor: &Account,
    alice: &Account,
    carol: RemoteActorId,
) -> Result<()> {
    use civic::polls as q;
    let id = q::create(
        conn,
        mayor,
        &q::NewPoll {
            question: "Quel jour pour le marché ?".into(),
            kind: PollKind::Single,
            options: vec!["Samedi".into(), "Dimanche".into()],
            closes_at: date(7),
            eligibility: Eligibility::Anyone,
            live_results: true,
            federated: true,
        },
    )?;
    let options = q::options(conn, id)?;
    q::vote(conn, alice, id, &[options[0].id])?;
    rec.drain(conn)?;
    // Another server's poll, voted on from here.
    let theirs = q::store_remote(
        conn,
        &q::RemoteQuestion {
            ap_id: "https://remote.example/users/carol/statuses/3".into(),
            author: carol,
            question: "Thé ou café ?".into(),
            multiple: true,
            options: vec![("Thé".into(), 0, 0), ("Café".into(), 0, 0)],
            voters: 0,
            other_voters: 0,
            closes_at: date(3),
            closed: false,
            eligibility: Eligibility::Anyone,
            live_results: true,
        },
    )?;
    let options = q::options(conn, theirs)?;
    q::vote(conn, alice, theirs, &[options[0].id, options[1].id])?;
    rec.drain(conn)
}

fn moderation(
    conn: &mut AnyConnection,
    rec: &mut Recorder,
    admin: &Account,
    alice: &Account,
    carol: RemoteActorId,
) -> Result<()> {
    use crate::model::{ModerationAction, ReportReason};
    use civic::moderation as m;
    let post = crate::model::schema::notes::table
        .filter(crate::model::schema::notes::remote_author_id.eq(carol))
        .select(crate::model::schema::notes::id)
        .first(conn)?;
    let report = m::report(
        conn,
        alice,
        m::Target::Note(post),
        ReportReason::Spam,
        "Publicité.",
    )?;
    m::resolve(
        conn,
        admin,
        report,
        &m::Decision {
            action: ModerationAction::Block,
            note: "Spam répété.".into(),
            days: None,
            forward: true,
        },
    )?;
    rec.drain(conn)?;
    let block = m::blocks(conn, admin)?
        .first()
        .map(|b| b.id)
        .ok_or_else(|| crate::error::Error::internal("no block"))?;
    m::unblock(conn, admin, block)?;
    rec.drain(conn)
}
