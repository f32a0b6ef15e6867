DROP TABLE meeting_occurrences;
DROP TABLE meeting_series;
