ALTER TABLE deliveries DROP COLUMN leased_by;
ALTER TABLE deliveries DROP COLUMN leased_until;
