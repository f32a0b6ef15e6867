//! The commune's newsletter. Its officials, agents, moderators and admins write an issue (Markdown, saved as a
//! draft, previewed, sent to themselves as a test), then send it: one message per subscriber through the
//! mail queue, and a `Create(Article)` by the commune to its followers, so that Mastodon followers read it
//! too. A sent issue is public on its page and is not changed afterwards.
//!
//! Who receives it: visitors who subscribed with an address they confirmed by the link sent there (double
//! opt-in), and accounts that ticked the box (at registration or in their settings), at their own address
//! once it is confirmed. Every message carries a one-click unsubscribe link, which ends the subscription
//! (the row is deleted: nothing of the address is kept).

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use url::Url;

use crate::civic::debates::text::{bounded, markdown_to_html};
use crate::civic::{now, outbox};
use crate::db::{AnyConnection, queries};
use crate::error::{Error, Result};
use crate::ids::{ActorId, NewsletterId};
use crate::mail::messages::{self, Language, NewsletterMail};
use crate::mail::{Counts, Mail, enqueue, enqueue_newsletter, newsletter_counts};
use crate::model::schema::{accounts, actors, newsletter_issues, newsletter_subscribers};
use crate::model::{Account, NewsletterIssue, Outbound};

pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 50_000;
/// A confirmation link is sent to an address at most once in this time, however often the form is used.
pub const ASK_AGAIN_AFTER: Duration = Duration::hours(1);
/// How long a confirmation link works.
pub const CONFIRM_WITHIN: Duration = Duration::days(7);

/// What a writer gives: a title (the mail's subject) and a Markdown body.
#[derive(Clone, Debug, Default)]
pub struct Draft {
    pub title: String,
    pub body: String,
}

impl Draft {
    fn checked(&self) -> Result<Draft> {
        let title = bounded("title", &self.title, MAX_TITLE, true)?;
        // The title is the mail's subject: one line, nothing a header could be built from.
        if title.chars().any(char::is_control) {
            return Err(Error::invalid(
                "title",
                "must be one line, without control characters",
            ));
        }
        let body = bounded("text", &self.body, MAX_BODY, true)?;
        if body
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(Error::invalid(
                "body",
                "must not contain control characters",
            ));
        }
        Ok(Draft { title, body })
    }
}

/// Whether the account writes its commune's newsletter.
pub fn writes(account: &Account) -> bool {
    crate::civic::accounts::speaks_for_commune(account) || account.role == crate::model::Role::Agent
}

fn require_writer(account: &Account, commune: ActorId) -> Result<()> {
    if account.commune_id == commune && writes(account) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the commune's officials, agents, moderators and admins write its newsletter"
                .into(),
        ))
    }
}

/// The HTML of an issue (its Markdown, rendered and cleaned).
pub fn html(issue: &NewsletterIssue) -> String {
    markdown_to_html(&issue.body)
}

/// An issue, whoever asks (a draft included: callers check `is_sent` or `editable`).
pub fn issue(conn: &mut AnyConnection, id: NewsletterId) -> Result<NewsletterIssue> {
    newsletter_issues::table
        .find(id)
        .select(NewsletterIssue::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound("no such newsletter".into()))
}

/// A sent issue, as the public sees it (a draft is nobody's business but its writers').
pub fn published(conn: &mut AnyConnection, id: NewsletterId) -> Result<NewsletterIssue> {
    let found = issue(conn, id)?;
    if !found.is_sent() {
        return Err(Error::NotFound("no such newsletter".into()));
    }
    Ok(found)
}

/// An issue its writer may see and change (a draft), or see with its counts (sent).
pub fn editable(
    conn: &mut AnyConnection,
    account: &Account,
    id: NewsletterId,
) -> Result<NewsletterIssue> {
    let found = issue(conn, id)?;
    require_writer(account, found.commune_id)?;
    Ok(found)
}

/// A commune's sent issues, newest first.
pub fn sent_issues(conn: &mut AnyConnection, commune: ActorId) -> Result<Vec<NewsletterIssue>> {
    Ok(newsletter_issues::table
        .filter(newsletter_issues::commune_id.eq(commune))
        .filter(newsletter_issues::sent_at.is_not_null())
        .order(newsletter_issues::sent_at.desc())
        .select(NewsletterIssue::as_select())
        .load(conn)?)
}

/// A commune's drafts, for its writers.
pub fn drafts(conn: &mut AnyConnection, account: &Account) -> Result<Vec<NewsletterIssue>> {
    require_writer(account, account.commune_id)?;
    Ok(newsletter_issues::table
        .filter(newsletter_issues::commune_id.eq(account.commune_id))
        .filter(newsletter_issues::sent_at.is_null())
        .order(newsletter_issues::updated_at.desc())
        .select(NewsletterIssue::as_select())
        .load(conn)?)
}

