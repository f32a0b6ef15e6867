ALTER TABLE communes DROP COLUMN citizen_polls;
DROP TABLE questionnaire_responses;
DROP TABLE poll_texts;
DROP TABLE poll_votes;
DROP TABLE poll_voters;
DROP TABLE poll_options;
DROP TABLE polls;
DROP TABLE questionnaires;
