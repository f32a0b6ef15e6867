ALTER TABLE problem_history DROP COLUMN by_remote_id;
DROP TABLE problem_handovers;
