-- Problem reports of communes on other servers that people here follow, as their commune's Page says them
-- (category, place, status, supporters: the commune's word, believed only from its own server), and their
-- photos, fetched once through the guarded client and kept as our own files (no hot-linking).
CREATE TABLE remote_problems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    commune_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    content_html TEXT NOT NULL,
    address TEXT NOT NULL,
    latitude DOUBLE NOT NULL,
    longitude DOUBLE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'acknowledged', 'in_progress', 'resolved', 'rejected', 'duplicate')),
    supporters BIGINT NOT NULL,
    duplicate_of TEXT,
    published TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX remote_problems_commune ON remote_problems (commune_id, published);

CREATE TABLE remote_problem_photos (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    remote_problem_id BIGINT NOT NULL REFERENCES remote_problems (id) ON DELETE CASCADE,
    source_url TEXT NOT NULL,
    file TEXT NOT NULL,
    thumb TEXT NOT NULL,
    alt TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    UNIQUE (remote_problem_id, source_url)
);