/// Starts an issue of the writer's commune, as a draft.
pub fn create(conn: &mut AnyConnection, account: &Account, draft: &Draft) -> Result<NewsletterId> {
    require_writer(account, account.commune_id)?;
    let draft = draft.checked()?;
    let at = now();
    crate::on_each_backend!(conn, |c| diesel::insert_into(newsletter_issues::table)
        .values((
            newsletter_issues::commune_id.eq(account.commune_id),
            newsletter_issues::author_id.eq(account.actor_id),
            newsletter_issues::title.eq(&draft.title),
            newsletter_issues::body.eq(&draft.body),
            newsletter_issues::created_at.eq(at),
            newsletter_issues::updated_at.eq(at),
        ))
        .returning(newsletter_issues::id)
        .get_result::<NewsletterId>(c))
    .map_err(Into::into)
}

/// Changes a draft; a sent issue is not changed.
pub fn update(
    conn: &mut AnyConnection,
    account: &Account,
    id: NewsletterId,
    draft: &Draft,
) -> Result<()> {
    let found = editable(conn, account, id)?;
    let draft = draft.checked()?;
    let changed = diesel::update(
        newsletter_issues::table
            .find(found.id)
            .filter(newsletter_issues::sent_at.is_null()),
    )
    .set((
        newsletter_issues::title.eq(&draft.title),
        newsletter_issues::body.eq(&draft.body),
        newsletter_issues::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict(
            "this newsletter was already sent: it is not changed afterwards".into(),
        ));
    }
    Ok(())
}

/// The path of an issue's page (its `Article`'s id too).
pub fn path(id: NewsletterId) -> String {
    format!("/newsletters/{id}")
}

/// Where an issue is read on the web.
pub fn page(base: &Url, id: NewsletterId) -> String {
    let mut url = base.clone();
    url.set_path(&path(id));
    url.to_string()
}

fn link(base: &Url, path: &str, token: &str) -> String {
    let mut url = base.clone();
    url.set_path(path);
    url.query_pairs_mut().append_pair("token", token);
    url.to_string()
}

fn commune_name(conn: &mut AnyConnection, commune: ActorId) -> Result<String> {
    Ok(queries::actor_by_id(conn, commune)?.display_name)
}

/// Sends the issue to its writer alone, as subscribers will get it (marked as a test); returns the address.
/// The writer needs a confirmed address.
pub fn send_test(
    conn: &mut AnyConnection,
    base: &Url,
    account: &Account,
    id: NewsletterId,
) -> Result<String> {
    let found = editable(conn, account, id)?;
    let (Some(address), Some(_)) = (&account.email, account.email_confirmed_at) else {
        return Err(Error::invalid(
            "email",
            "give and confirm your own address in your settings to receive a test",
        ));
    };
    let commune = commune_name(conn, found.commune_id)?;
    let html = html(&found);
    let title = format!("[Test] {}", found.title);
    let issue = NewsletterMail {
        commune: &commune,
        title: &title,
        markdown: &found.body,
        html: &html,
        page: &page(base, found.id),
    };
    let lang = Language::of(account.language.as_deref());
    // A test ends no subscription: it says it is one, and has no unsubscribe link.
    enqueue(conn, &messages::newsletter(lang, &issue, address, None))?;
    Ok(address.clone())
}

/// Who gets an issue of `commune`: confirmed visitors, and subscribed accounts with a confirmed address;
/// each address once, with its language and its unsubscribe secret.
fn readers(
    conn: &mut AnyConnection,
    commune: ActorId,
) -> Result<BTreeMap<String, (Language, String)>> {
    let visitors: Vec<(Option<String>, String, String)> = newsletter_subscribers::table
        .filter(newsletter_subscribers::commune_id.eq(commune))
        .filter(newsletter_subscribers::email.is_not_null())
        .filter(newsletter_subscribers::confirmed_at.is_not_null())
        .select((
            newsletter_subscribers::email,
            newsletter_subscribers::language,
            newsletter_subscribers::token,
        ))
        .load(conn)?;
    let members: Vec<(Option<String>, Option<String>, String)> = newsletter_subscribers::table
        .inner_join(
            accounts::table.on(accounts::actor_id
                .nullable()
                .eq(newsletter_subscribers::account_id)),
        )
        .inner_join(actors::table.on(actors::id.eq(accounts::actor_id)))
        .filter(newsletter_subscribers::commune_id.eq(commune))
        .filter(accounts::email_confirmed_at.is_not_null())
        .filter(actors::deleted_at.is_null())
        .select((
            accounts::email,
            accounts::language,
            newsletter_subscribers::token,
        ))
        .load(conn)?;
    let mut readers = BTreeMap::new();
    for (address, lang, token) in members {
        if let Some(address) = address {
            readers.insert(address, (Language::of(lang.as_deref()), token));
        }
    }
    for (address, lang, token) in visitors {
        if let Some(address) = address {
            readers
                .entry(address)
                .or_insert((Language::of(Some(&lang)), token));
        }
    }
    Ok(readers)
}

