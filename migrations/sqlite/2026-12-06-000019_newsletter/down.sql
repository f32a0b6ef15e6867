DROP INDEX mail_queue_newsletter;
ALTER TABLE mail_queue DROP COLUMN newsletter_id;
DROP TABLE newsletter_subscribers;
DROP TABLE newsletter_issues;
