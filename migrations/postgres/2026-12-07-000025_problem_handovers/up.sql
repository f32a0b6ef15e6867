-- A problem report handed from the commune where it was filed to the authority that can fix it (another
-- commune here, or a partner's commune on another server), which accepts or declines it. One row per
-- hand-over, on each side:
-- - filed here, handed to a commune here: problem_id, from_commune_id, to_commune_id;
-- - filed here, offered to another server's commune: problem_id, from_commune_id, to_remote_id;
-- - filed elsewhere, offered to a commune here: remote_problem_id, from_remote_id, to_commune_id, offer_ap_id.
-- Once accepted, the receiving commune sets the report's status (by_remote_id on the history when it is on
-- another server); the commune where it was filed publishes each change to its followers.
CREATE TABLE problem_handovers (
    id BIGSERIAL PRIMARY KEY,
    problem_id BIGINT REFERENCES problems (id) ON DELETE CASCADE,
    remote_problem_id BIGINT REFERENCES remote_problems (id) ON DELETE CASCADE,
    from_commune_id BIGINT REFERENCES actors (id),
    from_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    to_commune_id BIGINT REFERENCES actors (id),
    to_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    offer_ap_id TEXT UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('offered', 'accepted', 'declined')),
    message TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    offered_by BIGINT REFERENCES actors (id),
    answered_by BIGINT REFERENCES actors (id),
    created_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    CHECK ((problem_id IS NULL) <> (remote_problem_id IS NULL))
);
CREATE INDEX problem_handovers_problem ON problem_handovers (problem_id);
CREATE INDEX problem_handovers_remote_problem ON problem_handovers (remote_problem_id);
-- At most one hand-over of a report waiting or accepted at a time (two clicks, two offers: one wins).
CREATE UNIQUE INDEX problem_handovers_active ON problem_handovers (problem_id) WHERE state <> 'declined';
CREATE UNIQUE INDEX problem_handovers_remote_active ON problem_handovers (remote_problem_id)
    WHERE state <> 'declined';
CREATE INDEX problem_handovers_to ON problem_handovers (to_commune_id, state);

ALTER TABLE problem_history ADD COLUMN by_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL;
