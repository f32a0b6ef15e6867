//! The CSV export of a commune's proposals, as open data, and the quoting of CSV fields other exports share.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::db::proposals::{Filter, Sort};
use crate::db::queries;
use crate::error::Error;
use crate::web::session::Visitor;

/// A CSV field: quoted, and defused when a spreadsheet would read it as a formula.
pub fn csv_field(value: &str) -> String {
    let formula =
        value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err();
    let value = if formula {
        format!("'{value}")
    } else {
        value.to_string()
    };
    format!("\"{}\"", value.replace('"', "\"\""))
}

/// `/communes/{name}/proposals.csv`: every proposal of the commune with its counts and status, as open data.
pub async fn csv(v: Visitor, Path(name): Path<String>) -> Response {
    let name = name.trim_start_matches('@').to_string();
    let found = v
        .ctx
        .db
        .run(move |conn| {
            let commune = queries::actor_of_kind(conn, crate::model::ActorKind::Commune, &name)?
                .ok_or_else(|| Error::NotFound(format!("no commune {name}")))?;
            crate::db::proposals::list(
                conn,
                &Filter {
                    commune: Some(commune.id),
                    sort: Sort::Newest,
                    limit: 100_000,
                    ..Filter::default()
                },
            )
        })
        .await;
    let items = match found {
        Ok(items) => items,
        Err(e) => return v.error(&e),
    };
    let mut out = String::from(
        "id,url,title,summary,theme,status,place,latitude,longitude,supports_residents,supports_local,supports_remote,threshold,published\r\n",
    );
    for item in &items {
        let (d, p) = (&item.debate, &item.proposal);
        let url = v.ctx.urls.proposal(d.id);
        let fields = [
            d.id.to_string(),
            url.to_string(),
            d.title.clone(),
            d.question.clone(),
            item.theme.clone().unwrap_or_default(),
            p.status.as_str().to_string(),
            p.place.clone().unwrap_or_default(),
            p.latitude.map(|l| l.to_string()).unwrap_or_default(),
            p.longitude.map(|l| l.to_string()).unwrap_or_default(),
            p.supports_residents.to_string(),
            p.supports_local.to_string(),
            p.supports_remote.to_string(),
            p.threshold.to_string(),
            d.created_at.and_utc().to_rfc3339(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"proposals.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("a \"b\", c"), "\"a \"\"b\"\", c\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1.5"), "\"-1.5\"");
        assert_eq!(csv_field("-cmd"), "\"'-cmd\"");
        assert_eq!(csv_field("12"), "\"12\"");
    }
}
