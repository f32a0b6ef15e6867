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
    pub limit: i64,
}

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
    Ok(query.limit(filter.limit.clamp(1, 500)).load(conn)?)
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
