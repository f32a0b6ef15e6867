ALTER TABLE communes DROP COLUMN area_east;
ALTER TABLE communes DROP COLUMN area_north;
ALTER TABLE communes DROP COLUMN area_west;
ALTER TABLE communes DROP COLUMN area_south;
DROP TABLE problem_history;
DROP TABLE problem_supporters;
DROP TABLE problems;
DROP TABLE problem_categories;
