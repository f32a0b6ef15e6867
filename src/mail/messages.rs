//! What Parvis writes to people, in French or English (the account's language, else French): plain text
//! and the same in simple HTML (no images, no tracking), every link to the instance's public URL.

use crate::civic::notes::escape_html;
use crate::mail::Mail;

/// The languages mail is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Fr,
    En,
}

impl Language {
    /// The account's language (`fr`, `en`), French otherwise.
    pub fn of(code: Option<&str>) -> Language {
        match code {
            Some("en") => Language::En,
            _ => Language::Fr,
        }
    }
}

/// A message of paragraphs and at most one link, as text and HTML.
fn compose(to: &str, subject: String, paragraphs: &[String], link: Option<(&str, &str)>) -> Mail {
    let mut text = String::new();
    let mut html = String::from("<!DOCTYPE html><html><body>");
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
        html.push_str(&format!("<p>{}</p>", escape_html(p)));
    }
    if let Some((label, url)) = link {
        text.push_str(&format!("{label}:\n{url}\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>",
            escape_html(url),
            escape_html(label)
        ));
    }
    html.push_str("</body></html>");
    Mail {
        to: to.into(),
        subject,
        text,
        html: Some(html),
        unsubscribe: None,
    }
}

/// The link that confirms an address.
pub fn confirm_address(lang: Language, site: &str, to: &str, link: &str) -> Mail {
    match lang {
        Language::Fr => compose(
            to,
            format!("{site} : confirmez votre adresse"),
            &[
                format!("Bonjour,\n\nconfirmez que {to} est bien votre adresse sur {site} : tant qu’elle ne l’est pas, votre compte peut lire mais pas écrire."),
                "Le lien est valable 48 heures et ne sert qu’une fois. Si vous n’avez rien demandé, ignorez ce message.".into(),
            ],
            Some(("Confirmer mon adresse", link)),
        ),
        Language::En => compose(
            to,
            format!("{site}: confirm your address"),
            &[
                format!("Hello,\n\nplease confirm that {to} is your address on {site}: until it is, your account can read but not write."),
                "The link works for 48 hours, once. If you asked for nothing, ignore this message.".into(),
            ],
            Some(("Confirm my address", link)),
        ),
    }
}

/// Told to the previous address when an account's address changed.
pub fn address_changed(lang: Language, site: &str, to: &str, new: &str) -> Mail {
    match lang {
        Language::Fr => compose(
            to,
            format!("{site} : votre adresse a changé"),
            &[format!(
                "Bonjour,\n\nl’adresse de votre compte sur {site} est désormais {new}. Si ce n’est pas vous, écrivez à l’administration de l’instance."
            )],
            None,
        ),
        Language::En => compose(
            to,
            format!("{site}: your address changed"),
            &[format!(
                "Hello,\n\nthe address of your account on {site} is now {new}. If this was not you, write to the instance's administrators."
            )],
            None,
        ),
    }
}

/// The link that sets a new password, after "Forgot your password?".
pub fn reset_password(lang: Language, site: &str, to: &str, username: &str, link: &str) -> Mail {
    match lang {
        Language::Fr => compose(
            to,
            format!("{site} : nouveau mot de passe"),
            &[
                format!("Bonjour,\n\nquelqu’un a demandé un nouveau mot de passe pour le compte {username} sur {site}."),
                "Le lien est valable une heure et ne sert qu’une fois ; il termine les autres sessions du compte. Si vous n’avez rien demandé, ignorez ce message : votre mot de passe ne change pas.".into(),
            ],
            Some(("Choisir un nouveau mot de passe", link)),
        ),
        Language::En => compose(
            to,
            format!("{site}: a new password"),
            &[
                format!("Hello,\n\nsomeone asked for a new password for the account {username} on {site}."),
                "The link works for one hour, once; it ends the account's other sessions. If you asked for nothing, ignore this message: your password does not change.".into(),
            ],
            Some(("Choose a new password", link)),
        ),
    }
}

/// The link that sets the first password of an account an admin created.
pub fn set_password(lang: Language, site: &str, to: &str, username: &str, link: &str) -> Mail {
    match lang {
        Language::Fr => compose(
            to,
            format!("{site} : votre compte vous attend"),
            &[
                format!(
                    "Bonjour,\n\nun compte {username} a été créé pour vous sur {site}. Choisissez son mot de passe pour vous connecter."
                ),
                "Le lien est valable 7 jours et ne sert qu’une fois.".into(),
            ],
            Some(("Choisir mon mot de passe", link)),
        ),
        Language::En => compose(
            to,
            format!("{site}: your account is ready"),
            &[
                format!(
                    "Hello,\n\nan account {username} was created for you on {site}. Choose its password to sign in."
                ),
                "The link works for 7 days, once.".into(),
            ],
            Some(("Choose my password", link)),
        ),
    }
}

