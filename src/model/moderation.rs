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
        Suspend => "suspend",
        Lift => "lift",
        Block => "block",
        BlockInstance => "block_instance",
        Forward => "forward",
        RoleChange => "role_change",
        MandateChange => "mandate_change",
        CouncilClaim => "council_claim",
    }
);

text_enum!(
    /// With whom the instance federates.
    FederationMode {
        Open => "open",
        Allowlist => "allowlist",
        Closed => "closed",
    }
);

text_enum!(
    /// The admin's word on one server.
    ServerRule {
        Allow => "allow",
        Silence => "silence",
        Block => "block",
    }
);
