DROP TABLE remote_problem_photos;
DROP TABLE remote_problems;
