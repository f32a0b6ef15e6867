//! The only place local ActivityPub URLs are built.

use url::Url;

use crate::model::{ActorKind, Username};

/// Builds every local URL from the configured public URL.
#[derive(Clone, Debug)]
pub struct Urls {
    base: Url,
}

impl Urls {
    pub fn new(base: Url) -> Urls {
        Urls { base }
    }

    /// The URL of this instance at `path` (a path without query).
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url
    }

    /// `host[:port]` as it appears in `acct:user@host`.
    pub fn authority(&self) -> String {
        match self.base.port() {
            Some(port) => format!("{}:{port}", self.host()),
            None => self.host().to_string(),
        }
    }

    pub fn host(&self) -> &str {
        self.base.host_str().unwrap_or("localhost")
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The id of a local actor; the same URL serves its HTML page.
    pub fn actor(&self, kind: ActorKind, username: &Username) -> Url {
        self.join(&crate::model::actor::actor_path(kind, username.as_str()))
    }

    /// Which local actor a URL of ours names, if any (WebFinger accepts actor URLs as resources).
    pub fn parse_actor(&self, url: &Url) -> Option<(ActorKind, String)> {
        if url.origin() != self.base.origin() {
            return None;
        }
        let segments: Vec<&str> = url.path_segments()?.collect();
        match segments.as_slice() {
            ["actor"] => Some((ActorKind::Application, Username::instance().to_string())),
            ["communes", name] => Some((ActorKind::Commune, (*name).to_string())),
            ["users", name] => Some((ActorKind::Person, (*name).to_string())),
            _ => None,
        }
    }

    fn under(actor: &Url, leaf: &str) -> Url {
        let mut url = actor.clone();
        url.set_path(&format!("{}/{leaf}", actor.path()));
        url
    }

    pub fn inbox(&self, actor: &Url) -> Url {
        Self::under(actor, "inbox")
    }

    pub fn outbox(&self, actor: &Url) -> Url {
        Self::under(actor, "outbox")
    }

    pub fn followers(&self, actor: &Url) -> Url {
        Self::under(actor, "followers")
    }

    /// A commune's moderators: those who speak for it (officials, moderators, admins).
    pub fn moderators(&self, actor: &Url) -> Url {
        let mut url = actor.clone();
        url.set_path(&format!("{}/moderators", actor.path()));
        url
    }

    pub fn following(&self, actor: &Url) -> Url {
        Self::under(actor, "following")
    }

    /// A local post.
    pub fn note(&self, id: crate::ids::NoteId) -> Url {
        self.join(&format!("/notes/{id}"))
    }

    /// A stored picture of a post (or its thumbnail), by its file name.
    pub fn attachment(&self, file: &str) -> Url {
        self.join(&format!("/media/attachments/{file}"))
    }

    /// A Follow sent by a local account; its id is what the remote `Accept` or `Reject` names.
    pub fn follow(&self, id: crate::ids::FollowId) -> Url {
        self.join(&format!("/follows/{id}"))
    }

    /// A `Block` we sent: its `Undo` names it again.
    pub fn block(&self, id: i64) -> Url {
        self.join(&format!("/blocks/{id}"))
    }

    /// Any other activity we send: a random name, since nothing refers to it afterwards.
    pub fn activity(&self) -> Url {
        use rand::RngCore;
        let mut bytes = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut bytes);
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        self.join(&format!("/activities/{name}"))
    }

    /// Which local Follow a URL names, if any.
    pub fn parse_follow(&self, url: &str) -> Option<crate::ids::FollowId> {
        self.parse_numbered(url, "follows")
            .map(crate::ids::FollowId)
    }

    /// Which local post a URL names, if any.
    pub fn parse_note(&self, url: &str) -> Option<crate::ids::NoteId> {
        self.parse_numbered(url, "notes").map(crate::ids::NoteId)
    }

    fn parse_numbered(&self, url: &str, collection: &str) -> Option<i64> {
        let url = Url::parse(url).ok()?;
        if url.origin() != self.base.origin() {
            return None;
        }
        let segments: Vec<&str> = url.path_segments()?.collect();
        match segments.as_slice() {
            [c, id] if *c == collection => id.parse().ok(),
            _ => None,
        }
    }

    /// A debate (a `Page`); the same URL is its page for people.
    pub fn debate(&self, id: crate::ids::DebateId) -> Url {
        self.join(&format!("/debates/{id}"))
    }

    /// The `Create` of a debate: not served, but stable, so that the commune's `Announce` can embed it.
    pub fn debate_create(&self, id: crate::ids::DebateId) -> Url {
        self.join(&format!("/debates/{id}/create"))
    }

    /// A comment written here (a `Note`).
    pub fn comment(&self, id: crate::ids::CommentId) -> Url {
        self.join(&format!("/comments/{id}"))
    }

    /// An "agree" (a `Like`) given here.
    pub fn like(&self, id: i64) -> Url {
        self.join(&format!("/likes/{id}"))
    }

    /// A favourite of a post (a `Like`) given here; not served, named again by its `Undo`.
    pub fn favourite(&self, id: crate::ids::FavouriteId) -> Url {
        self.join(&format!("/favourites/{id}"))
    }

    /// The `Announce` of a boost made here (the boost is a post of ours); not served, named by its `Undo`.
    pub fn reblog(&self, id: crate::ids::NoteId) -> Url {
        self.join(&format!("/notes/{id}/announce"))
    }

    /// The page of a hashtag's posts.
    pub fn tag(&self, name: &str) -> Url {
        let mut url = self.join("/tags/");
        url.path_segments_mut()
            .map(|mut p| {
                p.pop_if_empty().push(name);
            })
            .ok();
        url
    }

    /// A proposal's page for people (its `Page` id is its debate's).
    pub fn proposal(&self, id: crate::ids::DebateId) -> Url {
        self.join(&format!("/proposals/{id}"))
    }

    /// An official answer to a proposal, as the `Note` its commune sends.
    pub fn proposal_answer(&self, id: crate::ids::DebateId, change: i64) -> Url {
        self.join(&format!("/proposals/{id}/answers/{change}"))
    }

    /// A support given here (a `Like` of a proposal hosted elsewhere).
    pub fn support(&self, id: i64) -> Url {
        self.join(&format!("/supports/{id}"))
    }

    /// A poll hosted here (its `Question` and its page).
    pub fn poll(&self, id: crate::ids::PollId) -> Url {
        self.join(&format!("/polls/{id}"))
    }

    /// The `Create` of a poll: not served, but stable, like a debate's.
    pub fn poll_create(&self, id: crate::ids::PollId) -> Url {
        self.join(&format!("/polls/{id}/create"))
    }

    /// An issue of a commune's newsletter: its page, and its `Article`.
    pub fn newsletter(&self, id: crate::ids::NewsletterId) -> Url {
        self.join(&crate::civic::newsletter::path(id))
    }

    /// The `Create` of a newsletter's `Article`: not served, but stable, like a debate's.
    pub fn newsletter_create(&self, id: crate::ids::NewsletterId) -> Url {
        self.join(&format!("{}/create", crate::civic::newsletter::path(id)))
    }

    /// A problem report: its page, and its `Page`.
    pub fn problem(&self, id: crate::ids::ProblemId) -> Url {
        self.join(&format!("/problems/{id}"))
    }

    /// A photo of a report (served to everyone once accepted).
    pub fn problem_photo(&self, id: crate::ids::ProblemId, photo: i64) -> Url {
        self.join(&format!("/problems/{id}/photos/{photo}"))
    }

    /// The `Create` of a report's `Page`: not served, but stable.
    pub fn problem_create(&self, id: crate::ids::ProblemId) -> Url {
        self.join(&format!("/problems/{id}/create"))
    }

    /// A meeting (its `Event`, and its page for people).
    pub fn meeting(&self, id: crate::ids::MeetingId) -> Url {
        self.join(&format!("/meetings/{id}"))
    }

    /// An official's commitment (a `Page`; the same URL is its page for people).
    pub fn commitment(&self, id: crate::ids::CommitmentId) -> Url {
        self.join(&format!("/commitments/{id}"))
    }

    /// The `Create` of a commitment's `Page` (not served).
    pub fn commitment_create(&self, id: crate::ids::CommitmentId) -> Url {
        self.join(&format!("/commitments/{id}/create"))
    }

    /// The PDF of a meeting's minutes.
    pub fn meeting_minutes_pdf(&self, id: crate::ids::MeetingId) -> Url {
        self.join(&format!("/meetings/{id}/minutes.pdf"))
    }

    /// The `Create` of a meeting's `Event`: not served, but stable.
    pub fn meeting_create(&self, id: crate::ids::MeetingId) -> Url {
        self.join(&format!("/meetings/{id}/create"))
    }

    pub fn parse_meeting(&self, url: &str) -> Option<crate::ids::MeetingId> {
        self.parse_numbered(url, "meetings")
            .map(crate::ids::MeetingId)
    }

    /// The `Join` of someone here registering for an event of another server (not served).
    pub fn event_join(&self, id: crate::ids::RemoteParticipationId) -> Url {
        self.join(&format!("/joins/{id}"))
    }

    /// Its `Leave` (not served).
    pub fn event_leave(&self, id: crate::ids::RemoteParticipationId) -> Url {
        self.join(&format!("/joins/{id}/leave"))
    }

    pub fn parse_event_join(&self, url: &str) -> Option<crate::ids::RemoteParticipationId> {
        self.parse_numbered(url, "joins")
            .map(crate::ids::RemoteParticipationId)
    }

    /// A report handed from a commune here to another server's (the `Offer`'s id; not served).
    pub fn handover(&self, id: crate::ids::HandoverId) -> Url {
        self.join(&format!("/handovers/{id}"))
    }

    /// The answer of a commune here to another server's offer (the `Accept` or `Reject`; not served).
    pub fn handover_answer(&self, id: crate::ids::HandoverId) -> Url {
        self.join(&format!("/handovers/{id}/answer"))
    }

    pub fn parse_handover(&self, url: &str) -> Option<crate::ids::HandoverId> {
        self.parse_numbered(url, "handovers")
            .map(crate::ids::HandoverId)
    }

    pub fn parse_problem(&self, url: &str) -> Option<crate::ids::ProblemId> {
        self.parse_numbered(url, "problems")
            .map(crate::ids::ProblemId)
    }

    /// A questionnaire's page.
    pub fn questionnaire(&self, id: crate::ids::QuestionnaireId) -> Url {
        self.join(&format!("/questionnaires/{id}"))
    }

    /// A vote given here on another server's poll (a `Note` naming the option).
    pub fn vote(&self, id: i64) -> Url {
        self.join(&format!("/votes/{id}"))
    }

    pub fn parse_poll(&self, url: &str) -> Option<crate::ids::PollId> {
        self.parse_numbered(url, "polls").map(crate::ids::PollId)
    }

    pub fn parse_debate(&self, url: &str) -> Option<crate::ids::DebateId> {
        self.parse_numbered(url, "debates")
            .map(crate::ids::DebateId)
    }

    pub fn parse_comment(&self, url: &str) -> Option<crate::ids::CommentId> {
        self.parse_numbered(url, "comments")
            .map(crate::ids::CommentId)
    }

    /// Whether a URL is on this instance.
    pub fn is_local(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    pub fn shared_inbox(&self) -> Url {
        self.join("/inbox")
    }

    pub fn key_id(&self, actor: &Url) -> Url {
        let mut url = actor.clone();
        url.set_fragment(Some("main-key"));
        url
    }

    pub fn webfinger_template(&self) -> String {
        format!("{}.well-known/webfinger?resource={{uri}}", self.base)
    }

    pub fn nodeinfo(&self) -> Url {
        self.join("/nodeinfo/2.1")
    }
}

