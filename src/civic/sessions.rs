//! Browser sessions as stored: an opaque id, the session's data (JSON) and when it expires. The web layer owns
//! what the data means; this module only keeps it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::civic::now;
use crate::db::Database;
use crate::error::Result;
use crate::model::schema::sessions;

/// Replaces a stored session's data; a session no longer stored is left so.
pub async fn update(
    db: &Database,
    id: String,
    data: String,
    expires_at: NaiveDateTime,
) -> Result<()> {
    db.transaction(move |conn| {
        diesel::update(sessions::table.filter(sessions::id.eq(&id)))
            .set((
                sessions::data.eq(&data),
                sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(())
    })
    .await
}

/// Stores a new session; `false` if the id is taken (the caller draws another).
pub async fn create(
    db: &Database,
    id: String,
    data: String,
    expires_at: NaiveDateTime,
) -> Result<bool> {
    db.transaction(move |conn| {
        let inserted = crate::on_each_backend!(conn, |c| diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(&id),
                sessions::data.eq(&data),
                sessions::expires_at.eq(expires_at),
            ))
            .on_conflict_do_nothing()
            .execute(c))?;
        Ok(inserted == 1)
    })
    .await
}

/// A session's data, unless it is unknown or expired.
pub async fn load(db: &Database, id: String) -> Result<Option<String>> {
    db.run(move |conn| {
        Ok(sessions::table
            .filter(sessions::id.eq(&id))
            .filter(sessions::expires_at.gt(now()))
            .select(sessions::data)
            .first(conn)
            .optional()?)
    })
    .await
}

pub async fn delete(db: &Database, id: String) -> Result<()> {
    db.transaction(move |conn| {
        diesel::delete(sessions::table.filter(sessions::id.eq(&id))).execute(conn)?;
        Ok(())
    })
    .await
}
