-- Citizen proposals. A proposal is a debate (its title, summary, text and comment thread live in `debates`)
-- with this row beside it: where it stands, where it is, and its supports counted by kind of supporter.
CREATE TABLE proposals (
    debate_id BIGINT PRIMARY KEY REFERENCES debates (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'published' CHECK (status IN
        ('published', 'under_review', 'accepted', 'rejected', 'already_planned', 'in_progress', 'done')),
    theme_id BIGINT REFERENCES themes (id) ON DELETE SET NULL,
    -- The theme's name as its commune's server sent it, for a proposal hosted elsewhere.
    remote_theme TEXT,
    place TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    -- Supports of verified residents, of other local accounts, of people from other servers (as counted by
    -- the hosting commune, for a proposal hosted elsewhere).
    supports_residents BIGINT NOT NULL DEFAULT 0,
    supports_local BIGINT NOT NULL DEFAULT 0,
    supports_remote BIGINT NOT NULL DEFAULT 0,
    -- Resident supports that put it under review: the commune's setting when it was published.
    threshold BIGINT NOT NULL,
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX proposals_status ON proposals (status);

-- One support per person and proposal, from here or from elsewhere (a `Like`).
CREATE TABLE proposal_supports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debate_id BIGINT NOT NULL REFERENCES proposals (debate_id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    -- The `Like` id its server gave it, to apply its `Undo`.
    ap_id TEXT UNIQUE,
    -- How it was counted: 'resident', 'local' or 'remote'.
    category TEXT NOT NULL CHECK (category IN ('resident', 'local', 'remote')),
    created_at TIMESTAMP NOT NULL,
    CHECK ((author_id IS NULL) <> (remote_author_id IS NULL)),
    UNIQUE (debate_id, author_id),
    UNIQUE (debate_id, remote_author_id)
);
CREATE INDEX proposal_supports_author ON proposal_supports (author_id);

-- Every status a proposal went through, with the public answer given for it and who gave it (their name and
-- mandate as they were then, kept even if the account goes).
CREATE TABLE proposal_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debate_id BIGINT NOT NULL REFERENCES proposals (debate_id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    answer_html TEXT,
    answered_by BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    answerer_name TEXT NOT NULL DEFAULT '',
    answerer_mandate TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX proposal_history_proposal ON proposal_history (debate_id, id);

-- Who follows a proposal to hear of its answers: local accounts, and remote actors that sent a `Follow` of it.
CREATE TABLE proposal_followers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debate_id BIGINT NOT NULL REFERENCES proposals (debate_id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    remote_actor_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    CHECK ((account_id IS NULL) <> (remote_actor_id IS NULL)),
    UNIQUE (debate_id, account_id),
    UNIQUE (debate_id, remote_actor_id)
);

-- What a local account is told: a proposal it follows was answered or changed status, one reached its
-- threshold (for officials).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    debate_id BIGINT REFERENCES debates (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notifications_account ON notifications (account_id, id);

-- Resident supports a new proposal needs to be put under review.
ALTER TABLE communes ADD COLUMN proposal_threshold BIGINT NOT NULL DEFAULT 50 CHECK (proposal_threshold > 0);

-- An event not to be sent before this time: changes of counts wait a moment, so that a burst of supports
-- goes out as one `Update`.
ALTER TABLE outbox_events ADD COLUMN not_before TIMESTAMP;
