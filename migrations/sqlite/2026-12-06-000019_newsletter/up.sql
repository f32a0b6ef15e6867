-- The commune's newsletter: its issues (drafts until sent), and who receives them. A visitor subscribes
-- with an address confirmed by a link sent there (double opt-in); an account subscribes with its own
-- confirmed address, read when an issue is sent (so a changed address follows).
CREATE TABLE newsletter_issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id),
    author_id BIGINT NOT NULL REFERENCES actors (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    recipients BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX newsletter_issues_commune ON newsletter_issues (commune_id, sent_at);

CREATE TABLE newsletter_subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    commune_id BIGINT NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    account_id BIGINT REFERENCES accounts (actor_id) ON DELETE CASCADE,
    email TEXT,
    language TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    asked_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    CHECK ((account_id IS NULL) <> (email IS NULL))
);
CREATE UNIQUE INDEX newsletter_subscribers_address ON newsletter_subscribers (commune_id, email);
CREATE UNIQUE INDEX newsletter_subscribers_account ON newsletter_subscribers (commune_id, account_id);
CREATE UNIQUE INDEX newsletter_subscribers_token ON newsletter_subscribers (token);

-- Which issue a queued message carries, for the counts of sent and failed.
ALTER TABLE mail_queue ADD COLUMN newsletter_id BIGINT REFERENCES newsletter_issues (id);
CREATE INDEX mail_queue_newsletter ON mail_queue (newsletter_id) WHERE newsletter_id IS NOT NULL;
