//! OpenID Connect against a real provider (`oidc-provider` from npm, see `support/oidc.rs`): Léa verifies
//! her residency through it and signs in with it; someone it places elsewhere is refused with the reason,
//! nothing written; a forged or foreign state, a callback used twice, a cancelled login, a token made for
//! another login (nonce), an expired code and a provider that is down each get a clear page and change
//! nothing. A provider that gives the address only from userinfo (as FranceConnect does) verifies too, and
//! opens accounts when the instance lets it.

use diesel::prelude::*;
use serde_json::json;

use crate::support::debates::people;
use crate::support::oidc::{self, Provider};
use crate::support::web::WebClient;
use crate::support::{TestInstance, both_backends};
use crate::web::signed_in;
use parvis::model::schema::{account_identities, accounts, actors, residency_verifications};

/// The instance's settings for the provider at `issuer`.
fn configure(s: &mut parvis::config::Settings, issuer: &str) {
    s.oidc.issuer = issuer.into();
    s.oidc.client_id = oidc::CLIENT_ID.into();
    s.oidc.client_secret = oidc::CLIENT_SECRET.into();
    s.oidc.name = "Compte Ville".into();
    s.oidc.scopes = vec!["profile".into(), "email".into(), "address".into()];
    s.oidc.residency_claim = "address.postal_code".into();
    s.oidc.residency_values = vec!["38000".into(), "38100".into()];
    s.oidc.acr_values = "eidas1".into();
}

/// Who is a resident, by username, with the method and source of their verification.
async fn verifications(alpha: &TestInstance) -> Vec<(String, String, String)> {
    alpha
        .db
        .run(|c| {
            Ok(residency_verifications::table
                .inner_join(actors::table.on(actors::id.eq(residency_verifications::account_id)))
                .filter(residency_verifications::ended_at.is_null())
                .order(actors::username)
                .select((
                    actors::username,
                    residency_verifications::method,
                    residency_verifications::source,
                ))
                .load(c)?)
        })
        .await
        .unwrap()
}

/// The linked identities: (username, subject).
async fn identities(alpha: &TestInstance) -> Vec<(String, String)> {
    alpha
        .db
        .run(|c| {
            Ok(account_identities::table
                .inner_join(actors::table.on(actors::id.eq(account_identities::account_id)))
                .order(actors::username)
                .select((actors::username, account_identities::subject))
                .load(c)?)
        })
        .await
        .unwrap()
}

async fn account_count(alpha: &TestInstance) -> i64 {
    alpha
        .db
        .run(|c| Ok(accounts::table.count().get_result(c)?))
        .await
        .unwrap()
}

/// The pages in English, which the assertions read.
fn english(mut web: WebClient) -> WebClient {
    web.accept_language = "en".into();
    web
}

/// Starts a login from `web`'s browser: the provider's authorization URL it is sent to.
async fn start(web: &mut WebClient, purpose: &str, provider_issuer: &str) -> String {
    let page = web.get(&format!("/oidc/start?for={purpose}")).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let to = page.location.expect("a redirect to the provider");
    assert!(to.starts_with(provider_issuer), "{to}");
    to
}

/// The path and query of a URL of the instance (where the provider sends the browser back).
fn local(alpha: &TestInstance, url: &str) -> String {
    assert!(url.starts_with(&alpha.base), "{url}");
    url[alpha.base.len()..].to_string()
}

fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

