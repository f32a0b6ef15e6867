-- Reports to a commune's moderators: by someone here (a comment, a debate or an account, with a reason from
-- the charter), or by another server (a `Flag`, as Mastodon sends it from its instance actor).
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    reporter_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    remote_reporter_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL,
    -- The `Flag`'s id, for a report from another server.
    ap_id TEXT UNIQUE,
    comment_id BIGINT REFERENCES comments (id) ON DELETE SET NULL,
    debate_id BIGINT REFERENCES debates (id) ON DELETE SET NULL,
    account_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    reason TEXT NOT NULL CHECK (reason IN
        ('spam', 'insult', 'hate', 'misinformation', 'off_topic', 'privacy', 'illegal', 'other')),
    comment TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE INDEX reports_queue ON reports (commune_id, status, id);

-- The audit log: every moderation action, who took it (their name as it was), on what, when and why.
CREATE TABLE moderation_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    moderator_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    moderator_name TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('dismiss', 'hide', 'warn')),
    report_id BIGINT REFERENCES reports (id) ON DELETE SET NULL,
    -- What was acted on: the URL of the comment, debate or account.
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- Why, in the moderator's words (shown to a warned author).
    note TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX moderation_actions_commune ON moderation_actions (commune_id, id);

-- Warnings a local author was given (the message is the action's note).
CREATE TABLE warnings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    action_id BIGINT NOT NULL REFERENCES moderation_actions (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX warnings_account ON warnings (account_id, id);
