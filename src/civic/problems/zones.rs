//! A commune's area as a polygon: its admin pastes its outline as GeoJSON (a `Polygon` or `MultiPolygon`
//! geometry, a `Feature` holding one, or a `FeatureCollection` of them, read with the `geojson` crate), and
//! a report is inside when the point is inside an outer ring and in none of its holes (even-odd rule). The
//! box of the area then holds the polygon's bounds (for maps and quick filters). A report filed outside its
//! commune's area, inside another commune's here, is filed and offered to that commune at once.

use super::*;

/// Most points of an outline (a detailed commune boundary has a few thousand).
pub const MAX_POINTS: usize = 50_000;

/// One ring: `(longitude, latitude)` points, closed.
type Ring = Vec<(f64, f64)>;

/// An area's outline: polygons, each an outer ring and its holes.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    polygons: Vec<Vec<Ring>>,
}

/// A commune's area: its outline when the admin gave one, else its box.
#[derive(Clone, Debug, PartialEq)]
pub enum Zone {
    Box(Area),
    Shape(Shape),
}

impl Zone {
    pub fn contains(&self, latitude: f64, longitude: f64) -> bool {
        match self {
            Zone::Box(area) => area.contains(latitude, longitude),
            Zone::Shape(shape) => shape.contains(latitude, longitude),
        }
    }
}

