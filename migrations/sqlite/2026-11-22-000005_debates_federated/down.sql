ALTER TABLE accounts DROP COLUMN resident;
ALTER TABLE communes DROP COLUMN debate_openers;
DROP TABLE debate_themes;
DROP TABLE themes;
DROP TABLE comment_likes;
DROP TABLE comment_revisions;
CREATE TABLE debates_old (
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
INSERT INTO debates_old SELECT id, commune_id, author_id, title, question, body_markdown, body_html, status,
    closes_at, pinned, created_at, updated_at FROM debates WHERE commune_id IS NOT NULL;
CREATE TABLE comments_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debate_id BIGINT NOT NULL REFERENCES debates_old (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments_old (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL,
    ap_id TEXT UNIQUE,
    content_html TEXT NOT NULL,
    stance TEXT CHECK (stance IN ('for', 'against', 'neutral')),
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    CHECK (author_id IS NULL OR remote_author_id IS NULL)
);
INSERT INTO comments_old SELECT id, debate_id, parent_id, author_id, remote_author_id, ap_id, content_html, stance,
    deleted, created_at FROM comments WHERE debate_id IN (SELECT id FROM debates_old);
DROP TABLE comments;
DROP TABLE debates;
ALTER TABLE debates_old RENAME TO debates;
ALTER TABLE comments_old RENAME TO comments;
CREATE INDEX debates_commune ON debates (commune_id, id);
CREATE INDEX comments_debate ON comments (debate_id, id);
