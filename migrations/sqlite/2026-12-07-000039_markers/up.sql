-- Where a person stopped reading, per timeline (Mastodon's markers), so that their apps agree.
CREATE TABLE markers (
    account_id BIGINT NOT NULL REFERENCES accounts (actor_id) ON DELETE CASCADE,
    timeline TEXT NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, timeline)
);
