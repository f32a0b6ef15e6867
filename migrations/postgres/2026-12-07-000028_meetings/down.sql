DROP TABLE meeting_agenda_items;
DROP TABLE meeting_participants;
DROP TABLE meetings;
ALTER TABLE communes DROP COLUMN timezone;
