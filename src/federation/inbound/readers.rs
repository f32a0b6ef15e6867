//! Readers against documents shaped as Mastodon, Lemmy, GoToSocial and Fedify send them
//! (`federation-tests/fixtures/inbound/`): what `Inbound::read` makes of each, and what the type's reader
//! keeps of its object.

use serde_json::Value;

use super::{Inbound, Verb};
use crate::federation::activities::{ApType, Incoming, NoteObject, PageIn, is_public};
use crate::federation::debates::Relay;
use crate::model::RemoteActor;

fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("federation-tests/fixtures/inbound")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read(name: &str) -> Inbound {
    let incoming: Incoming =
        serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    Inbound::read(&incoming).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn note(name: &str, verb: Verb) -> NoteObject {
    match read(name) {
        Inbound::Note { verb: v, note } if v == verb => *note,
        other => panic!("{name}: {other:?}"),
    }
}

fn author(ap_id: &str) -> RemoteActor {
    RemoteActor::sample(ap_id, "Person")
}

#[test]
fn mastodon_posts_replies_and_votes() {
    let reply = note("mastodon-create-reply.json", Verb::Create);
    assert_eq!(
        reply.attributed_to.as_str(),
        "https://mastodon.example/users/alice"
    );
    assert_eq!(
        reply.in_reply_to.as_ref().map(url::Url::as_str),
        Some("https://parvis.example/debates/1")
    );
    assert!(reply.content.contains("Plutôt des arbres."));
    assert!(reply.to.iter().any(|a| is_public(a)));
    assert!(
        reply
            .cc
            .contains(&"https://parvis.example/communes/ville".to_string())
    );
    assert!(reply.published.is_some() && reply.name.is_none());
    // A vote has a name and no content; its `to` is one string.
    let vote = note("mastodon-vote.json", Verb::Create);
    assert_eq!(vote.name.as_deref(), Some("Samedi"));
    assert_eq!(vote.content, "");
    assert_eq!(
        vote.to,
        vec!["https://parvis.example/users/marie".to_string()]
    );
    assert_eq!(
        vote.in_reply_to.as_ref().map(url::Url::as_str),
        Some("https://parvis.example/polls/3")
    );
}

#[test]
fn mastodon_follows_likes_and_their_undo() {
    match read("mastodon-follow.json") {
        Inbound::Follow { object } => {
            assert_eq!(object.as_str(), "https://parvis.example/users/marie")
        }
        other => panic!("{other:?}"),
    }
    match read("mastodon-undo-follow.json") {
        Inbound::Unfollow { follow } => {
            assert_eq!(follow["object"], "https://parvis.example/users/marie")
        }
        other => panic!("{other:?}"),
    }
    match read("mastodon-accept.json") {
        Inbound::FollowAnswered { follow, accepted } => {
            assert!(accepted);
            assert_eq!(follow["id"], "https://parvis.example/follows/3");
        }
        other => panic!("{other:?}"),
    }
    match read("mastodon-like.json") {
        Inbound::Like { object } => {
            assert_eq!(
                object,
                Some(Value::from("https://parvis.example/debates/2"))
            )
        }
        other => panic!("{other:?}"),
    }
    match read("mastodon-undo-like.json") {
        Inbound::Unlike { like } => {
            assert_eq!(like, "https://mastodon.example/users/alice#likes/77")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mastodon_deletes_reports_boosts_and_profile_updates() {
    match read("mastodon-delete-actor.json") {
        Inbound::Delete { object } => assert_eq!(object, "https://mastodon.example/users/alice"),
        other => panic!("{other:?}"),
    }
    // A Tombstone is read by its id.
    match read("mastodon-delete-note.json") {
        Inbound::Delete { object } => {
            assert_eq!(object, "https://mastodon.example/users/alice/statuses/113")
        }
        other => panic!("{other:?}"),
    }
    match read("mastodon-flag.json") {
        Inbound::Flag { objects, content } => {
            assert_eq!(objects.len(), 3);
            assert_eq!(objects[0], "https://parvis.example/users/bob");
            assert_eq!(content, "Publicité répétée");
        }
        other => panic!("{other:?}"),
    }
    match read("mastodon-announce.json") {
        Inbound::Announce { object } => assert_eq!(object, "https://parvis.example/notes/3"),
        other => panic!("{other:?}"),
    }
    match read("mastodon-update-person.json") {
        Inbound::Update { object } => {
            assert_eq!(
                object.as_deref(),
                Some("https://mastodon.example/users/alice")
            )
        }
        other => panic!("{other:?}"),
    }
    for (name, kind) in [
        ("mastodon-block.json", ApType::Block),
        ("mastodon-move.json", ApType::Move),
    ] {
        match read(name) {
            Inbound::WithoutEffect(k) => assert_eq!(k, kind, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn a_mastodon_poll_is_read_with_its_options_and_counts() {
    let Inbound::Question { question } = read("mastodon-question.json") else {
        panic!("not a Question");
    };
    let q = crate::federation::polls::read_question(
        &question,
        &author("https://mastodon.example/users/alice"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(q.multiple);
    assert_eq!(q.question, "Thé ou café ?");
    let options: Vec<(&str, i64)> = q.options.iter().map(|o| (o.0.as_str(), o.1)).collect();
    assert_eq!(options, vec![("Thé", 2), ("Café", 1)]);
    assert_eq!(q.voters, 3);
    // Anyone else's Question is refused.
    assert!(
        crate::federation::polls::read_question(
            &question,
            &author("https://mastodon.example/users/mallory")
        )
        .is_err()
    );
}

#[test]
fn lemmy_comments_posts_votes_and_reports() {
    let comment = note("lemmy-create-comment.json", Verb::Create);
    assert_eq!(
        comment.in_reply_to.as_ref().map(url::Url::as_str),
        Some("https://parvis.example/comments/4")
    );
    // The HTML is read, not the Markdown source.
    assert!(comment.content.contains("<strong>bancs</strong>"));
    assert!(comment.published.is_some());
    let Inbound::Page { page } = read("lemmy-create-page.json") else {
        panic!("not a Page");
    };
    let page: PageIn = serde_json::from_value(page).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.name.as_deref(), Some("Un marché le dimanche ?"));
    assert_eq!(
        page.audience.as_ref().map(url::Url::as_str),
        Some("https://parvis.example/communes/ville")
    );
    // A Lemmy post is a debate, not a proposal.
    assert!(crate::federation::proposals::remote_proposal(&page).is_none());
    assert!(matches!(read("lemmy-like.json"), Inbound::Like { .. }));
    assert!(matches!(
        read("lemmy-dislike.json"),
        Inbound::WithoutEffect(ApType::Dislike)
    ));
    // A downvote, and its withdrawal, change nothing (docs/federation.md says why).
    assert!(matches!(
        read("lemmy-undo-dislike.json"),
        Inbound::UndoIgnored
    ));
    match read("lemmy-undo-like.json") {
        Inbound::Unlike { like } => {
            assert!(like.starts_with("https://lemmy.example/activities/like/"))
        }
        other => panic!("{other:?}"),
    }
    match read("lemmy-follow.json") {
        Inbound::Follow { object } => {
            assert_eq!(object.as_str(), "https://parvis.example/communes/ville")
        }
        other => panic!("{other:?}"),
    }
    match read("lemmy-delete.json") {
        Inbound::Delete { object } => assert_eq!(object, "https://lemmy.example/comment/51"),
        other => panic!("{other:?}"),
    }
    // Lemmy writes a report's reason in `summary`.
    match read("lemmy-flag.json") {
        Inbound::Flag { objects, content } => {
            assert_eq!(
                objects,
                vec!["https://parvis.example/comments/9".to_string()]
            );
            assert_eq!(content, "Propos insultants");
        }
        other => panic!("{other:?}"),
    }
}

/// What a Lemmy community relays (an `Announce` of its moderator's activity), as the announce reader sees it.
fn relayed(name: &str) -> Relay {
    match read(name) {
        Inbound::Announce { object } => {
            Relay::read(&object).unwrap_or_else(|e| panic!("{name}: {e}"))
        }
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn lemmy_removals_restores_and_edits() {
    // A moderator's removal: a Delete by someone who is not the comment's author (it hides the comment).
    assert_eq!(
        relayed("lemmy-remove-comment.json"),
        Relay::Delete {
            actor: url::Url::parse("https://lemmy.example/u/modo")
                .unwrap_or_else(|e| panic!("{e}")),
            object: "https://parvis.example/comments/14".into(),
        }
    );
    // Undone, it is shown again.
    assert_eq!(
        relayed("lemmy-restore-comment.json"),
        Relay::Restore {
            object: "https://parvis.example/comments/14".into(),
        }
    );
    // An edited post is read as a Page again: the debate's new title and text.
    let Inbound::Page { page } = read("lemmy-update-page.json") else {
        panic!("not a Page");
    };
    let page: PageIn = serde_json::from_value(page).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.name.as_deref(), Some("Un marché le dimanche matin ?"));
    assert!(page.content.contains("<em>De 8 h à 13 h.</em>"));
    // Undo of something a commune keeps no trace of is nothing, not an error.
    let undo_follow = serde_json::json!({
        "type": "Undo", "actor": "https://lemmy.example/u/modo",
        "object": {"type": "Follow", "id": "https://lemmy.example/activities/follow/1"}
    });
    assert_eq!(Relay::read(&undo_follow).ok(), Some(Relay::Nothing));
    // A Delete without an actor is refused.
    let anonymous =
        serde_json::json!({"type": "Delete", "object": "https://parvis.example/comments/14"});
    assert!(Relay::read(&anonymous).is_err());
}

#[test]
fn gotosocial_single_string_addresses_and_bare_ids() {
    let post = note("gotosocial-create-note.json", Verb::Create);
    assert_eq!(
        post.to,
        vec![crate::federation::activities::PUBLIC.to_string()]
    );
    assert_eq!(
        post.cc,
        vec!["https://gts.example/users/carol/followers".to_string()]
    );
    // A single Mention, not in a list.
    assert_eq!(post.tag.len(), 1);
    assert_eq!(post.tag[0]["href"], "https://parvis.example/users/marie");
    assert!(matches!(read("gotosocial-like.json"), Inbound::Like { .. }));
    assert!(matches!(
        read("gotosocial-follow.json"),
        Inbound::Follow { .. }
    ));
    match read("gotosocial-delete.json") {
        Inbound::Delete { object } => {
            assert_eq!(
                object,
                "https://gts.example/users/carol/statuses/01HXYZABCDEF0123456789ABCD"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fedify_compacted_documents() {
    let post = note("fedify-create-note.json", Verb::Create);
    assert_eq!(post.to, vec!["as:Public".to_string()]);
    assert!(post.to.iter().any(|a| is_public(a)));
    assert!(matches!(read("fedify-follow.json"), Inbound::Follow { .. }));
    match read("fedify-announce-create.json") {
        Inbound::Announce { object } => assert_eq!(ApType::of(&object), Some(ApType::Create)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        read("fedify-emoji-react.json"),
        Inbound::WithoutEffect(ApType::EmojiReact)
    ));
    let unknown: Incoming =
        serde_json::from_value(fixture("fedify-unknown.json")).unwrap_or_else(|e| panic!("{e}"));
    match Inbound::read(&unknown) {
        Err(e) => assert!(
            e.to_string()
                .contains("unknown activity type 'ChatMessage'"),
            "{e}"
        ),
        Ok(read) => panic!("an unknown type was read as {read:?}"),
    }
}

#[test]
fn a_parvis_problem_report_is_read_as_a_report_of_its_commune() {
    let Inbound::Problem { verb, page } = read("parvis-update-problem.json") else {
        panic!("not a problem report");
    };
    assert_eq!(verb, Verb::Update);
    let mut commune = author("https://ville.example/communes/ville");
    commune.kind = "Group".into();
    let (report, photos) =
        crate::federation::problems::read_report(&page, &commune).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.status, crate::model::ProblemStatus::Acknowledged);
    assert_eq!(report.category, "VoirieEtTrottoirs");
    assert_eq!(report.address, "12 rue des Écoles");
    assert_eq!(report.supporters, 1);
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].alt, "Le trou, vu du trottoir");
    // Only a commune publishes a report: the same Page from a person is refused.
    assert!(
        crate::federation::problems::read_report(
            &page,
            &author("https://ville.example/communes/ville")
        )
        .is_err()
    );
}

#[test]
fn mobilizon_events_joins_answers_and_leaves() {
    use crate::federation::meetings::elsewhere::read_event;
    let urls = crate::federation::urls::Urls::new(
        url::Url::parse("https://parvis.example").unwrap_or_else(|e| panic!("{e}")),
    );
    // A group's event, created by the person organising it: read as the group's.
    let Inbound::Event { verb, event } = read("mobilizon-create-event.json") else {
        panic!("not an event");
    };
    assert_eq!(verb, Verb::Create);
    let camille = author("https://mobilizon.example/@camille");
    let (read_event_1, group) = read_event(&event, &camille).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        group.as_ref().map(url::Url::as_str),
        Some("https://mobilizon.example/@repair_cafe")
    );
    assert_eq!(read_event_1.title, "Repair café du quartier");
    assert_eq!(read_event_1.starts_at.to_string(), "2027-03-13 13:00:00");
    assert_eq!(
        read_event_1.address,
        "Maison des associations, 10 rue Jangot, 69007 Lyon"
    );
    assert_eq!(read_event_1.capacity, Some(30));
    assert_eq!(
        read_event_1.online_url.as_deref(),
        Some("https://repair.example/")
    );
    assert_eq!(read_event_1.status, crate::model::MeetingStatus::Scheduled);
    // The group's Announce of it, cancelled and online only.
    let Inbound::Announce { object } = read("mobilizon-announce-event.json") else {
        panic!("not an announce");
    };
    let mut group = author("https://mobilizon.example/@repair_cafe");
    group.kind = "Group".into();
    let (announced, _) = read_event(&object, &group).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(announced.status, crate::model::MeetingStatus::Cancelled);
    assert_eq!(announced.address, "");
    assert_eq!(
        announced.online_url.as_deref(),
        Some("https://meet.example/repair")
    );
    // A Join and a Leave name our meeting.
    for (name, joins) in [
        ("mobilizon-join.json", true),
        ("mobilizon-leave.json", false),
    ] {
        match read(name) {
            Inbound::Participation { object, joining } => {
                assert_eq!(joining, joins, "{name}");
                assert_eq!(
                    urls.parse_meeting(&object),
                    Some(crate::ids::MeetingId(4)),
                    "{name}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Its Accept embeds our Join: read as the answer to our registration.
    match read("mobilizon-accept-join.json") {
        Inbound::FollowAnswered { follow, accepted } => {
            assert!(accepted);
            let join = crate::federation::activities::id_of(&follow).unwrap_or_default();
            assert_eq!(
                urls.parse_event_join(join),
                Some(crate::ids::RemoteParticipationId(12))
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_fixture_is_read_by_a_test() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("federation-tests/fixtures/inbound");
    let source = include_str!("readers.rs");
    let mut unread = vec![];
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
        let name = entry.unwrap_or_else(|e| panic!("{e}")).file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".json") && !source.contains(&format!("\"{name}\"")) {
            unread.push(name.to_string());
        }
    }
    assert!(unread.is_empty(), "fixtures no test reads: {unread:?}");
}