/// What one notification says, in a sentence.
pub fn notice_line(
    lang: Language,
    kind: crate::civic::notifications::Kind,
    by: Option<&str>,
    title: Option<&str>,
) -> String {
    use crate::civic::notifications::Kind;
    let by = by.unwrap_or("?");
    let about = |s: String| match title {
        Some(t) => format!("{s} : « {t} »"),
        None => s,
    };
    let about_en = |s: String| match title {
        Some(t) => format!("{s}: “{t}”"),
        None => s,
    };
    match (lang, kind) {
        (Language::Fr, Kind::Reply) => about(format!("{by} vous a répondu")),
        (Language::En, Kind::Reply) => about_en(format!("{by} replied to you")),
        (Language::Fr, Kind::Mention) => format!("{by} vous a mentionné·e"),
        (Language::En, Kind::Mention) => format!("{by} mentioned you"),
        (Language::Fr, Kind::Follower) => format!("{by} vous suit désormais"),
        (Language::En, Kind::Follower) => format!("{by} follows you now"),
        (Language::Fr, Kind::ProposalThreshold) => {
            about("Une proposition a atteint son seuil, la commune doit y répondre".into())
        }
        (Language::En, Kind::ProposalThreshold) => {
            about_en("A proposal reached its threshold: the commune must answer".into())
        }
        (Language::Fr, Kind::ProposalStatus) => {
            about("Une proposition que vous suivez a changé de statut".into())
        }
        (Language::En, Kind::ProposalStatus) => {
            about_en("A proposal you follow changed status".into())
        }
        (Language::Fr, Kind::ProposalAnswered) => {
            about("Une proposition que vous suivez a reçu une réponse".into())
        }
        (Language::En, Kind::ProposalAnswered) => {
            about_en("A proposal you follow was answered".into())
        }
        (Language::Fr, Kind::Moderation) => "Une décision de modération vous concerne".into(),
        (Language::En, Kind::Moderation) => "A moderation decision concerns you".into(),
        (Language::Fr, Kind::PollClosed) => {
            about("Un sondage auquel vous avez participé est clos : voici ses résultats".into())
        }
        (Language::En, Kind::PollClosed) => {
            about_en("A poll you took part in has closed: here are its results".into())
        }
        (Language::Fr, Kind::ProblemUpdate) => {
            about("Un signalement que vous suivez a changé de statut".into())
        }
        (Language::En, Kind::ProblemUpdate) => {
            about_en("A problem report you follow changed status".into())
        }
        (Language::Fr, Kind::MeetingChange) => {
            about("Une réunion à laquelle vous êtes inscrit·e a changé".into())
        }
        (Language::En, Kind::MeetingChange) => {
            about_en("A meeting you registered for changed".into())
        }
        (Language::Fr, Kind::MeetingSeat) => {
            about("Une place s'est libérée : vous êtes inscrit·e à la réunion".into())
        }
        (Language::En, Kind::MeetingSeat) => {
            about_en("A seat freed: you are registered for the meeting".into())
        }
        (Language::Fr, Kind::MeetingReminder) => {
            about("Rappel : une réunion à laquelle vous êtes inscrit·e a lieu demain".into())
        }
        (Language::En, Kind::MeetingReminder) => {
            about_en("Reminder: a meeting you registered for is tomorrow".into())
        }
        (Language::Fr, Kind::MeetingRefused) => {
            about("Les organisateurs d'un événement ont refusé votre inscription".into())
        }
        (Language::En, Kind::MeetingRefused) => {
            about_en("The organisers of an event refused your registration".into())
        }
        (Language::Fr, Kind::MeetingMinutes) => {
            about("Le compte rendu d'une réunion à laquelle vous étiez inscrit·e est publié".into())
        }
        (Language::En, Kind::MeetingMinutes) => {
            about_en("The minutes of a meeting you registered for are out".into())
        }
        (Language::Fr, Kind::CommitmentProgress) => {
            about("Un engagement que vous suivez a avancé".into())
        }
        (Language::En, Kind::CommitmentProgress) => {
            about_en("A commitment you follow moved on".into())
        }
        (Language::Fr, Kind::Favourite) => format!("{by} a ajouté votre message à ses favoris"),
        (Language::En, Kind::Favourite) => format!("{by} favourited your post"),
        (Language::Fr, Kind::Reblog) => format!("{by} a partagé votre message"),
        (Language::En, Kind::Reblog) => format!("{by} boosted your post"),
    }
}

