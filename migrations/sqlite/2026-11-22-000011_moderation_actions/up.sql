-- Suspending an account (until a time; for good is the year 9999), blocking a remote account from a commune or
-- from the whole instance, forwarding a report to another server, silencing a server, and a commune kept for
-- its residents (its content not public).
ALTER TABLE accounts ADD COLUMN suspended_until TIMESTAMP;
ALTER TABLE communes ADD COLUMN residents_only BOOLEAN NOT NULL DEFAULT FALSE;
-- A post (a Note, ours or another server's) can be reported too.
ALTER TABLE reports ADD COLUMN note_id BIGINT REFERENCES notes (id) ON DELETE SET NULL;

-- A remote account blocked by a commune, or by the instance (no commune). Known by its actor id, so that a
-- Delete and a new fetch of the same account do not lift the block.
CREATE TABLE remote_blocks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_ap_id TEXT NOT NULL,
    commune_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX remote_blocks_once ON remote_blocks (actor_ap_id, COALESCE(commune_id, 0));

-- SQLite cannot change a CHECK constraint: the audit log and the warnings pointing at it are copied into
-- tables with the longer list of actions.
CREATE TABLE moderation_actions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    moderator_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    moderator_name TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN
        ('dismiss', 'hide', 'warn', 'suspend', 'lift', 'block', 'block_instance', 'forward')),
    report_id BIGINT REFERENCES reports (id) ON DELETE SET NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
INSERT INTO moderation_actions_new SELECT id, commune_id, moderator_id, moderator_name, action, report_id,
    target, reason, note, at FROM moderation_actions;
CREATE TABLE warnings_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    action_id BIGINT NOT NULL REFERENCES moderation_actions_new (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO warnings_new SELECT id, account_id, action_id, created_at FROM warnings;
DROP TABLE warnings;
DROP TABLE moderation_actions;
ALTER TABLE moderation_actions_new RENAME TO moderation_actions;
ALTER TABLE warnings_new RENAME TO warnings;
CREATE INDEX moderation_actions_commune ON moderation_actions (commune_id, id);
CREATE INDEX warnings_account ON warnings (account_id, id);

CREATE TABLE federation_rules_new (
    domain TEXT PRIMARY KEY,
    rule TEXT NOT NULL CHECK (rule IN ('allow', 'silence', 'block')),
    partner BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    CHECK (NOT partner OR rule = 'allow')
);
INSERT INTO federation_rules_new SELECT domain, rule, partner, created_at FROM federation_rules;
DROP TABLE federation_rules;
ALTER TABLE federation_rules_new RENAME TO federation_rules;
