//! OAuth 2 as Mastodon apps use it: an app registers (a form body), Léa approves it on the consent page,
//! the app exchanges the code with its PKCE verifier and holds a token with the scopes granted, no more. A
//! wrong verifier burns the code; a code is used once and expires; a wrong redirect URI is never followed;
//! scopes beyond the app's are refused at its redirect URI; a token is refused beyond its scopes, and once
//! revoked (by the app, or by Léa in her settings). An app's own token (client credentials) opens no account.

use base64::Engine;
use diesel::prelude::*;
use serde_json::{Value, json};
use sha2::Digest;

use crate::support::debates::people;
use crate::support::web::{Page, WebClient};
use crate::support::{TestInstance, both_backends};
use crate::web::signed_in;
use parvis::model::schema::{notes, oauth_codes};

pub(crate) const CALLBACK: &str = "https://app.example/callback";

/// A request to the API or the token endpoint; the status and the JSON answer.
pub(crate) async fn call(
    alpha: &TestInstance,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, String)>,
) -> (u16, Value) {
    let mut request = alpha.client().request(method, alpha.url(path));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    if let Some((kind, body)) = body {
        request = request.header("Content-Type", kind).body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn get(alpha: &TestInstance, path: &str, token: Option<&str>) -> (u16, Value) {
    call(alpha, reqwest::Method::GET, path, token, None).await
}

/// A form posted as an app posts it.
pub(crate) async fn post(
    alpha: &TestInstance,
    path: &str,
    token: Option<&str>,
    pairs: &[(&str, &str)],
) -> (u16, Value) {
    call(alpha, reqwest::Method::POST, path, token, form(pairs)).await
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> Option<(&'static str, String)> {
    Some((
        "application/x-www-form-urlencoded",
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish(),
    ))
}

pub(crate) fn challenge_of(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// The authorization URL an app sends the browser to.
pub(crate) fn authorize_path(
    client_id: &str,
    scope: &str,
    redirect: &str,
    challenge: &str,
) -> String {
    format!(
        "/oauth/authorize?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", redirect),
                ("scope", scope),
                ("state", "st-42"),
                ("code_challenge", challenge),
                ("code_challenge_method", "S256"),
            ])
            .finish()
    )
}

/// The consent form's fields, as the page holds them.
pub(crate) fn consent_fields(page: &Page) -> Vec<(String, String)> {
    let form = page
        .body
        .split("id=\"oauth-consent\"")
        .nth(1)
        .expect("the consent form")
        .split("</form>")
        .next()
        .unwrap();
    form.split("<input ")
        .skip(1)
        .filter_map(|input| {
            let attr = |name: &str| {
                input
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .map(|s| s.replace("&amp;", "&").replace("&quot;", "\""))
            };
            Some((attr("name")?, attr("value").unwrap_or_default()))
        })
        .collect()
}

/// Léa answers the consent page at `path` (`approve` or `deny`); the answer.
pub(crate) async fn decide(lea: &mut WebClient, path: &str, decision: &str) -> Page {
    let page = lea.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let mut fields = consent_fields(&page);
    fields.push(("decision".into(), decision.into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    lea.post("/oauth/authorize", &pairs).await
}

pub(crate) fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Léa approves; the code the app receives.
async fn approved_code(lea: &mut WebClient, client_id: &str, challenge: &str) -> String {
    let answer = decide(
        lea,
        &authorize_path(client_id, "read write:statuses", CALLBACK, challenge),
        "approve",
    )
    .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let to = answer.location.unwrap();
    assert!(to.starts_with(CALLBACK), "{to}");
    assert_eq!(param(&to, "state").as_deref(), Some("st-42"));
    param(&to, "code").expect("a code")
}

async fn exchange(
    alpha: &TestInstance,
    client: (&str, &str),
    code: &str,
    verifier: &str,
) -> (u16, Value) {
    exchange_at(alpha, client, code, CALLBACK, verifier).await
}

/// The app exchanges `code`, given for `redirect`, with its verifier (`client_secret_post`).
pub(crate) async fn exchange_at(
    alpha: &TestInstance,
    client: (&str, &str),
    code: &str,
    redirect: &str,
    verifier: &str,
) -> (u16, Value) {
    post(
        alpha,
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
            ("client_id", client.0),
            ("client_secret", client.1),
        ],
    )
    .await
}

both_backends!(
    an_app_is_approved_on_the_consent_page_and_its_token_holds_the_scopes_granted,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;

        // The server says how (RFC 8414).
        let (status, meta) = get(&alpha, "/.well-known/oauth-authorization-server", None).await;
        assert_eq!(status, 200);
        assert_eq!(
            meta["authorization_endpoint"],
            alpha.url("/oauth/authorize")
        );
        assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));

        // Tusky registers, with a form body as Mastodon takes it.
        let (status, app) = post(
            &alpha,
            "/api/v1/apps",
            None,
            &[
                ("client_name", "Tusky"),
                ("redirect_uris", CALLBACK),
                ("scopes", "read write:statuses"),
                ("website", "https://tusky.app"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{app}");
        assert_eq!(app["scopes"], json!(["read", "write:statuses"]));
        let client_id = app["client_id"].as_str().unwrap().to_string();
        let secret = app["client_secret"].as_str().unwrap().to_string();
        let client = (client_id.as_str(), secret.as_str());
        let (status, bad_app) = post(
            &alpha,
            "/api/v1/apps",
            None,
            &[
                ("client_name", "X"),
                ("redirect_uris", "/relative"),
                ("scopes", "read"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{bad_app}");

        let verifier = "a-verifier-of-the-app-long-enough-to-be-forty-three-characters-at-least";
        let challenge = challenge_of(verifier);
        let path = authorize_path(&client_id, "read write:statuses", CALLBACK, &challenge);

        // Not signed in: to the sign-in page first.
        let page = WebClient::new(&alpha).get(&path).await;
        assert_eq!(page.status, 303);
        assert!(page.location.unwrap().starts_with("/login?next="));

        let mut lea = signed_in(&alpha, "lea").await;
        // A redirect URI the app did not register: said on the page, never followed.
        let page = lea
            .get(&authorize_path(
                &client_id,
                "read",
                "https://evil.example/cb",
                &challenge,
            ))
            .await;
        assert_eq!(page.status, 400, "{}", page.body);
        assert!(page.location.is_none());
        // More than the app registered: the app is told, at its redirect URI.
        let page = lea
            .get(&authorize_path(
                &client_id,
                "read write",
                CALLBACK,
                &challenge,
            ))
            .await;
        assert_eq!(page.status, 303);
        let to = page.location.unwrap();
        assert_eq!(
            param(&to, "error").as_deref(),
            Some("invalid_scope"),
            "{to}"
        );
        assert_eq!(param(&to, "state").as_deref(), Some("st-42"));
        // A challenge that is not a base64url SHA-256 (too short, or not base64url): the app is told.
        for bad in ["abc", &format!("{}!", &challenge[..42])] {
            let page = lea
                .get(&authorize_path(&client_id, "read", CALLBACK, bad))
                .await;
            assert_eq!(page.status, 303, "{bad}: {}", page.body);
            let to = page.location.unwrap();
            assert_eq!(
                param(&to, "error").as_deref(),
                Some("invalid_request"),
                "{bad}: {to}"
            );
        }

        // The consent page names the app and what it asks; its form may lead back to the app.
        let page = lea.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains("Tusky")
                && page.body.contains("write:statuses")
                // Said in the person's language (French here), the scope's name beside it.
                && page.body.contains("modifier vos messages"),
            "{}",
            page.body
        );
        let csp = page.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("form-action 'self' https://app.example"),
            "{csp}"
        );

        // Denied: the app is told so.
        let denied = decide(&mut lea, &path, "deny").await;
        assert_eq!(denied.status, 303);
        assert_eq!(
            param(&denied.location.unwrap(), "error").as_deref(),
            Some("access_denied")
        );

        // A wrong verifier: refused, and the code is spent.
        let code = approved_code(&mut lea, &client_id, &challenge).await;
        let (status, answer) = exchange(&alpha, client, &code, &format!("{verifier}-not")).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_grant")),
            "{answer}"
        );
        let (status, answer) = exchange(&alpha, client, &code, verifier).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_grant")),
            "{answer}"
        );
        // A wrong secret.
        let code = approved_code(&mut lea, &client_id, &challenge).await;
        let (status, answer) = exchange(&alpha, (&client_id, "wrong"), &code, verifier).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (401, Some("invalid_client")),
            "{answer}"
        );
        // An expired code.
        let code = approved_code(&mut lea, &client_id, &challenge).await;
        alpha
            .db
            .run(|c| {
                Ok(
                    diesel::update(oauth_codes::table.filter(oauth_codes::used_at.is_null()))
                        .set(
                            oauth_codes::expires_at
                                .eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)),
                        )
                        .execute(c)?,
                )
            })
            .await
            .unwrap();
        let (status, answer) = exchange(&alpha, client, &code, verifier).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("invalid_grant")),
            "{answer}"
        );
        assert!(
            answer["error_description"]
                .as_str()
                .unwrap()
                .contains("expired"),
            "{answer}"
        );

        // The right one, with HTTP Basic: a token with the scopes granted; the code works once.
        let code = approved_code(&mut lea, &client_id, &challenge).await;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
        let response = alpha
            .client()
            .post(alpha.url("/oauth/token"))
            .header("Authorization", format!("Basic {basic}"))
            .json(&json!({"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let granted: Value = response.json().await.unwrap();
        assert_eq!(granted["scope"], "read write:statuses", "{granted}");
        assert_eq!(granted["token_type"], "Bearer");
        let token = granted["access_token"].as_str().unwrap().to_string();
        let (status, _) = exchange(&alpha, client, &code, verifier).await;
        assert_eq!(status, 400, "a code is used once");

        // What the token may do, and may not.
        let (status, me) = get(&alpha, "/api/v1/accounts/verify_credentials", Some(&token)).await;
        assert_eq!(
            (status, me["username"].as_str()),
            (200, Some("lea")),
            "{me}"
        );
        let (status, posted) = post(
            &alpha,
            "/api/v1/statuses",
            Some(&token),
            &[("status", "Posté depuis Tusky")],
        )
        .await;
        assert_eq!(status, 200, "a form body: {posted}");
        let (status, posted) = call(
            &alpha,
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(&token),
            Some((
                "application/json",
                json!({"status": "Et en JSON"}).to_string(),
            )),
        )
        .await;
        assert_eq!(status, 200, "a JSON body: {posted}");
        // Multipart, as apps send a post with pictures: its text fields are read as a form's.
        let (body, boundary) = crate::support::web::multipart_form(
            &[("status", "Et en multipart"), ("visibility", "unlisted")],
            &[],
        );
        let response = alpha
            .client()
            .post(alpha.url("/api/v1/statuses"))
            .bearer_auth(&token)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let posted: Value = response.json().await.unwrap();
        assert_eq!(posted["visibility"], "unlisted", "{posted}");
        // A multipart body whose boundary never comes is refused, in Mastodon's error shape.
        let response = alpha
            .client()
            .post(alpha.url("/api/v1/statuses"))
            .bearer_auth(&token)
            .header("Content-Type", "multipart/form-data; boundary=nowhere")
            .body("--elsewhere\r\nContent-Disposition: form-data; name=\"status\"\r\n\r\nx")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400);
        let refused: Value = response.json().await.unwrap();
        assert!(
            refused["error"].as_str().unwrap().contains("multipart"),
            "{refused}"
        );
        let (status, twice) = post(
            &alpha,
            "/api/v1/statuses",
            Some(&token),
            &[("status", "a"), ("status[]", "b")],
        )
        .await;
        assert_eq!(status, 400, "a value and a list under one name: {twice}");
        assert!(
            twice["error"].as_str().unwrap().contains("status"),
            "{twice}"
        );
        let (status, marie) = get(&alpha, "/api/v1/accounts/lookup?acct=marie", Some(&token)).await;
        assert_eq!(status, 200, "{marie}");
        let follow = format!("/api/v1/accounts/{}/follow", marie["id"].as_str().unwrap());
        let (status, beyond) =
            call(&alpha, reqwest::Method::POST, &follow, Some(&token), None).await;
        assert_eq!(
            status, 403,
            "following is beyond read write:statuses: {beyond}"
        );
        let written: i64 = alpha
            .db
            .run(|c| Ok(notes::table.count().get_result(c)?))
            .await
            .unwrap();
        assert_eq!(
            written, 3,
            "the three posts, nothing of the refused requests"
        );

        // Léa sees Tusky in her settings and takes its access back.
        assert!(lea.get("/settings").await.has("href=\"/settings/apps\""));
        let apps = lea.get("/settings/apps").await;
        assert!(apps.body.contains("Tusky"), "{}", apps.body);
        let app_id = app["id"].as_str().unwrap();
        let revoked = lea
            .submit(
                "/settings/apps",
                &format!("/settings/apps/{app_id}/revoke"),
                &[],
            )
            .await;
        assert_eq!(revoked.status, 303, "{}", revoked.body);
        let (status, _) = get(&alpha, "/api/v1/accounts/verify_credentials", Some(&token)).await;
        assert_eq!(status, 401);

        // The app's own token opens no account; the app revokes it.
        let (status, own) = post(
            &alpha,
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &secret),
                ("scope", "read"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{own}");
        let own = own["access_token"].as_str().unwrap().to_string();
        let (status, me) = get(&alpha, "/api/v1/apps/verify_credentials", Some(&own)).await;
        assert_eq!((status, me["name"].as_str()), (200, Some("Tusky")), "{me}");
        let (status, _) = get(&alpha, "/api/v1/accounts/verify_credentials", Some(&own)).await;
        assert_eq!(status, 401);
        let (status, _) = post(
            &alpha,
            "/oauth/revoke",
            None,
            &[
                ("token", &own),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = get(&alpha, "/api/v1/apps/verify_credentials", Some(&own)).await;
        assert_eq!(status, 401);
        let (status, answer) = post(
            &alpha,
            "/oauth/token",
            None,
            &[
                ("grant_type", "password"),
                ("client_id", &client_id),
                ("client_secret", &secret),
            ],
        )
        .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some("unsupported_grant_type"))
        );

        // Codes are dropped by the housekeeping pass once their ten minutes are over.
        let later = chrono::Utc::now().naive_utc() + chrono::Duration::minutes(11);
        let pruned = alpha
            .db
            .transaction(move |c| parvis::civic::maintenance::prune(c, later))
            .await
            .unwrap();
        assert_eq!(pruned.oauth_codes, 4, "the four codes Léa approved");
        let left: i64 = alpha
            .db
            .run(|c| Ok(oauth_codes::table.count().get_result(c)?))
            .await
            .unwrap();
        assert_eq!(left, 0);
    }
);

both_backends!(
    an_app_without_a_redirect_shows_the_code_on_the_page,
    |backend| async move {
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let (_, app) = call(
            &alpha,
            reqwest::Method::POST,
            "/api/v1/apps",
            None,
            Some(("application/json", json!({"client_name": "Script", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read"}).to_string())),
        )
        .await;
        let client_id = app["client_id"].as_str().unwrap();
        let verifier = "another-verifier-that-is-long-enough-for-pkce-rules-0123456789";
        let mut lea = signed_in(&alpha, "lea").await;
        let answer = decide(
            &mut lea,
            &authorize_path(
                client_id,
                "read",
                "urn:ietf:wg:oauth:2.0:oob",
                &challenge_of(verifier),
            ),
            "approve",
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let code = answer
            .body
            .split("id=\"oauth-code\">")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap()
            .to_string();
        let (status, granted) = exchange_at(
            &alpha,
            (client_id, app["client_secret"].as_str().unwrap()),
            &code,
            "urn:ietf:wg:oauth:2.0:oob",
            verifier,
        )
        .await;
        assert_eq!(status, 200, "{granted}");
        assert_eq!(granted["scope"], "read");
    }
);
