//! Mastodon's entities as apps read them: the attributes Mastodon 4.x documents as always present
//! (docs.joinmastodon.org/entities/…), each with its JSON type and whether it may be null. Attributes the
//! documentation marks optional are not required here; a value present must still have its type.

use serde_json::Value;

#[derive(Clone, Copy, Debug)]
pub enum Json {
    Str,
    Num,
    Bool,
    Array,
    Object,
}

use Json::*;

/// (attribute, type, nullable)
type Attr = (&'static str, Json, bool);

pub const ACCOUNT: &[Attr] = &[
    ("id", Str, false),
    ("username", Str, false),
    ("acct", Str, false),
    ("url", Str, false),
    ("display_name", Str, false),
    ("note", Str, false),
    ("avatar", Str, false),
    ("avatar_static", Str, false),
    ("header", Str, false),
    ("header_static", Str, false),
    ("locked", Bool, false),
    ("fields", Array, false),
    ("emojis", Array, false),
    ("bot", Bool, false),
    ("group", Bool, false),
    ("discoverable", Bool, true),
    ("created_at", Str, false),
    ("last_status_at", Str, true),
    ("statuses_count", Num, false),
    ("followers_count", Num, false),
    ("following_count", Num, false),
];

pub const STATUS: &[Attr] = &[
    ("id", Str, false),
    ("uri", Str, false),
    ("created_at", Str, false),
    ("account", Object, false),
    ("content", Str, false),
    ("visibility", Str, false),
    ("sensitive", Bool, false),
    ("spoiler_text", Str, false),
    ("media_attachments", Array, false),
    ("mentions", Array, false),
    ("tags", Array, false),
    ("emojis", Array, false),
    ("reblogs_count", Num, false),
    ("favourites_count", Num, false),
    ("replies_count", Num, false),
    ("url", Str, true),
    ("in_reply_to_id", Str, true),
    ("in_reply_to_account_id", Str, true),
    ("reblog", Object, true),
    ("poll", Object, true),
    ("card", Object, true),
    ("language", Str, true),
    ("text", Str, true),
    ("edited_at", Str, true),
];

/// Present when a token reads the post.
pub const STATUS_FOR_READER: &[Attr] = &[
    ("favourited", Bool, false),
    ("reblogged", Bool, false),
    ("muted", Bool, false),
    ("bookmarked", Bool, false),
    ("pinned", Bool, false),
];

pub const MENTION: &[Attr] = &[
    ("id", Str, false),
    ("username", Str, false),
    ("url", Str, false),
    ("acct", Str, false),
];

pub const NOTIFICATION: &[Attr] = &[
    ("id", Str, false),
    ("type", Str, false),
    ("group_key", Str, false),
    ("created_at", Str, false),
    ("account", Object, false),
];

pub const RELATIONSHIP: &[Attr] = &[
    ("id", Str, false),
    ("following", Bool, false),
    ("showing_reblogs", Bool, false),
    ("notifying", Bool, false),
    ("languages", Array, true),
    ("followed_by", Bool, false),
    ("blocking", Bool, false),
    ("blocked_by", Bool, false),
    ("muting", Bool, false),
    ("muting_notifications", Bool, false),
    ("requested", Bool, false),
    ("requested_by", Bool, false),
    ("domain_blocking", Bool, false),
    ("endorsed", Bool, false),
    ("note", Str, false),
];

pub const MEDIA_ATTACHMENT: &[Attr] = &[
    ("id", Str, false),
    ("type", Str, false),
    ("url", Str, false),
    ("preview_url", Str, true),
    ("remote_url", Str, true),
    ("meta", Object, false),
    ("description", Str, true),
    ("blurhash", Str, true),
];

pub const PREVIEW_CARD: &[Attr] = &[
    ("url", Str, false),
    ("title", Str, false),
    ("description", Str, false),
    ("type", Str, false),
    ("author_name", Str, false),
    ("author_url", Str, false),
    ("provider_name", Str, false),
    ("provider_url", Str, false),
    ("html", Str, false),
    ("width", Num, false),
    ("height", Num, false),
    ("image", Str, true),
    ("embed_url", Str, false),
    ("blurhash", Str, true),
];

pub const POLL: &[Attr] = &[
    ("id", Str, false),
    ("expires_at", Str, true),
    ("expired", Bool, false),
    ("multiple", Bool, false),
    ("votes_count", Num, false),
    ("voters_count", Num, true),
    ("options", Array, false),
    ("emojis", Array, false),
];

pub const POLL_OPTION: &[Attr] = &[("title", Str, false), ("votes_count", Num, true)];

pub const CONTEXT: &[Attr] = &[("ancestors", Array, false), ("descendants", Array, false)];

fn is(kind: Json, v: &Value) -> bool {
    match kind {
        Str => v.is_string(),
        Num => v.is_i64() || v.is_u64(),
        Bool => v.is_boolean(),
        Array => v.is_array(),
        Object => v.is_object(),
    }
}

/// Panics, naming every attribute missing or of the wrong type, unless `v` has `attrs`.
pub fn assert_has(what: &str, attrs: &[Attr], v: &Value) {
    let mut wrong = vec![];
    for (name, kind, nullable) in attrs {
        match v.get(name) {
            None => wrong.push(format!("{name} is missing")),
            Some(Value::Null) if *nullable => {}
            Some(found) if is(*kind, found) => {}
            Some(found) => wrong.push(format!("{name} is not {kind:?}: {found}")),
        }
    }
    assert!(wrong.is_empty(), "{what}: {}\n{v:#}", wrong.join("; "));
}

/// An account, with every attribute an app reads.
pub fn assert_account(v: &Value) {
    assert_has("Account", ACCOUNT, v);
}

/// A status and what it carries: its account, its mentions, the post a boost shares.
pub fn assert_status(v: &Value, with_reader: bool) {
    assert_has("Status", STATUS, v);
    if with_reader {
        assert_has("Status (for its reader)", STATUS_FOR_READER, v);
    }
    assert_account(&v["account"]);
    for mention in v["mentions"].as_array().into_iter().flatten() {
        assert_has("Mention", MENTION, mention);
    }
    for media in v["media_attachments"].as_array().into_iter().flatten() {
        assert_media(media);
    }
    if v["reblog"].is_object() {
        assert_status(&v["reblog"], with_reader);
    }
    if v["card"].is_object() {
        assert_has("PreviewCard", PREVIEW_CARD, &v["card"]);
        let kind = v["card"]["type"].as_str().unwrap_or_default();
        assert!(
            ["link", "photo", "video", "rich"].contains(&kind),
            "PreviewCard: type {kind}\n{v:#}"
        );
    }
    if v["poll"].is_object() {
        assert_poll(&v["poll"], with_reader);
    }
}

/// A poll (Mastodon's `Poll`) and its options; `voted` and `own_votes` when a token reads it.
pub fn assert_poll(v: &Value, with_reader: bool) {
    assert_has("Poll", POLL, v);
    for option in v["options"].as_array().into_iter().flatten() {
        assert_has("Poll option", POLL_OPTION, option);
    }
    if with_reader {
        assert_has(
            "Poll (for its reader)",
            &[("voted", Bool, false), ("own_votes", Array, false)],
            v,
        );
    }
}

/// A picture (Mastodon's `MediaAttachment`): its type one of Mastodon's.
pub fn assert_media(v: &Value) {
    assert_has("MediaAttachment", MEDIA_ATTACHMENT, v);
    let kind = v["type"].as_str().unwrap_or_default();
    assert!(
        ["unknown", "image", "gifv", "video", "audio"].contains(&kind),
        "MediaAttachment: type {kind}\n{v:#}"
    );
}

pub fn assert_notification(v: &Value) {
    assert_has("Notification", NOTIFICATION, v);
    assert_account(&v["account"]);
    if !v["status"].is_null() {
        assert_status(&v["status"], true);
    }
}

pub fn assert_relationship(v: &Value) {
    assert_has("Relationship", RELATIONSHIP, v);
}

pub fn assert_context(v: &Value) {
    assert_has("Context", CONTEXT, v);
    for s in v["ancestors"]
        .as_array()
        .into_iter()
        .chain(v["descendants"].as_array())
        .flatten()
    {
        assert_status(s, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "avatar is missing")]
    fn a_missing_attribute_is_named() {
        let mut account = serde_json::json!({});
        for (name, kind, _) in ACCOUNT {
            account[*name] = match kind {
                Str => "x".into(),
                Num => 1.into(),
                Bool => true.into(),
                Array => serde_json::json!([]),
                Object => serde_json::json!({}),
            };
        }
        assert_account(&account);
        account.as_object_mut().unwrap().remove("avatar");
        assert_account(&account);
    }

    #[test]
    #[should_panic(expected = "statuses_count is not Num")]
    fn a_wrong_type_is_named() {
        assert_has(
            "Account",
            &[("statuses_count", Num, false)],
            &serde_json::json!({"statuses_count": "3"}),
        );
    }
}
