//! The bar charts of results, drawn on the server in SVG (no script).

use maud::{Markup, html};

use crate::model::PollOption;
use crate::web::i18n::Lang;

/// A horizontal bar chart of an option list, drawn here (no script): one bar per option with its count and
/// share; `others` draws the other voices' counts instead of the official ones. Shares are of `voters` (for a
/// multiple choice, where one voter picks several options, as Mastodon shows them), else of all votes.
pub fn chart(
    lang: Lang,
    title: &str,
    options: &[PollOption],
    others: bool,
    voters: Option<i64>,
) -> Markup {
    let counts: Vec<i64> = options
        .iter()
        .map(|o| if others { o.other_votes } else { o.votes })
        .collect();
    let total: i64 = voters.unwrap_or_else(|| counts.iter().sum());
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let (row, label_w, bar_w) = (28, 180, 300);
    let height = row * options.len().max(1) as i64 + 8;
    let width = label_w + bar_w + 120;
    let description = options
        .iter()
        .zip(&counts)
        .map(|(o, n)| format!("{} : {}", o.name, lang.number(*n)))
        .collect::<Vec<_>>()
        .join(" ; ");
    html! {
        figure class="chart" {
            svg xmlns="http://www.w3.org/2000/svg" role="img" width=(width) height=(height)
                viewBox=(format!("0 0 {width} {height}")) aria-label=(format!("{title} — {description}")) {
                title { (title) }
                @for (i, (o, n)) in options.iter().zip(&counts).enumerate() {
                    @let y = i as i64 * row + 4;
                    @let w = if *n == 0 { 0 } else { (n * bar_w / max).max(2) };
                    @let share = if total == 0 { 0.0 } else { *n as f64 * 100.0 / total as f64 };
                    text x=(label_w - 8) y=(y + 18) text-anchor="end" font-size="14" fill="currentColor" {
                        (truncate(&o.name, 24))
                    }
                    rect x=(label_w) y=(y + 4) width=(w) height=(row - 10) rx="3" class="bar" {}
                    text x=(label_w + w + 6) y=(y + 18) font-size="14" fill="currentColor" {
                        (lang.number(*n)) " (" (format!("{share:.0}")) " %)"
                    }
                }
            }
            figcaption { (title) }
        }
    }
}

fn truncate(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OptionId, PollId};

    #[test]
    fn the_chart_draws_one_bar_per_option_and_escapes_names() {
        let option = |id, name: &str, votes| PollOption {
            id: OptionId(id),
            poll_id: PollId(1),
            position: id as i32,
            name: name.into(),
            votes,
            other_votes: 0,
        };
        let svg = chart(
            Lang::En,
            "Q",
            &[option(1, "<script>", 3), option(2, "Non", 1)],
            false,
            None,
        )
        .into_string();
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(svg.contains("75"), "{svg}");
        assert!(
            svg.contains("width=\"300\""),
            "the largest count fills the bar: {svg}"
        );
    }
}