/// The URLs this layer builds are what civic recognises as its own.
impl crate::civic::LocalIds for Urls {
    fn debate(&self, id: &str) -> Option<crate::ids::DebateId> {
        self.parse_debate(id)
    }

    fn comment(&self, id: &str) -> Option<crate::ids::CommentId> {
        self.parse_comment(id)
    }

    fn poll(&self, id: &str) -> Option<crate::ids::PollId> {
        self.parse_poll(id)
    }

    fn actor(&self, id: &str) -> Option<(ActorKind, String)> {
        Url::parse(id).ok().and_then(|u| self.parse_actor(&u))
    }

    fn note(&self, id: &str) -> Option<crate::ids::NoteId> {
        self.parse_note(id)
    }

    fn note_id(&self, note: crate::ids::NoteId) -> String {
        Urls::note(self, note).to_string()
    }

    fn civic_id(&self, what: crate::model::CivicRef) -> String {
        use crate::model::CivicRef;
        match what {
            CivicRef::Debate(id) => Urls::debate(self, id),
            CivicRef::Comment(id) => Urls::comment(self, id),
            CivicRef::Poll(id) => Urls::poll(self, id),
            CivicRef::Problem(id) => Urls::problem(self, id),
            CivicRef::Meeting(id) => Urls::meeting(self, id),
        }
        .to_string()
    }

