-- Debates a commune hosts: a question put to its people, with a body in Markdown (kept as written, and as the
-- sanitized HTML shown).
CREATE TABLE debates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    question TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'archived')),
    closes_at TIMESTAMP,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX debates_commune ON debates (commune_id, id);

-- Comments on a debate, threaded, each with an optional stance. When its author's account or remote actor
-- goes, a comment stays as a tombstone (no author, no content) so that the replies to it keep their place.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debate_id BIGINT NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL,
    ap_id TEXT UNIQUE,
    content_html TEXT NOT NULL,
    stance TEXT CHECK (stance IN ('for', 'against', 'neutral')),
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    CHECK (author_id IS NULL OR remote_author_id IS NULL)
);
CREATE INDEX comments_debate ON comments (debate_id, id);