both_backends!(
    residency_and_sign_in_through_a_real_provider,
    |backend| async move {
        let provider = Provider::start(oidc::accounts(), json!({}));
        let alpha = TestInstance::start_with(backend, |s| configure(s, &provider.issuer)).await;
        provider.register(&alpha.url("/oidc/callback")).await;
        people(&alpha).await;

        // Léa verifies her residency: the provider says her postal code is the commune's.
        let mut lea = english(signed_in(&alpha, "lea").await);
        let page = lea.get("/residency").await;
        assert!(
            page.body.contains("Verify with Compte Ville"),
            "{}",
            page.body
        );
        let to = start(&mut lea, "verify", &provider.issuer).await;
        assert_eq!(query_param(&to, "code_challenge_method"), "S256");
        assert_eq!(query_param(&to, "acr_values"), "eidas1");
        let back = provider.authorize(&to, "lea").await;
        let callback = local(&alpha, &back);
        let page = lea.get(&callback).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/residency"));
        assert_eq!(
            verifications(&alpha).await,
            vec![("lea".into(), "oidc".into(), "Compte Ville".into())]
        );
        assert_eq!(identities(&alpha).await, vec![("lea".into(), "lea".into())]);
        let page = lea.get("/residency").await;
        assert!(
            page.body.contains("Linked to your Compte Ville identity"),
            "{}",
            page.body
        );

        // The same callback again: the login it completed is gone.
        let page = lea.get(&callback).await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("already completed"), "{}", page.body);

        // Léa signs in with it from another browser.
        let mut browser = english(WebClient::new(&alpha));
        let page = browser.get("/login").await;
        assert!(
            page.body.contains("Sign in with Compte Ville"),
            "{}",
            page.body
        );
        let to = start(&mut browser, "signin", &provider.issuer).await;
        let back = provider.authorize(&to, "lea").await;
        let page = browser.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 303, "{}", page.body);
        let page = browser.get("/residency").await;
        assert_eq!(page.status, 200);
        assert!(
            page.body.contains("Linked to your Compte Ville identity"),
            "{}",
            page.body
        );

        // Karim's identity at the provider is Bruno's, who lives in Paris: refused, with the reason.
        let mut karim = english(signed_in(&alpha, "karim").await);
        let to = start(&mut karim, "verify", &provider.issuer).await;
        let back = provider.authorize(&to, "bruno").await;
        let page = karim.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(
            page.body.contains("75001") && page.body.contains("not this commune"),
            "{}",
            page.body
        );

        // A forged state, after a real start: refused.
        let to = start(&mut karim, "verify", &provider.issuer).await;
        let back = provider.authorize(&to, "lea").await;
        let forged = local(&alpha, &back).replace(&query_param(&back, "state"), "forged");
        let page = karim.get(&forged).await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("does not belong"), "{}", page.body);

        // Léa's identity, brought back into Karim's browser from a login started in hers: refused.
        let to = start(&mut lea, "verify", &provider.issuer).await;
        let back = provider.authorize(&to, "lea").await;
        let page = karim.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 400, "{}", page.body);

        // Karim cancels at the provider.
        let to = start(&mut karim, "verify", &provider.issuer).await;
        let back = provider.cancel(&to).await;
        let page = karim.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("You cancelled"), "{}", page.body);

        // Bruno signs in with no account linked, and the instance opens none.
        let accounts_before = account_count(&alpha).await;
        let mut stranger = english(WebClient::new(&alpha));
        let to = start(&mut stranger, "signin", &provider.issuer).await;
        let back = provider.authorize(&to, "bruno").await;
        let page = stranger.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(
            page.body.contains("No account here is linked"),
            "{}",
            page.body
        );

        // Nothing of the refused attempts was written.
        assert_eq!(account_count(&alpha).await, accounts_before);
        assert_eq!(
            verifications(&alpha).await,
            vec![("lea".into(), "oidc".into(), "Compte Ville".into())]
        );
        assert_eq!(identities(&alpha).await, vec![("lea".into(), "lea".into())]);

        // Léa deletes her account: her verification and her identity go with it, and the identity may
        // then verify Karim.
        let deleted = lea
            .submit(
                "/settings",
                "/settings/delete",
                &[
                    ("delete_password", crate::web::PASSWORD),
                    ("delete_confirm", "yes"),
                ],
            )
            .await;
        assert_eq!(deleted.status, 200, "{}", deleted.body);
        assert!(verifications(&alpha).await.is_empty());
        assert!(identities(&alpha).await.is_empty());
        let to = start(&mut karim, "verify", &provider.issuer).await;
        let back = provider.authorize(&to, "lea").await;
        let page = karim.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(
            identities(&alpha).await,
            vec![("karim".into(), "lea".into())]
        );
    }
);

