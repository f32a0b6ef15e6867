//! Server-rendered HTML pages. This first cut renders actor profiles with OpenGraph tags, so that links shared
//! on Mastodon and elsewhere show a proper preview; the full web interface builds on this layout.

pub mod profile;

use maud::{DOCTYPE, Markup, html};

/// What a page tells link previews (OpenGraph).
pub struct OpenGraph<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub url: &'a str,
    pub kind: &'a str,
    pub site_name: &'a str,
    pub image: Option<&'a str>,
}

/// The frame of every page: language, skip link, OpenGraph tags, the ActivityPub alternate.
pub fn layout(lang: &str, og: &OpenGraph<'_>, activity_json: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (og.title) " — " (og.site_name) }
                meta name="description" content=(og.description);
                meta property="og:title" content=(og.title);
                meta property="og:description" content=(og.description);
                meta property="og:url" content=(og.url);
                meta property="og:type" content=(og.kind);
                meta property="og:site_name" content=(og.site_name);
                @if let Some(image) = og.image {
                    meta property="og:image" content=(image);
                }
                link rel="canonical" href=(og.url);
                @if let Some(href) = activity_json {
                    link rel="alternate" type="application/activity+json" href=(href);
                }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                a class="skip" href="#main" { "Aller au contenu" }
                header { p class="site" { (og.site_name) } }
                main id="main" { (body) }
            }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;\
line-height:1.5;color:#1a1a1a;background:#fff}.skip{position:absolute;left:-999px}.skip:focus{left:1rem}\
a{color:#0b4f9c}a:focus,button:focus{outline:3px solid #f9a825}.badge{display:inline-block;padding:0 .4rem;\
border-radius:.3rem;background:#0b4f9c;color:#fff;font-size:.9rem}.handle{color:#555}";
