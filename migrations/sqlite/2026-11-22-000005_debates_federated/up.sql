-- Debates now also come from elsewhere: a debate hosted by another server's commune (kept here so that people
-- here can read and answer it), or opened in our commune by a person from another server. SQLite cannot drop
-- a NOT NULL, so `debates` is rebuilt, and `comments` with it (dropping the old `debates` would otherwise
-- cascade to its comments). Renaming the new tables rewrites the references to them.
CREATE TABLE debates_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The local commune hosting it; NULL for a debate hosted elsewhere.
    commune_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    question TEXT NOT NULL,
    body_markdown TEXT NOT NULL,
    body_html TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'archived')),
    closes_at TIMESTAMP,
    pinned BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    -- The `Page` id given by the server it comes from; NULL for a debate written here.
    ap_id TEXT UNIQUE,
    -- The remote commune hosting it (its `audience`).
    remote_commune_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL,
    -- Before this time, the debate is announced but takes no comments yet.
    opens_at TIMESTAMP,
    CHECK ((commune_id IS NULL) <> (remote_commune_id IS NULL)),
    CHECK (author_id IS NULL OR remote_author_id IS NULL)
);
INSERT INTO debates_new (id, commune_id, author_id, title, question, body_markdown, body_html, status, closes_at,
                         pinned, created_at, updated_at)
    SELECT id, commune_id, author_id, title, question, body_markdown, body_html, status, closes_at, pinned,
           created_at, updated_at FROM debates;

CREATE TABLE comments_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    debate_id BIGINT NOT NULL REFERENCES debates_new (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments_new (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL,
    ap_id TEXT UNIQUE,
    content_html TEXT NOT NULL,
    stance TEXT CHECK (stance IN ('for', 'against', 'neutral')),
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    -- Last edit; the versions before it are in `comment_revisions`.
    edited_at TIMESTAMP,
    -- Hidden by a moderator of the debate's commune (here, or on the commune's server).
    hidden_at TIMESTAMP,
    hidden_by BIGINT REFERENCES actors (id) ON DELETE SET NULL,
    CHECK (author_id IS NULL OR remote_author_id IS NULL)
);
INSERT INTO comments_new (id, debate_id, parent_id, author_id, remote_author_id, ap_id, content_html, stance, deleted,
                          created_at)
    SELECT id, debate_id, parent_id, author_id, remote_author_id, ap_id, content_html, stance, deleted, created_at
    FROM comments;

-- Ids already given out (and sent to other servers) are never given again: keep the high-water marks.
DELETE FROM sqlite_sequence WHERE name IN ('debates_new', 'comments_new');
INSERT INTO sqlite_sequence (name, seq) SELECT 'debates_new', seq FROM sqlite_sequence WHERE name = 'debates';
INSERT INTO sqlite_sequence (name, seq) SELECT 'comments_new', seq FROM sqlite_sequence WHERE name = 'comments';
DROP TABLE comments;
DROP TABLE debates;
ALTER TABLE debates_new RENAME TO debates;
ALTER TABLE comments_new RENAME TO comments;
CREATE INDEX debates_commune ON debates (commune_id, id);
CREATE INDEX debates_remote_commune ON debates (remote_commune_id, id);
CREATE INDEX comments_debate ON comments (debate_id, id);
CREATE INDEX comments_author ON comments (author_id);

-- Earlier versions of an edited comment, shown as its history.
CREATE TABLE comment_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    content_html TEXT NOT NULL,
    stance TEXT CHECK (stance IN ('for', 'against', 'neutral')),
    -- When this version was written (the comment's creation or a previous edit).
    written_at TIMESTAMP NOT NULL
);
CREATE INDEX comment_revisions_comment ON comment_revisions (comment_id, id);

-- "Agree" on a comment: one per person, from here or from elsewhere (a `Like`).
CREATE TABLE comment_likes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id BIGINT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    -- The `Like` id its server gave it, to apply its `Undo`.
    ap_id TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((author_id IS NULL) <> (remote_author_id IS NULL)),
    UNIQUE (comment_id, author_id),
    UNIQUE (comment_id, remote_author_id)
);

-- The themes a commune files its debates under, and which debates are under which.
CREATE TABLE themes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    UNIQUE (commune_id, name)
);
CREATE TABLE debate_themes (
    debate_id BIGINT NOT NULL REFERENCES debates (id) ON DELETE CASCADE,
    theme_id BIGINT NOT NULL REFERENCES themes (id) ON DELETE CASCADE,
    PRIMARY KEY (debate_id, theme_id)
);
CREATE INDEX debate_themes_theme ON debate_themes (theme_id);

-- Who may open a debate in a commune: its officials (and moderators, admins), also its verified residents, any
-- local account, or anyone including people from other servers.
ALTER TABLE communes ADD COLUMN debate_openers TEXT NOT NULL DEFAULT 'officials'
    CHECK (debate_openers IN ('officials', 'residents', 'accounts', 'everyone'));
-- Marked by an admin until resident verification exists.
ALTER TABLE accounts ADD COLUMN resident BOOLEAN NOT NULL DEFAULT FALSE;
