//! Full-text search over debates and comments, one function over two engines: SQLite FTS5 (accents ignored,
//! word prefixes) and PostgreSQL full-text search (French and English stemming). See migration 000006.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::{CommentId, DebateId};
use crate::model::schema::{comments, debates};
use crate::model::{Comment, Debate, DebateStatus};

/// At most this many words of a query are used.
const MAX_WORDS: usize = 8;

/// What a search found: debates, and comments with the debate they belong to.
#[derive(Debug, Default)]
pub struct Found {
    pub debates: Vec<Debate>,
    pub comments: Vec<(Comment, Debate)>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The words of a query: letters and digits only, so that nothing in it is search syntax.
fn words(query: &str) -> Vec<String> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(MAX_WORDS)
        .map(str::to_lowercase)
        .collect()
}

/// Debates (not archived) and visible comments matching every word of `query`, best first.
pub fn search(conn: &mut AnyConnection, query: &str, limit: i64) -> Result<Found> {
    let words = words(query);
    if words.is_empty() {
        return Ok(Found::default());
    }
    // Archived debates and hidden or deleted comments are dropped after the match: ask for more.
    let wanted = limit;
    let limit = limit.saturating_mul(4);
    let (debate_ids, comment_ids): (Vec<i64>, Vec<i64>) = match conn {
        AnyConnection::Sqlite(c) => {
            // Each word as a quoted prefix: `"ecole"* "cantine"*`.
            let fts: String = words
                .iter()
                .map(|w| format!("\"{w}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            let hits = |c: &mut diesel::SqliteConnection, table: &str| {
                diesel::sql_query(format!(
                    "SELECT rowid AS id FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?"
                ))
                .bind::<Text, _>(&fts)
                .bind::<BigInt, _>(limit)
                .load::<Row>(c)
            };
            (
                hits(c, "debates_fts")?.into_iter().map(|r| r.id).collect(),
                hits(c, "comments_fts")?.into_iter().map(|r| r.id).collect(),
            )
        }
        AnyConnection::Postgresql(c) => {
            let text = words.join(" ");
            let debates_vector = "(to_tsvector('french', title || ' ' || question || ' ' || body_html) \
                 || to_tsvector('english', title || ' ' || question || ' ' || body_html))";
            let comments_vector =
                "(to_tsvector('french', content_html) || to_tsvector('english', content_html))";
            let query = "(plainto_tsquery('french', $1) || plainto_tsquery('english', $1))";
            let hits = |c: &mut diesel::PgConnection, table: &str, vector: &str| {
                diesel::sql_query(format!(
                    "SELECT id FROM {table} WHERE {vector} @@ {query} \
                     ORDER BY ts_rank({vector}, {query}) DESC, id DESC LIMIT $2"
                ))
                .bind::<Text, _>(&text)
                .bind::<BigInt, _>(limit)
                .load::<Row>(c)
            };
            (
                hits(c, "debates", debates_vector)?
                    .into_iter()
                    .map(|r| r.id)
                    .collect(),
                hits(c, "comments", comments_vector)?
                    .into_iter()
                    .map(|r| r.id)
                    .collect(),
            )
        }
    };
    let rank = |ids: &[i64], id: i64| ids.iter().position(|x| *x == id).unwrap_or(usize::MAX);
    let mut found_debates: Vec<Debate> = debates::table
        .filter(debates::id.eq_any(debate_ids.iter().map(|i| DebateId(*i))))
        .filter(debates::status.ne(DebateStatus::Archived))
        .select(Debate::as_select())
        .load(conn)?;
    found_debates.sort_by_key(|d| rank(&debate_ids, d.id.0));
    found_debates.truncate(usize::try_from(wanted).unwrap_or(0));
    let mut found_comments: Vec<(Comment, Debate)> = comments::table
        .inner_join(debates::table)
        .filter(comments::id.eq_any(comment_ids.iter().map(|i| CommentId(*i))))
        .filter(comments::deleted.eq(false))
        .filter(comments::hidden_at.is_null())
        .filter(debates::status.ne(DebateStatus::Archived))
        .select((Comment::as_select(), Debate::as_select()))
        .load(conn)?;
    found_comments.sort_by_key(|(c, _)| rank(&comment_ids, c.id.0));
    found_comments.truncate(usize::try_from(wanted).unwrap_or(0));
    Ok(Found {
        debates: found_debates,
        comments: found_comments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_lose_their_syntax() {
        assert_eq!(
            words("École \"OR\" cantine* NEAR(x) -- ; DROP"),
            vec!["école", "or", "cantine", "near", "x", "drop"]
        );
        assert!(words("  \"*() ").is_empty());
        assert_eq!(words(&"a ".repeat(50)).len(), MAX_WORDS);
    }
}
