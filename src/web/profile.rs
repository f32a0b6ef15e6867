//! The HTML face of an actor URL: what a browser gets where a server gets the actor document.

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::model::{Actor, ActorKind, Mandate};
use crate::web::{OpenGraph, layout};

/// A profile page for a commune, a person or the instance actor.
pub fn page(
    site_name: &str,
    id: &str,
    handle: &str,
    actor: &Actor,
    mandates: &[Mandate],
    today: NaiveDate,
) -> Markup {
    let current: Vec<&Mandate> = mandates.iter().filter(|m| m.is_current(today)).collect();
    let description = match (actor.kind, current.first()) {
        (_, Some(m)) => m.label(),
        (ActorKind::Commune, None) => format!("{} sur Parvis", actor.display_name),
        (ActorKind::Application, None) => format!("Le serveur Parvis {site_name}"),
        (ActorKind::Person, None) => actor.summary.clone(),
    };
    let og = OpenGraph {
        title: &actor.display_name,
        description: &description,
        url: id,
        kind: "profile",
        site_name,
        image: actor.icon_url.as_deref(),
    };
    let body = html! {
        article class="profile" {
            h1 { (actor.display_name) }
            p class="handle" { (handle) }
            @match actor.kind {
                ActorKind::Commune => p { span class="badge" { "Commune" } },
                ActorKind::Application => p { span class="badge" { "Serveur" } },
                ActorKind::Person if !current.is_empty() => p { span class="badge" { "Élu·e" } },
                ActorKind::Person => {},
            }
            @if !actor.summary.is_empty() {
                p class="summary" { (actor.summary) }
            }
            @if !mandates.is_empty() {
                h2 { "Mandats" }
                ul {
                    @for m in mandates {
                        li {
                            (m.label()) " — depuis le " (m.since.format("%d/%m/%Y"))
                            @if let Some(until) = m.until { " jusqu'au " (until.format("%d/%m/%Y")) }
                        }
                    }
                }
            }
            p { "Suivez ce compte depuis Mastodon ou tout serveur du fédivers : " code { (handle) } }
        }
    };
    layout("fr", &og, Some(id), body)
}
