ALTER TABLE outbox_events DROP COLUMN not_before;
ALTER TABLE communes DROP COLUMN proposal_threshold;
DROP TABLE notifications;
DROP TABLE proposal_followers;
DROP TABLE proposal_history;
DROP TABLE proposal_supports;
DROP TABLE proposals;
