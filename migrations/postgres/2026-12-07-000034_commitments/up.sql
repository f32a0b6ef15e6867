-- Commitments of a commune's officials (an action plan): what they promise, its milestones and dates, how far
-- it has come (0-100 %) and where it stands; it may answer a proposal. People follow a commitment and are told
-- of its progress; it federates as the official's Page with parvis: terms.
CREATE TABLE commitments (
    id BIGSERIAL PRIMARY KEY,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    official_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'done', 'abandoned')),
    progress INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    due_on DATE,
    proposal_id BIGINT REFERENCES debates (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX commitments_commune ON commitments (commune_id, id);

CREATE TABLE commitment_milestones (
    id BIGSERIAL PRIMARY KEY,
    commitment_id BIGINT NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_on DATE,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (commitment_id, position)
);

CREATE TABLE commitment_followers (
    commitment_id BIGINT NOT NULL REFERENCES commitments (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    PRIMARY KEY (commitment_id, account_id)
);