/// How many addresses an issue of the commune would go to now.
pub fn reader_count(conn: &mut AnyConnection, commune: ActorId) -> Result<usize> {
    Ok(readers(conn, commune)?.len())
}

/// Sends a draft: one message per reader through the queue, the issue made public, and its `Article`
/// federated by the commune. Returns how many messages were queued. A second send is refused.
pub fn send(
    conn: &mut AnyConnection,
    base: &Url,
    account: &Account,
    id: NewsletterId,
) -> Result<usize> {
    let found = editable(conn, account, id)?;
    let readers = readers(conn, found.commune_id)?;
    let changed = diesel::update(
        newsletter_issues::table
            .find(found.id)
            .filter(newsletter_issues::sent_at.is_null()),
    )
    .set((
        newsletter_issues::sent_at.eq(Some(now())),
        newsletter_issues::recipients.eq(readers.len() as i64),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict("this newsletter was already sent".into()));
    }
    let commune = commune_name(conn, found.commune_id)?;
    let html = html(&found);
    let page = page(base, found.id);
    let issue = NewsletterMail {
        commune: &commune,
        title: &found.title,
        markdown: &found.body,
        html: &html,
        page: &page,
    };
    // Built and queued a batch at a time: a list of 20,000 is not held in memory at once.
    let readers: Vec<(String, (Language, String))> = readers.into_iter().collect();
    for batch in readers.chunks(500) {
        let mails: Vec<Mail> = batch
            .iter()
            .map(|(address, (lang, token))| {
                let unsubscribe = link(base, "/newsletter/unsubscribe", token);
                messages::newsletter(*lang, &issue, address, Some(&unsubscribe))
            })
            .collect();
        enqueue_newsletter(conn, found.id, &mails)?;
    }
    outbox::record(
        conn,
        found.commune_id,
        Outbound::NewsletterSent { issue: found.id },
    )?;
    Ok(readers.len())
}

/// What became of a sent issue's messages, for its writers.
pub fn counts(conn: &mut AnyConnection, account: &Account, id: NewsletterId) -> Result<Counts> {
    let found = editable(conn, account, id)?;
    newsletter_counts(conn, found.id)
}

/// A visitor subscribes with an address: a confirmation link goes there (at most once per
/// [`ASK_AGAIN_AFTER`]); nothing is sent to it before it is confirmed. The answer is the same whether or not
/// the address was already subscribed, so the form tells nobody who reads the newsletter.
pub fn subscribe(
    conn: &mut AnyConnection,
    base: &Url,
    commune: ActorId,
    raw: &str,
    language: Language,
) -> Result<()> {
    let address = crate::civic::addresses::normalize(raw)?;
    let found: Option<(
        i64,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = newsletter_subscribers::table
        .filter(newsletter_subscribers::commune_id.eq(commune))
        .filter(newsletter_subscribers::email.eq(&address))
        .select((
            newsletter_subscribers::id,
            newsletter_subscribers::token,
            newsletter_subscribers::asked_at,
            newsletter_subscribers::confirmed_at,
        ))
        .first(conn)
        .optional()?;
    let code = language_code(language);
    let token = match found {
        Some((_, _, _, Some(_))) => return Ok(()),
        Some((_, _, asked, None)) if asked > now() - ASK_AGAIN_AFTER => {
            tracing::info!(%commune, "newsletter confirmation not sent again within the hour");
            return Ok(());
        }
        Some((row, _, _, None)) => {
            // A new link: the one sent before may have expired.
            let token = crate::civic::tokens::random_code(24);
            diesel::update(newsletter_subscribers::table.find(row))
                .set((
                    newsletter_subscribers::token.eq(&token),
                    newsletter_subscribers::asked_at.eq(now()),
                    newsletter_subscribers::language.eq(code),
                ))
                .execute(conn)?;
            token
        }
        None => {
            let token = crate::civic::tokens::random_code(24);
            diesel::insert_into(newsletter_subscribers::table)
                .values((
                    newsletter_subscribers::commune_id.eq(commune),
                    newsletter_subscribers::email.eq(Some(&address)),
                    newsletter_subscribers::language.eq(code),
                    newsletter_subscribers::token.eq(&token),
                    newsletter_subscribers::created_at.eq(now()),
                    newsletter_subscribers::asked_at.eq(now()),
                ))
                .execute(conn)?;
            token
        }
    };
    let name = commune_name(conn, commune)?;
    enqueue(
        conn,
        &messages::newsletter_confirm(
            language,
            &name,
            &address,
            &link(base, "/newsletter/confirm", &token),
        ),
    )?;
    Ok(())
}

fn language_code(language: Language) -> &'static str {
    match language {
        Language::Fr => "fr",
        Language::En => "en",
    }
}

