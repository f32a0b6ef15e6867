-- The council of each commune as the national register of elected officials (RNE) lists it: one row per
-- councillor, a record and not an actor (it publishes nothing and has no key) until the official claims it
-- with their account. Only the name, the function and the dates are kept (never the birth date, sex or
-- profession the register also carries). A councillor absent from a later import has their mandate ended on
-- that import's date. The commune's INSEE code says which rows of the national file are its own.
ALTER TABLE communes ADD COLUMN insee_code TEXT;
CREATE UNIQUE INDEX communes_insee ON communes (insee_code);

CREATE TABLE council_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    family_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    function TEXT NOT NULL,
    mandate_since DATE NOT NULL,
    function_since DATE,
    ended_on DATE,
    account_id BIGINT REFERENCES accounts (actor_id) ON DELETE SET NULL,
    mandate_id BIGINT REFERENCES mandates (id) ON DELETE SET NULL,
    claim_code_hash TEXT UNIQUE,
    claim_code_expires TIMESTAMP,
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (commune_id, family_name, given_name, mandate_since)
);
CREATE INDEX council_members_account ON council_members (account_id);

-- One-time codes tried by an account (right or wrong), per purpose (claiming a council profile, a residency
-- letter): at most a few an hour, so that a code is not guessed.
CREATE TABLE code_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('council_claim', 'residency_letter', 'residency_list')),
    at TIMESTAMP NOT NULL
);
CREATE INDEX code_attempts_account ON code_attempts (account_id, purpose, at);

-- The audit log keeps the admin's changes of roles, mandates and council profiles too. SQLite cannot change a
-- CHECK constraint: the log and the warnings pointing at it are copied into tables with the longer list.
CREATE TABLE moderation_actions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    moderator_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    moderator_name TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN
        ('dismiss', 'hide', 'warn', 'suspend', 'lift', 'block', 'block_instance', 'forward',
         'role_change', 'mandate_change', 'council_claim')),
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