    fn civic(&self, id: &str) -> Option<crate::model::CivicRef> {
        use crate::model::CivicRef;
        (self.parse_debate(id).map(CivicRef::Debate))
            .or_else(|| {
                self.parse_numbered(id, "proposals")
                    .map(|d| CivicRef::Debate(crate::ids::DebateId(d)))
            })
            .or_else(|| self.parse_comment(id).map(CivicRef::Comment))
            .or_else(|| self.parse_poll(id).map(CivicRef::Poll))
            .or_else(|| self.parse_problem(id).map(CivicRef::Problem))
            .or_else(|| self.parse_meeting(id).map(CivicRef::Meeting))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn actor_urls_round_trip() {
        let urls = Urls::new(Url::parse("https://ville.example").unwrap());
        let marie = Username::parse("marie").unwrap();
        let id = urls.actor(ActorKind::Person, &marie);
        assert_eq!(id.as_str(), "https://ville.example/users/marie");
        assert_eq!(
            urls.inbox(&id).as_str(),
            "https://ville.example/users/marie/inbox"
        );
        assert_eq!(
            urls.key_id(&id).as_str(),
            "https://ville.example/users/marie#main-key"
        );
        assert_eq!(
            urls.parse_actor(&id),
            Some((ActorKind::Person, "marie".into()))
        );
        let other = Url::parse("https://elsewhere.example/users/marie").unwrap();
        assert_eq!(urls.parse_actor(&other), None);
        assert_eq!(urls.authority(), "ville.example");
        let follow = urls.follow(crate::ids::FollowId(12));
        assert_eq!(
            urls.parse_follow(follow.as_str()),
            Some(crate::ids::FollowId(12))
        );
        assert_eq!(
            urls.parse_follow("https://elsewhere.example/follows/12"),
            None
        );
        assert_eq!(urls.parse_note("https://ville.example/notes/x"), None);
        let debate = urls.debate(crate::ids::DebateId(3));
        assert_eq!(
            urls.parse_debate(debate.as_str()),
            Some(crate::ids::DebateId(3))
        );
        let comment = urls.comment(crate::ids::CommentId(4));
        assert_eq!(
            urls.parse_comment(comment.as_str()),
            Some(crate::ids::CommentId(4))
        );
        assert_eq!(urls.parse_debate(comment.as_str()), None);
        assert_ne!(urls.activity(), urls.activity());
        let dev = Urls::new(Url::parse("http://localhost:8080").unwrap());
        assert_eq!(dev.authority(), "localhost:8080");
    }
}
