-- What Mastodon apps do with posts: favourite, boost, bookmark.
--
-- A boost is a post of its own (as in Mastodon): a notes row naming the boosted post, without content, so
-- that timelines and their pagination read boosts and posts in one id order. One boost per person and post.
ALTER TABLE notes ADD COLUMN reblog_of_id BIGINT REFERENCES notes (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX notes_reblog_local ON notes (reblog_of_id, author_id);
CREATE UNIQUE INDEX notes_reblog_remote ON notes (reblog_of_id, remote_author_id);

-- A favourite of a post: one per person, from here or from elsewhere (a `Like`).
CREATE TABLE note_favourites (
    id BIGSERIAL PRIMARY KEY,
    note_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    author_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    -- The `Like` id its server gave it, to apply its `Undo`.
    ap_id TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((author_id IS NULL) <> (remote_author_id IS NULL)),
    UNIQUE (note_id, author_id),
    UNIQUE (note_id, remote_author_id)
);
CREATE INDEX note_favourites_by ON note_favourites (author_id, id);

-- Bookmarks are private to their account: never sent anywhere.
CREATE TABLE bookmarks (
    id BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    note_id BIGINT NOT NULL REFERENCES notes (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, note_id)
);

-- What a notification is about and who caused it, for apps (Mastodon's Notification names an account and
-- a status). Rows written before keep only the name shown.
ALTER TABLE notifications ADD COLUMN note_id BIGINT REFERENCES notes (id) ON DELETE CASCADE;
ALTER TABLE notifications ADD COLUMN by_actor_id BIGINT REFERENCES actors (id) ON DELETE SET NULL;
ALTER TABLE notifications ADD COLUMN by_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE SET NULL;
