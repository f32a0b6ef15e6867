-- A commune's area may be a polygon (GeoJSON, a Polygon or MultiPolygon geometry, as its admin pasted it,
-- normalized), rather than only the box of migration 22; the box then holds the polygon's bounds.
ALTER TABLE communes ADD COLUMN area_geojson TEXT;