/// The end of every notification mail: why it came, where to choose, how to stop with one click.
fn footer(lang: Language, settings: &str, unsubscribe: &str) -> String {
    match lang {
        Language::Fr => format!(
            "Vous recevez ce message selon vos choix de notifications ({settings}). Ne plus recevoir ces messages : {unsubscribe}"
        ),
        Language::En => format!(
            "You get this message as your notification choices say ({settings}). Stop these messages: {unsubscribe}"
        ),
    }
}

/// One notification, sent at once.
pub fn notice(
    lang: Language,
    site: &str,
    to: &str,
    line: &str,
    link: &str,
    settings: &str,
    unsubscribe: &str,
) -> Mail {
    let (open, hello) = match lang {
        Language::Fr => ("Voir", "Bonjour,"),
        Language::En => ("Open", "Hello,"),
    };
    let mut mail = compose(
        to,
        format!("{site} : {line}"),
        &[
            format!("{hello}\n\n{line}."),
            footer(lang, settings, unsubscribe),
        ],
        Some((open, link)),
    );
    mail.unsubscribe = Some(unsubscribe.to_string());
    mail
}

/// The day's notifications of a person, in one message.
pub fn digest(
    lang: Language,
    site: &str,
    to: &str,
    items: &[(String, String)],
    settings: &str,
    unsubscribe: &str,
) -> Mail {
    let (subject, hello) = match lang {
        Language::Fr => (
            format!("{site} : vos notifications du jour ({})", items.len()),
            "Bonjour,\n\nvoici ce qui s’est passé depuis hier :".to_string(),
        ),
        Language::En => (
            format!("{site}: today's notifications ({})", items.len()),
            "Hello,\n\nhere is what happened since yesterday:".to_string(),
        ),
    };
    let mut paragraphs = vec![hello];
    paragraphs.extend(
        items
            .iter()
            .map(|(line, link)| format!("• {line}\n  {link}")),
    );
    paragraphs.push(footer(lang, settings, unsubscribe));
    let mut mail = compose(to, subject, &paragraphs, None);
    mail.unsubscribe = Some(unsubscribe.to_string());
    mail
}

/// An invitation to join, with the link that registers with its code.
pub fn invitation(lang: Language, site: &str, to: &str, link: &str, days: i64) -> Mail {
    match lang {
        Language::Fr => compose(
            to,
            format!("{site} : vous êtes invité·e"),
            &[
                format!(
                    "Bonjour,\n\nvous êtes invité·e à rejoindre {site}, l’espace de participation de la commune : débats, propositions, sondages."
                ),
                format!("Le lien est valable {days} jours et ne sert qu’une fois."),
            ],
            Some(("Créer mon compte", link)),
        ),
        Language::En => compose(
            to,
            format!("{site}: you are invited"),
            &[
                format!(
                    "Hello,\n\nyou are invited to join {site}, the commune's place for debates, proposals and polls."
                ),
                format!("The link works for {days} days, once."),
            ],
            Some(("Create my account", link)),
        ),
    }
}

/// The link that confirms a subscription to a commune's newsletter (double opt-in).
pub fn newsletter_confirm(lang: Language, commune: &str, to: &str, link: &str) -> Mail {
    match lang {
        Language::Fr => compose(
            to,
            format!("{commune} : confirmez votre abonnement à la lettre d’information"),
            &[
                format!("Bonjour,\n\nquelqu’un (vous, sans doute) a demandé que la lettre d’information de {commune} soit envoyée à {to}. Rien ne vous sera envoyé tant que vous n’avez pas confirmé."),
                "Le lien est valable 7 jours. Si vous n’avez rien demandé, ignorez ce message : vous ne recevrez rien d’autre.".into(),
            ],
            Some(("Confirmer mon abonnement", link)),
        ),
        Language::En => compose(
            to,
            format!("{commune}: confirm your subscription to the newsletter"),
            &[
                format!("Hello,\n\nsomeone (you, no doubt) asked for the newsletter of {commune} to be sent to {to}. Nothing will be sent until you confirm."),
                "The link works for 7 days. If you asked for nothing, ignore this message: you will get nothing else.".into(),
            ],
            Some(("Confirm my subscription", link)),
        ),
    }
}

