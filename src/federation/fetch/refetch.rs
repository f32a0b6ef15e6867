//! Fetching again, in batches, the actors flagged as untrusted: confirmed by their own server, or forgotten.

use url::Url;

use crate::context::AppContext;
use crate::error::{Error, Result};
use crate::model::schema::remote_actors;

use super::actor;

/// How many flagged actors one pass of [`refetch_flagged`] fetches again at most.
const REFETCH_BATCH: i64 = 500;

/// Fetches again the actors whose stored documents broke a provenance rule (flagged by the migration that
/// added the rules, or that lost a key to the actor proving it): trusted again once their own server
/// confirms them under the rules, forgotten when it no longer serves them (404, 410). Returns how many were
/// confirmed and how many forgotten.
pub async fn refetch_flagged(ctx: &AppContext) -> Result<(usize, usize)> {
    let flagged: Vec<(crate::ids::RemoteActorId, String)> = ctx
        .db
        .run(|conn| {
            use diesel::prelude::*;
            Ok(remote_actors::table
                .filter(remote_actors::needs_refetch.eq(true))
                .order(remote_actors::id)
                .limit(REFETCH_BATCH)
                .select((remote_actors::id, remote_actors::ap_id))
                .load(conn)?)
        })
        .await?;
    let (mut confirmed, mut forgotten) = (0, 0);
    for (id, ap_id) in flagged {
        let Ok(url) = Url::parse(&ap_id) else {
            continue;
        };
        match actor(ctx, &url, true).await {
            Ok(_) => confirmed += 1,
            Err(Error::NotFound(_)) => {
                let files = ctx
                    .db
                    .transaction(move |conn| {
                        let files = crate::civic::problems::remote_photo_files_of(conn, id)?;
                        crate::civic::remote::forget_actor(conn, id)?;
                        Ok(files)
                    })
                    .await?;
                crate::civic::media::remove_photos(
                    &ctx.settings.server.data_dir,
                    crate::civic::media::Folder::Photos,
                    &files,
                )
                .await;
                forgotten += 1;
            }
            Err(e) => tracing::info!(actor = %ap_id, error = %e, "a flagged actor stays untrusted"),
        }
    }
    Ok((confirmed, forgotten))
}
