-- Several server processes on one PostgreSQL database share the delivery queue: a process claims the
-- deliveries it starts with a lease (until when, on the database's clock, and which process), so that no
-- other sends them meanwhile; a lease that runs out (its process was killed) returns them to the queue.
ALTER TABLE deliveries ADD COLUMN leased_until TIMESTAMP;
ALTER TABLE deliveries ADD COLUMN leased_by TEXT;
