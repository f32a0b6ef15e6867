//! What people write in debates: Markdown rendered to the HTML shown, and text fields checked against their
//! bounds.

use crate::error::{Error, Result};

/// Markdown as written by people here, turned into the HTML shown: rendered by pulldown-cmark, then cleaned
/// by ammonia (no script, style, image or raw HTML survives; links get `rel="nofollow noopener"`).
pub fn markdown_to_html(markdown: &str) -> String {
    static CLEANER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    let parser =
        pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    CLEANER
        .get_or_init(|| {
            let mut builder = ammonia::Builder::default();
            builder
                .tags(std::collections::HashSet::from([
                    "p",
                    "br",
                    "a",
                    "strong",
                    "em",
                    "del",
                    "code",
                    "pre",
                    "blockquote",
                    "ul",
                    "ol",
                    "li",
                    "h3",
                    "h4",
                    "hr",
                ]))
                .link_rel(Some("nofollow noopener noreferrer"))
                .url_schemes(std::collections::HashSet::from(["http", "https", "mailto"]));
            builder
        })
        .clean(&html)
        .to_string()
}

pub(crate) fn bounded(
    field: &'static str,
    text: &str,
    max: usize,
    required: bool,
) -> Result<String> {
    let text = text.trim().replace("\r\n", "\n");
    let n = text.chars().count();
    if required && n == 0 {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if n > max {
        return Err(Error::invalid(
            field,
            format!("must have at most {max} characters"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_structure_and_drops_what_could_harm() {
        let html = markdown_to_html(
            "## Le parking\n\n**Pour** ou *contre* ?\n\n- un\n- deux\n\n[lien](https://ville.example) \
             [x](javascript:alert(1))\n\n<script>alert(1)</script><style>body{}</style>\
             <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>Pour</strong>"), "{html}");
        assert!(html.contains("<li>un</li>"), "{html}");
        assert!(html.contains("href=\"https://ville.example\""), "{html}");
        assert!(
            html.contains("rel=\"nofollow noopener noreferrer\""),
            "{html}"
        );
        for bad in ["<script", "<style", "<img", "javascript:", "onerror"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
    }
}