/// An issue of a commune's newsletter: the Markdown as its text, the rendered (already cleaned) HTML as its
/// HTML, its page on the site, and why the reader gets it with the one-click unsubscribe link.
pub struct NewsletterMail<'a> {
    pub commune: &'a str,
    pub title: &'a str,
    pub markdown: &'a str,
    pub html: &'a str,
    pub page: &'a str,
}

/// The message of an issue to one reader, with their one-click unsubscribe link; without one, the writer's
/// test, which says it is one and offers no unsubscribing (there is no subscription).
pub fn newsletter(
    lang: Language,
    issue: &NewsletterMail,
    to: &str,
    unsubscribe: Option<&str>,
) -> Mail {
    let online = match lang {
        Language::Fr => "Lire en ligne",
        Language::En => "Read online",
    };
    let why = match (lang, unsubscribe) {
        (Language::Fr, Some(_)) => format!(
            "Vous recevez cette lettre parce que vous vous êtes abonné·e à la lettre d’information de {}. Se désabonner en un clic :",
            issue.commune
        ),
        (Language::En, Some(_)) => format!(
            "You get this letter because you subscribed to the newsletter of {}. Unsubscribe in one click:",
            issue.commune
        ),
        (Language::Fr, None) => format!(
            "Ceci est un essai de la lettre d’information de {}, envoyé à vous seul·e : personne d’autre ne l’a reçu.",
            issue.commune
        ),
        (Language::En, None) => format!(
            "This is a test of the newsletter of {}, sent to you alone: nobody else received it.",
            issue.commune
        ),
    };
    let link = unsubscribe.unwrap_or_default();
    let text = format!(
        "{}\n\n{}\n\n{online}: {}\n\n--\n{why}\n{link}\n",
        issue.title,
        issue.markdown.trim(),
        issue.page
    );
    let footer = match unsubscribe {
        Some(u) => format!(
            "{} <a href=\"{}\">{}</a>",
            escape_html(&why),
            escape_html(u),
            escape_html(u)
        ),
        None => escape_html(&why),
    };
    let html = format!(
        "<!DOCTYPE html><html><body><h1>{}</h1>{}<p><a href=\"{}\">{online}</a></p><hr><p>{footer}</p></body></html>",
        escape_html(issue.title),
        issue.html,
        escape_html(issue.page),
    );
    Mail {
        to: to.into(),
        subject: issue.title.to_string(),
        text,
        html: Some(html),
        unsubscribe: unsubscribe.map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newsletter_to_a_reader_unsubscribes_and_a_test_says_it_is_one() {
        let issue = NewsletterMail {
            commune: "Ville",
            title: "Lettre de juin",
            markdown: "Les **travaux**.",
            html: "<p>Les <strong>travaux</strong>.</p>",
            page: "https://ville.example/newsletters/1",
        };
        let to_reader = newsletter(
            Language::Fr,
            &issue,
            "a@ville.example",
            Some("https://ville.example/newsletter/unsubscribe?token=t"),
        );
        assert!(to_reader.unsubscribe.is_some());
        assert!(
            to_reader.text.contains("Se désabonner en un clic"),
            "{}",
            to_reader.text
        );
        let test = newsletter(Language::En, &issue, "marie@ville.example", None);
        assert!(test.unsubscribe.is_none());
        assert!(test.text.contains("This is a test"), "{}", test.text);
        assert!(!test.text.contains("subscribed"), "{}", test.text);
        assert!(
            test.html
                .is_some_and(|h| h.contains("<strong>travaux</strong>"))
        );
    }

    #[test]
    fn messages_are_escaped_in_html_and_readable_as_text() {
        let m = reset_password(
            Language::En,
            "Ville <b>",
            "lea@ville.example",
            "lea",
            "https://ville.example/password/reset?token=a&b",
        );
        assert_eq!(m.subject, "Ville <b>: a new password");
        assert!(
            m.text
                .contains("https://ville.example/password/reset?token=a&b\n")
        );
        let html = m.html.unwrap_or_default();
        assert!(html.contains("Ville &lt;b&gt;"), "{html}");
        assert!(
            html.contains("href=\"https://ville.example/password/reset?token=a&amp;b\""),
            "{html}"
        );
        assert!(!html.contains("<img"), "no tracking pixel");
        assert_eq!(Language::of(Some("en")), Language::En);
        assert_eq!(Language::of(None), Language::Fr);
    }
}
