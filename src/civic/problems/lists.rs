//! Lists of reports and their counts.

use super::*;

/// What a list of reports shows.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub commune: Option<ActorId>,
    /// Filed by this account.
    pub author: Option<ActorId>,
    pub category: Option<CategoryId>,
    pub status: Option<ProblemStatus>,
    /// Only the open ones (new, acknowledged, in progress).
    pub open: bool,
    /// Oldest first (a work queue), else newest first.
    pub oldest_first: bool,
    /// At most this many (1 to [`MAX_LIST`]).
    pub limit: i64,
    /// Only these reports (empty: any).
    pub ids: Vec<ProblemId>,
    /// In one of these categories (empty: any).
    pub categories: Vec<CategoryId>,
    /// With one of these statuses (empty: any).
    pub statuses: Vec<ProblemStatus>,
    /// Filed at or after, and before.
    pub filed_from: Option<chrono::NaiveDateTime>,
    pub filed_before: Option<chrono::NaiveDateTime>,
    /// Inside this box of latitude and longitude.
    pub within: Option<Area>,
}

/// The longest list read at once (open data asks for whole areas).
pub const MAX_LIST: i64 = 20_000;

pub fn list(conn: &mut AnyConnection, filter: &Filter) -> Result<Vec<Problem>> {
    let mut query = problems::table.select(Problem::as_select()).into_boxed();
    if let Some(c) = filter.commune {
        query = query.filter(problems::commune_id.eq(c));
    }
    if let Some(c) = filter.category {
        query = query.filter(problems::category_id.eq(c));
    }
    if let Some(a) = filter.author {
        query = query.filter(problems::author_id.eq(a));
    }
    if let Some(s) = filter.status {
        query = query.filter(problems::status.eq(s));
    }
    if !filter.ids.is_empty() {
        query = query.filter(problems::id.eq_any(filter.ids.clone()));
    }
    if !filter.categories.is_empty() {
        query = query.filter(problems::category_id.eq_any(filter.categories.clone()));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(problems::status.eq_any(filter.statuses.clone()));
    }
    if let Some(from) = filter.filed_from {
        query = query.filter(problems::created_at.ge(from));
    }
    if let Some(before) = filter.filed_before {
        query = query.filter(problems::created_at.lt(before));
    }
    if let Some(b) = filter.within {
        query = query
            .filter(problems::latitude.between(b.south, b.north))
            .filter(problems::longitude.between(b.west, b.east));
    }
    if filter.open {
        let open: Vec<ProblemStatus> = ProblemStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect();
        query = query.filter(problems::status.eq_any(open));
    }
    query = if filter.oldest_first {
        query.order(problems::created_at.asc())
    } else {
        query.order(problems::created_at.desc())
    };
    Ok(query.limit(filter.limit.clamp(1, MAX_LIST)).load(conn)?)
}

/// How many reports a commune has, per category and status.
pub fn counts(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<Vec<(String, ProblemStatus, i64)>> {
    let rows: Vec<(CategoryId, ProblemStatus, i64)> = problems::table
        .filter(problems::commune_id.eq(commune))
        .group_by((problems::category_id, problems::status))
        .select((
            problems::category_id,
            problems::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    let names = categories(conn, commune)?;
    let mut counted: Vec<(String, ProblemStatus, i64)> = rows
        .into_iter()
        .map(|(category, status, n)| {
            let name = names
                .iter()
                .find(|c| c.id == category)
                .map(|c| c.name.clone())
                .unwrap_or_default();
            (name, status, n)
        })
        .collect();
    counted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.as_str().cmp(b.1.as_str())));
    Ok(counted)
}
