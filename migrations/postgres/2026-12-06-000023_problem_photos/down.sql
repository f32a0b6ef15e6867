DROP TABLE problem_photos;
