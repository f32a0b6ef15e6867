-- Actors of other servers, as their documents last said.
CREATE TABLE remote_actors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    domain TEXT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    inbox TEXT NOT NULL,
    shared_inbox TEXT,
    url TEXT,
    key_id TEXT NOT NULL,
    public_key_pem TEXT NOT NULL,
    manually_approves_followers BOOLEAN NOT NULL,
    fetched_at TIMESTAMP NOT NULL
);
CREATE INDEX remote_actors_domain ON remote_actors (domain);
CREATE INDEX remote_actors_key_id ON remote_actors (key_id);

-- Further keys an actor publishes (FEP-521a `assertionMethod` Multikeys, e.g. Ed25519 for RFC 9421).
CREATE TABLE remote_keys (
    key_id TEXT PRIMARY KEY NOT NULL,
    remote_actor_id BIGINT NOT NULL REFERENCES remote_actors (id) ON DELETE CASCADE,
    public_key_multibase TEXT NOT NULL
);
CREATE INDEX remote_keys_actor ON remote_keys (remote_actor_id);

-- Who follows whom. Each side is a local actor or a remote one, never both.
CREATE TABLE follows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    follower_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    follower_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    target_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    target_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    accepted BOOLEAN NOT NULL,
    follow_ap_id TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL,
    CHECK ((follower_id IS NULL) <> (follower_remote_id IS NULL)),
    CHECK ((target_id IS NULL) <> (target_remote_id IS NULL))
);
CREATE UNIQUE INDEX follows_local_local ON follows (follower_id, target_id)
    WHERE follower_id IS NOT NULL AND target_id IS NOT NULL;
CREATE UNIQUE INDEX follows_local_remote ON follows (follower_id, target_remote_id)
    WHERE follower_id IS NOT NULL AND target_remote_id IS NOT NULL;
CREATE UNIQUE INDEX follows_remote_local ON follows (follower_remote_id, target_id)
    WHERE follower_remote_id IS NOT NULL AND target_id IS NOT NULL;
CREATE INDEX follows_target ON follows (target_id, accepted);

-- Short posts: written here (author_id) or received (remote_author_id).
CREATE TABLE notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    author_id BIGINT REFERENCES actors (id) ON DELETE CASCADE,
    remote_author_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    ap_id TEXT UNIQUE,
    content TEXT NOT NULL,
    visibility TEXT NOT NULL,
    in_reply_to TEXT,
    published TIMESTAMP NOT NULL,
    deleted BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK ((author_id IS NULL) <> (remote_author_id IS NULL))
);
CREATE INDEX notes_author ON notes (author_id, id);

-- Ids of activities already received: a second copy has no second effect.
CREATE TABLE received_activities (
    ap_id TEXT PRIMARY KEY NOT NULL,
    received_at TIMESTAMP NOT NULL
);

-- What civic decided must be sent, written in the same transaction as the change itself (a transactional
-- outbox): the delivery worker turns each event into activities and deliveries, so a crash loses nothing.
CREATE TABLE outbox_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    subject_id BIGINT NOT NULL,
    target_remote_id BIGINT REFERENCES remote_actors (id) ON DELETE CASCADE,
    payload TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expanded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX outbox_events_pending ON outbox_events (expanded, id);

-- Activities as sent, once per activity however many inboxes receive it.
CREATE TABLE outgoing_activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ap_id TEXT NOT NULL UNIQUE,
    signer_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    public BOOLEAN NOT NULL,
    -- The post a Create carries: when the post is deleted, the Create leaves the outbox.
    note_id BIGINT REFERENCES notes (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

-- One row per (activity, inbox) still to deliver or given up on.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES outgoing_activities (id) ON DELETE CASCADE,
    inbox TEXT NOT NULL,
    domain TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX deliveries_once ON deliveries (activity_id, inbox);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_domain ON deliveries (domain, state);

-- How each remote server has been answering.
CREATE TABLE remote_hosts (
    domain TEXT PRIMARY KEY NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since TIMESTAMP,
    unreachable BOOLEAN NOT NULL DEFAULT FALSE,
    delivered BIGINT NOT NULL DEFAULT 0,
    last_success_at TIMESTAMP
);
