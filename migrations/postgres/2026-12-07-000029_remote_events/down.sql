DROP TABLE remote_event_participations;
DROP TABLE remote_events;
