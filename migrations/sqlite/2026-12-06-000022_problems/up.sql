-- Problem reports (signalements): a resident reports a pothole, a broken street light… at a place, in a
-- category the commune's admin manages; the commune's staff move it through its statuses, each change with
-- a public message kept in its history; others say "I have this problem too" (here, or a Like from
-- another server).
CREATE TABLE problem_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    name TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (commune_id, name)
);

CREATE TABLE problems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    author_id BIGINT REFERENCES actors (id),
    category_id BIGINT NOT NULL REFERENCES problem_categories (id),
    description TEXT NOT NULL,
    address TEXT NOT NULL,
    latitude DOUBLE PRECISION NOT NULL,
    longitude DOUBLE PRECISION NOT NULL,
    name_private BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL CHECK (status IN ('new', 'acknowledged', 'in_progress', 'resolved', 'rejected', 'duplicate')),
    duplicate_of BIGINT REFERENCES problems (id),
    supporters BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Near-duplicates are looked for in a small box of latitude and longitude, in one commune and category.
CREATE INDEX problems_nearby ON problems (commune_id, category_id, latitude, longitude);
CREATE INDEX problems_queue ON problems (commune_id, status, created_at);
CREATE INDEX problems_author ON problems (author_id);

CREATE TABLE problem_supporters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    problem_id BIGINT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (actor_id) ON DELETE CASCADE,
    remote_actor_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    like_ap_id TEXT,
    created_at TIMESTAMP NOT NULL,
    CHECK ((account_id IS NULL) <> (remote_actor_id IS NULL))
);
CREATE UNIQUE INDEX problem_supporters_local ON problem_supporters (problem_id, account_id);
CREATE UNIQUE INDEX problem_supporters_remote ON problem_supporters (problem_id, remote_actor_id);
CREATE INDEX problem_supporters_like ON problem_supporters (like_ap_id);

CREATE TABLE problem_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    problem_id BIGINT NOT NULL REFERENCES problems (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    by_id BIGINT REFERENCES actors (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX problem_history_problem ON problem_history (problem_id, id);

-- The commune's area: a box of latitude and longitude (absent: reports anywhere are taken).
ALTER TABLE communes ADD COLUMN area_south DOUBLE PRECISION;
ALTER TABLE communes ADD COLUMN area_west DOUBLE PRECISION;
ALTER TABLE communes ADD COLUMN area_north DOUBLE PRECISION;
ALTER TABLE communes ADD COLUMN area_east DOUBLE PRECISION;
