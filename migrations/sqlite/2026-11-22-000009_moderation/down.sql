DROP TABLE warnings;
DROP TABLE moderation_actions;
DROP TABLE reports;
