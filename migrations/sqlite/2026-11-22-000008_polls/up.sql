-- Questionnaires: several questions a commune asks together, answered once per account. Their choice and
-- scale questions are polls (below); free-text answers are kept apart.
CREATE TABLE questionnaires (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    intro_html TEXT NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    responses BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX questionnaires_commune ON questionnaires (commune_id, id);

-- A poll: one question and its options. Hosted here (a commune's, standalone or a questionnaire's item) or a
-- copy of a `Question` from another server (`ap_id` set, counts as its author last sent them).
CREATE TABLE polls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    ap_id TEXT UNIQUE,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    -- A questionnaire's questions come in the order of their ids.
    questionnaire_id BIGINT REFERENCES questionnaires (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'scale', 'text')),
    question TEXT NOT NULL,
    -- Who forms the official result; others' votes are kept as "other voices".
    eligibility TEXT NOT NULL DEFAULT 'anyone' CHECK (eligibility IN ('anyone', 'local', 'residents')),
    -- Counts shown while the vote runs, or only once it is closed.
    live_results BOOLEAN NOT NULL DEFAULT TRUE,
    -- Sent to other servers as a `Question` (a questionnaire's item only when asked).
    federated BOOLEAN NOT NULL DEFAULT TRUE,
    voters BIGINT NOT NULL DEFAULT 0,
    other_voters BIGINT NOT NULL DEFAULT 0,
    closes_at TIMESTAMP NOT NULL,
    -- A copy: its author said it is closed.
    closed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((commune_id IS NULL) = (ap_id IS NOT NULL))
);
CREATE INDEX polls_commune ON polls (commune_id, id);
CREATE INDEX polls_questionnaire ON polls (questionnaire_id, id);

CREATE TABLE poll_options (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    -- A vote names its option (Mastodon's `Note{name}`): names are unique within a poll.
    name TEXT NOT NULL,
    votes BIGINT NOT NULL DEFAULT 0,
    other_votes BIGINT NOT NULL DEFAULT 0,
    UNIQUE (poll_id, position),
    UNIQUE (poll_id, name)
);

-- One row per person and poll: whose vote counts officially, and who voted already. A vote stays counted when
-- its voter's account or actor goes; a person of another server is known by their actor id (`remote_ap_id`),
-- which stays when the stored actor is forgotten and fetched again.
CREATE TABLE poll_voters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    remote_actor_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL,
    remote_ap_id TEXT,
    official BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (poll_id, account_id),
    UNIQUE (poll_id, remote_ap_id)
);

CREATE TABLE poll_votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    voter_id BIGINT NOT NULL REFERENCES poll_voters (id) ON DELETE CASCADE,
    option_id BIGINT NOT NULL REFERENCES poll_options (id) ON DELETE CASCADE,
    -- The vote `Note`'s id, from another server.
    ap_id TEXT UNIQUE,
    UNIQUE (voter_id, option_id)
);
CREATE INDEX poll_votes_option ON poll_votes (option_id);

-- Answers to a questionnaire's free-text questions, kept without their author (nor the time they were given,
-- which would match the response's).
CREATE TABLE poll_texts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    poll_id BIGINT NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    body TEXT NOT NULL
);
CREATE INDEX poll_texts_poll ON poll_texts (poll_id, id);

-- Who answered a questionnaire (once each).
CREATE TABLE questionnaire_responses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    questionnaire_id BIGINT NOT NULL REFERENCES questionnaires (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (questionnaire_id, account_id)
);

-- Whether citizens (not only officials) may put a poll to the town.
ALTER TABLE communes ADD COLUMN citizen_polls BOOLEAN NOT NULL DEFAULT FALSE;