/// Whether a point is inside a ring (even-odd: a ray to the east crosses its edges an odd number of times).
fn in_ring(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let mut j = ring.len().wrapping_sub(1);
    for i in 0..ring.len() {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid("outline", message)
}

impl Shape {
    /// Reads an outline pasted by an admin.
    pub fn parse(text: &str) -> Result<Shape> {
        let parsed: geojson::GeoJson = text
            .parse()
            .map_err(|e| invalid(format!("is not GeoJSON: {e}")))?;
        let mut geometries = vec![];
        match parsed {
            geojson::GeoJson::Geometry(g) => geometries.push(g),
            geojson::GeoJson::Feature(f) => geometries.extend(f.geometry),
            geojson::GeoJson::FeatureCollection(c) => {
                geometries.extend(c.features.into_iter().filter_map(|f| f.geometry))
            }
        }
        let mut polygons = vec![];
        for geometry in geometries {
            match geometry.value {
                geojson::GeometryValue::Polygon { coordinates } => polygons.push(coordinates),
                geojson::GeometryValue::MultiPolygon { coordinates } => {
                    polygons.extend(coordinates)
                }
                other => {
                    return Err(invalid(format!(
                        "must be a Polygon or a MultiPolygon, not a {}",
                        other.type_name()
                    )));
                }
            }
        }
        if polygons.is_empty() {
            return Err(invalid("holds no polygon"));
        }
        let mut points = 0;
        let mut shape = Shape { polygons: vec![] };
        for polygon in polygons {
            let mut rings = vec![];
            for ring in polygon {
                points += ring.len();
                if points > MAX_POINTS {
                    return Err(invalid(format!("has more than {MAX_POINTS} points")));
                }
                let mut read: Ring = vec![];
                for position in &ring {
                    let [lon, lat, ..] = position.as_slice() else {
                        return Err(invalid("a position needs a longitude and a latitude"));
                    };
                    check_place(*lat, *lon).map_err(|_| {
                        invalid(format!("{lon}, {lat} is not a longitude and latitude"))
                    })?;
                    read.push((*lon, *lat));
                }
                if read.len() < 4 || read.first() != read.last() {
                    return Err(invalid(
                        "each ring needs at least four positions, the last one repeating the first",
                    ));
                }
                rings.push(read);
            }
            if rings.is_empty() {
                return Err(invalid("a polygon needs an outer ring"));
            }
            shape.polygons.push(rings);
        }
        Ok(shape)
    }

    pub fn contains(&self, latitude: f64, longitude: f64) -> bool {
        self.polygons.iter().any(|rings| {
            in_ring(&rings[0], longitude, latitude)
                && !rings[1..]
                    .iter()
                    .any(|hole| in_ring(hole, longitude, latitude))
        })
    }

    /// The box around it.
    pub fn bounds(&self) -> Area {
        let mut area = Area {
            south: f64::MAX,
            west: f64::MAX,
            north: f64::MIN,
            east: f64::MIN,
        };
        for (lon, lat) in self.polygons.iter().flat_map(|p| &p[0]) {
            area.south = area.south.min(*lat);
            area.north = area.north.max(*lat);
            area.west = area.west.min(*lon);
            area.east = area.east.max(*lon);
        }
        area
    }

    /// As stored: one `MultiPolygon` geometry.
    pub fn to_geojson(&self) -> String {
        let coordinates: Vec<Vec<Vec<Vec<f64>>>> = self
            .polygons
            .iter()
            .map(|rings| {
                rings
                    .iter()
                    .map(|ring| ring.iter().map(|(x, y)| vec![*x, *y]).collect())
                    .collect()
            })
            .collect();
        serde_json::json!({ "type": "MultiPolygon", "coordinates": coordinates }).to_string()
    }
}

/// The commune's area: its outline, else its box; `None` when the admin set neither.
pub fn zone(conn: &mut AnyConnection, commune: ActorId) -> Result<Option<Zone>> {
    let outline: Option<Option<String>> = communes::table
        .find(commune)
        .select(communes::area_geojson)
        .first(conn)
        .optional()?;
    if let Some(Some(text)) = outline
        && let Ok(shape) = Shape::parse(&text)
    {
        return Ok(Some(Zone::Shape(shape)));
    }
    Ok(area(conn, commune)?.map(Zone::Box))
}

/// The admin gives the commune's outline (its box becomes the outline's bounds), or removes it (`None`:
/// the box stays).
pub fn set_outline(conn: &mut AnyConnection, admin: &Account, text: Option<&str>) -> Result<()> {
    require_admin(admin)?;
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => {
            diesel::update(communes::table.find(admin.commune_id))
                .set(communes::area_geojson.eq(None::<String>))
                .execute(conn)?;
        }
        Some(text) => {
            let shape = Shape::parse(text)?;
            let bounds = shape.bounds();
            diesel::update(communes::table.find(admin.commune_id))
                .set((
                    communes::area_geojson.eq(Some(shape.to_geojson())),
                    communes::area_south.eq(Some(bounds.south)),
                    communes::area_west.eq(Some(bounds.west)),
                    communes::area_north.eq(Some(bounds.north)),
                    communes::area_east.eq(Some(bounds.east)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The outline the admin gave, as stored.
pub fn outline(conn: &mut AnyConnection, commune: ActorId) -> Result<Option<String>> {
    Ok(communes::table
        .find(commune)
        .select(communes::area_geojson)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Another commune here whose area holds a place (the first by id), for a report filed outside its own.
/// Only communes whose box holds the place have their outline read.
pub fn covering(
    conn: &mut AnyConnection,
    except: ActorId,
    latitude: f64,
    longitude: f64,
) -> Result<Option<ActorId>> {
    let others: Vec<ActorId> = communes::table
        .inner_join(crate::model::schema::actors::table)
        .filter(communes::actor_id.ne(except))
        .filter(crate::model::schema::actors::deleted_at.is_null())
        .filter(communes::area_south.le(latitude))
        .filter(communes::area_north.ge(latitude))
        .filter(communes::area_west.le(longitude))
        .filter(communes::area_east.ge(longitude))
        .order(communes::actor_id.asc())
        .select(communes::actor_id)
        .load(conn)?;
    for other in others {
        if zone(conn, other)?.is_some_and(|z| z.contains(latitude, longitude)) {
            return Ok(Some(other));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE_WITH_HOLE: &str = r#"{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon",
        "coordinates": [
            [[4.0, 45.0], [5.0, 45.0], [5.0, 46.0], [4.0, 46.0], [4.0, 45.0]],
            [[4.4, 45.4], [4.6, 45.4], [4.6, 45.6], [4.4, 45.6], [4.4, 45.4]]
        ]}}"#;

    #[test]
    fn a_point_is_inside_the_outer_ring_and_outside_its_holes() -> Result<()> {
        let shape = Shape::parse(SQUARE_WITH_HOLE)?;
        assert!(shape.contains(45.2, 4.2));
        assert!(!shape.contains(45.5, 4.5), "in the hole");
        assert!(!shape.contains(46.5, 4.5), "north of it");
        assert!(!shape.contains(45.5, 5.5), "east of it");
        assert_eq!(
            shape.bounds(),
            Area {
                south: 45.0,
                west: 4.0,
                north: 46.0,
                east: 5.0
            }
        );
        // Stored and read again, it is the same outline.
        assert_eq!(Shape::parse(&shape.to_geojson())?, shape);
        // A concave outline (an L): the notch is outside.
        let l = Shape::parse(
            r#"{"type": "MultiPolygon", "coordinates": [[[[0,0],[2,0],[2,1],[1,1],[1,2],[0,2],[0,0]]]]}"#,
        )?;
        assert!(l.contains(0.5, 1.5) && l.contains(1.5, 0.5));
        assert!(!l.contains(1.5, 1.5), "in the notch");
        Ok(())
    }

    #[test]
    fn outlines_that_are_not_areas_are_refused() {
        for (text, says) in [
            ("not json", "is not GeoJSON"),
            (
                r#"{"type": "Point", "coordinates": [4.0, 45.0]}"#,
                "not a Point",
            ),
            (
                r#"{"type": "Polygon", "coordinates": [[[4,45],[5,45],[4,45]]]}"#,
                "four positions",
            ),
            (
                r#"{"type": "Polygon", "coordinates": [[[4,45],[5,45],[5,46],[4,46]]]}"#,
                "four positions",
            ),
            (
                r#"{"type": "Polygon", "coordinates": [[[4,95],[5,45],[5,46],[4,95]]]}"#,
                "not a longitude",
            ),
            (
                r#"{"type": "FeatureCollection", "features": []}"#,
                "no polygon",
            ),
        ] {
            match Shape::parse(text) {
                Err(e) => assert!(e.to_string().contains(says), "{text}: {e}"),
                Ok(_) => panic!("{text} was taken"),
            }
        }
    }
}