both_backends!(
    a_provider_that_tells_the_address_only_in_userinfo_opens_accounts_and_its_tokens_are_checked,
    |backend| async move {
        // A provider that is down: a clear page, nothing started.
        let down = TestInstance::start_with(backend, |s| configure(s, oidc::DOWN)).await;
        let mut early = english(WebClient::new(&down));
        let page = early.get("/oidc/start?for=signin").await;
        assert_eq!(page.status, 502, "{}", page.body);
        assert!(page.body.contains("cannot be reached"), "{}", page.body);

        let provider = Provider::start(
            oidc::accounts(),
            json!({"pkce_required": false, "claims_in_id_token": false, "ttl": {"AuthorizationCode": 1}}),
        );
        let alpha = TestInstance::start_with(backend, |s| {
            configure(s, &provider.issuer);
            s.oidc.pkce = false;
            s.oidc.create_accounts = true;
        })
        .await;
        provider.register(&alpha.url("/oidc/callback")).await;
        people(&alpha).await;

        // Léa's first sign-in opens her account, named after what the provider says, and verifies her
        // residency from the address the provider gives only at its userinfo endpoint.
        let mut lea = english(WebClient::new(&alpha));
        let to = start(&mut lea, "signin", &provider.issuer).await;
        assert_eq!(query_param(&to, "code_challenge"), "");
        let back = provider.authorize(&to, "lea").await;
        let page = lea.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert_eq!(
            verifications(&alpha).await,
            vec![("lea-martin".into(), "oidc".into(), "Compte Ville".into())]
        );
        assert_eq!(
            identities(&alpha).await,
            vec![("lea-martin".into(), "lea".into())]
        );
        // Her account has no password: her settings ask none to delete it (deleted at the end).
        assert!(!lea.get("/settings").await.has("id=\"delete_password\""));
        let accounts_before = account_count(&alpha).await;

        // A token made for another login: two logins started in one browser, the code of the first brought
        // back with the state of the second (the one the session holds). Without PKCE, only the nonce
        // tells them apart.
        let mut mixed = english(WebClient::new(&alpha));
        let first = start(&mut mixed, "signin", &provider.issuer).await;
        let second = start(&mut mixed, "signin", &provider.issuer).await;
        let back = provider.authorize(&first, "bruno").await;
        let swapped = local(&alpha, &back)
            .replace(&query_param(&back, "state"), &query_param(&second, "state"));
        let page = mixed.get(&swapped).await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(
            page.body.contains("made for another sign-in"),
            "{}",
            page.body
        );

        // A code that has expired at the provider (it lives one second there).
        let mut late = english(WebClient::new(&alpha));
        let to = start(&mut late, "signin", &provider.issuer).await;
        let back = provider.authorize(&to, "bruno").await;
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        let page = late.get(&local(&alpha, &back)).await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.body.contains("refused the sign-in"), "{}", page.body);

        // Neither opened an account for Bruno.
        assert_eq!(account_count(&alpha).await, accounts_before);
        assert_eq!(
            identities(&alpha).await,
            vec![("lea-martin".into(), "lea".into())]
        );

        // She gives it a password (none is asked first: it has none), then signs in with it too.
        let settings = lea.get("/settings").await;
        assert!(
            !settings.has("id=\"current_password\""),
            "{}",
            settings.body
        );
        let short = lea
            .submit(
                "/settings",
                "/settings/password",
                &[("new_password", "court")],
            )
            .await;
        assert_eq!(
            short.status, 422,
            "a weak one is still refused: {}",
            short.body
        );
        let set = lea
            .submit(
                "/settings",
                "/settings/password",
                &[("new_password", "un mot de passe tout neuf")],
            )
            .await;
        assert_eq!(set.status, 303, "{}", set.body);
        let mut again = english(WebClient::new(&alpha));
        again.login("lea-martin", "un mot de passe tout neuf").await;
        assert!(lea.get("/settings").await.has("id=\"current_password\""));

        // Léa deletes the account the provider opened, with the password she gave it.
        let deleted = lea
            .submit(
                "/settings",
                "/settings/delete",
                &[
                    ("delete_password", "un mot de passe tout neuf"),
                    ("delete_confirm", "yes"),
                ],
            )
            .await;
        assert_eq!(deleted.status, 200, "{}", deleted.body);
        assert!(identities(&alpha).await.is_empty());
        assert!(verifications(&alpha).await.is_empty());
    }
);
