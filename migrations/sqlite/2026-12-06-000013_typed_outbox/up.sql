-- What an outbox event asks federation to send, as a typed value (JSON of `model::Outbound`). Rows written
-- before it have none: their kind, subject, target and payload are read as before (`Outbound::from_legacy`).
ALTER TABLE outbox_events ADD COLUMN outbound TEXT;
