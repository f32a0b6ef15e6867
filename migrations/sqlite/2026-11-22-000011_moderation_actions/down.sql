DELETE FROM federation_rules WHERE rule = 'silence';
CREATE TABLE federation_rules_old (
    domain TEXT PRIMARY KEY,
    rule TEXT NOT NULL CHECK (rule IN ('allow', 'block')),
    partner BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    CHECK (NOT partner OR rule = 'allow')
);
INSERT INTO federation_rules_old SELECT domain, rule, partner, created_at FROM federation_rules;
DROP TABLE federation_rules;
ALTER TABLE federation_rules_old RENAME TO federation_rules;

DELETE FROM moderation_actions WHERE action NOT IN ('dismiss', 'hide', 'warn');
CREATE TABLE moderation_actions_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    moderator_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    moderator_name TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('dismiss', 'hide', 'warn')),
    report_id BIGINT REFERENCES reports (id) ON DELETE SET NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
INSERT INTO moderation_actions_old SELECT * FROM moderation_actions;
CREATE TABLE warnings_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    action_id BIGINT NOT NULL REFERENCES moderation_actions_old (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO warnings_old SELECT * FROM warnings;
DROP TABLE warnings;
DROP TABLE moderation_actions;
ALTER TABLE moderation_actions_old RENAME TO moderation_actions;
ALTER TABLE warnings_old RENAME TO warnings;
CREATE INDEX moderation_actions_commune ON moderation_actions (commune_id, id);
CREATE INDEX warnings_account ON warnings (account_id, id);

DROP TABLE remote_blocks;
ALTER TABLE reports DROP COLUMN note_id;
ALTER TABLE communes DROP COLUMN residents_only;
ALTER TABLE accounts DROP COLUMN suspended_until;
