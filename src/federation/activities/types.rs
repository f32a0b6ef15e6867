//! The ActivityStreams types Parvis tells apart, activities and objects, read from a document's `type` (the
//! first one when it lists several). Everything else reads as `Other`, which is never sent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::type_of;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApType {
    // Activities we act on.
    Follow,
    Accept,
    Reject,
    Undo,
    Create,
    Update,
    Delete,
    Announce,
    Like,
    Flag,
    // Activities of the vocabulary (and common extensions) accepted without effect.
    Add,
    Arrive,
    Block,
    Dislike,
    EmojiReact,
    Ignore,
    Invite,
    Join,
    Leave,
    Listen,
    Move,
    Offer,
    Read,
    Remove,
    TentativeAccept,
    TentativeReject,
    Travel,
    View,
    // Objects.
    Note,
    Page,
    Article,
    /// A poll (Mastodon's), also accepted without effect as an activity.
    Question,
    /// A meeting or an event (Mobilizon's shape).
    Event,
    #[serde(other)]
    Other,
}

impl ApType {
    /// The type a `type` string names.
    pub fn parse(raw: &str) -> ApType {
        serde_json::from_value(Value::String(raw.to_string())).unwrap_or(ApType::Other)
    }

    /// The type of an embedded document; `None` for a link or a document without a type.
    pub fn of(value: &Value) -> Option<ApType> {
        type_of(value).map(ApType::parse)
    }

    /// Activities answered 202 and otherwise ignored: answering keeps senders from retrying.
    pub fn is_accepted_without_effect(self) -> bool {
        matches!(
            self,
            ApType::Add
                | ApType::Arrive
                | ApType::Block
                | ApType::Dislike
                | ApType::EmojiReact
                | ApType::Ignore
                | ApType::Invite
                | ApType::Join
                | ApType::Leave
                | ApType::Listen
                | ApType::Move
                | ApType::Offer
                | ApType::Question
                | ApType::Read
                | ApType::Remove
                | ApType::TentativeAccept
                | ApType::TentativeReject
                | ApType::Travel
                | ApType::View
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_read_by_name_and_others_are_other() {
        assert_eq!(ApType::parse("Create"), ApType::Create);
        assert_eq!(ApType::parse("EmojiReact"), ApType::EmojiReact);
        assert_eq!(ApType::parse("ChatMessage"), ApType::Other);
        assert_eq!(ApType::parse("create"), ApType::Other);
        assert_eq!(ApType::parse(""), ApType::Other);
        assert_eq!(
            ApType::of(&serde_json::json!({"type": ["Page", "Article"]})),
            Some(ApType::Page)
        );
        assert_eq!(ApType::of(&serde_json::json!("https://a.example/x")), None);
        assert!(!ApType::Create.is_accepted_without_effect());
        assert!(ApType::Join.is_accepted_without_effect());
    }
}
