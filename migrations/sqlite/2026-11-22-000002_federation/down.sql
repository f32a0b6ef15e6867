DROP TABLE remote_hosts;
DROP TABLE deliveries;
DROP TABLE outgoing_activities;
DROP TABLE outbox_events;
DROP TABLE received_activities;
DROP TABLE notes;
DROP TABLE follows;
DROP TABLE remote_actors;
