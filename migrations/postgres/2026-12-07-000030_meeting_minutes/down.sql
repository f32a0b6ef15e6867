DROP TABLE meeting_minutes;
