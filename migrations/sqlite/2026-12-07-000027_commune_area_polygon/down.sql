ALTER TABLE communes DROP COLUMN area_geojson;
