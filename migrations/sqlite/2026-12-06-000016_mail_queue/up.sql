-- Mail waiting to leave, and what became of it: written in the same transaction as what caused it, sent by
-- the mail worker within the per-minute cap, retried with backoff while the SMTP server does not take it,
-- given up on an address the server refuses for good (a 5xx).
CREATE TABLE mail_queue (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT,
    created_at TIMESTAMP NOT NULL,
    not_before TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP
);
CREATE INDEX mail_queue_due ON mail_queue (not_before) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_queue_sent ON mail_queue (sent_at) WHERE sent_at IS NOT NULL;
