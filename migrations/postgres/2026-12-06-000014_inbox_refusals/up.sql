-- Why activities sent to our inboxes were refused, per sending server (as the request names it) and reason,
-- so that an admin can tell why a neighbour's activities do not arrive (`parvis admin federation status`).
CREATE TABLE inbox_refusals (
    domain TEXT NOT NULL,
    reason TEXT NOT NULL,
    count BIGINT NOT NULL,
    last_message TEXT NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (domain, reason)
);
