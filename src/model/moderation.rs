//! Reports and moderation actions.

text_enum!(
    /// Why something is reported: what the charter forbids.
    ReportReason {
        Spam => "spam",
        Insult => "insult",
        Hate => "hate",
        Misinformation => "misinformation",
        OffTopic => "off_topic",
        Privacy => "privacy",
        Illegal => "illegal",
        Other => "other",
    }
);

text_enum!(
    /// What a moderator did.
    ModerationAction {
        Dismiss => "dismiss",
        Hide => "hide",
        Warn => "warn",
    }
);