/// A subscription found by its link's secret: its row, commune, when the link was sent, when confirmed.
type Subscription = (i64, ActorId, NaiveDateTime, Option<NaiveDateTime>);

fn by_token(conn: &mut AnyConnection, token: &str) -> Result<Option<Subscription>> {
    let token = token.trim();
    if token.is_empty() {
        return Ok(None);
    }
    Ok(newsletter_subscribers::table
        .filter(newsletter_subscribers::token.eq(token))
        .select((
            newsletter_subscribers::id,
            newsletter_subscribers::commune_id,
            newsletter_subscribers::asked_at,
            newsletter_subscribers::confirmed_at,
        ))
        .first(conn)
        .optional()?)
}

/// Confirms a subscription by its link. Returns the commune.
pub fn confirm(conn: &mut AnyConnection, token: &str) -> Result<ActorId> {
    match by_token(conn, token)? {
        None => Err(Error::NotFound(
            "this link is not valid: copy the whole link from the message, or subscribe again"
                .into(),
        )),
        Some((_, commune, _, Some(_))) => Ok(commune),
        Some((_, _, asked, None)) if asked <= now() - CONFIRM_WITHIN => {
            Err(Error::Gone("this link has expired: subscribe again".into()))
        }
        Some((row, commune, _, None)) => {
            diesel::update(newsletter_subscribers::table.find(row))
                .set(newsletter_subscribers::confirmed_at.eq(Some(now())))
                .execute(conn)?;
            Ok(commune)
        }
    }
}

/// Ends a subscription by the link in every issue (no sign-in): the row goes, address and all. Returns the
/// commune.
pub fn unsubscribe(conn: &mut AnyConnection, token: &str) -> Result<ActorId> {
    let (row, commune, _, _) = by_token(conn, token)?.ok_or_else(|| {
        Error::NotFound("this unsubscribe link is not valid, or was already used".into())
    })?;
    diesel::delete(newsletter_subscribers::table.find(row)).execute(conn)?;
    Ok(commune)
}

/// Whether an account receives its commune's newsletter.
pub fn is_subscribed(conn: &mut AnyConnection, account: &Account) -> Result<bool> {
    Ok(newsletter_subscribers::table
        .filter(newsletter_subscribers::commune_id.eq(account.commune_id))
        .filter(newsletter_subscribers::account_id.eq(account.actor_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

/// An account subscribes to its commune's newsletter, or stops. Its own address is used, once confirmed:
/// ticking the box is the consent, confirming the address the proof.
pub fn set_subscribed(conn: &mut AnyConnection, account: &Account, on: bool) -> Result<()> {
    let mine = newsletter_subscribers::table
        .filter(newsletter_subscribers::commune_id.eq(account.commune_id))
        .filter(newsletter_subscribers::account_id.eq(account.actor_id));
    if !on {
        diesel::delete(mine).execute(conn)?;
        return Ok(());
    }
    if is_subscribed(conn, account)? {
        return Ok(());
    }
    let language = Language::of(account.language.as_deref());
    diesel::insert_into(newsletter_subscribers::table)
        .values((
            newsletter_subscribers::commune_id.eq(account.commune_id),
            newsletter_subscribers::account_id.eq(Some(account.actor_id)),
            newsletter_subscribers::language.eq(language_code(language)),
            newsletter_subscribers::token.eq(crate::civic::tokens::random_code(24)),
            newsletter_subscribers::created_at.eq(now()),
            newsletter_subscribers::asked_at.eq(now()),
            newsletter_subscribers::confirmed_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_one_line_and_a_body_is_required() {
        let draft = |title: &str, body: &str| Draft {
            title: title.into(),
            body: body.into(),
        };
        assert!(draft("Juin", "Les travaux de la place.").checked().is_ok());
        assert!(matches!(
            draft("Juin\r\nBcc: tous@ville.example", "x").checked(),
            Err(Error::Invalid { field: "title", .. })
        ));
        assert!(matches!(
            draft("Juin", "  ").checked(),
            Err(Error::Invalid { field: "text", .. })
        ));
        assert!(matches!(
            draft(&"x".repeat(MAX_TITLE + 1), "x").checked(),
            Err(Error::Invalid { field: "title", .. })
        ));
    }
}
