//! The JSON API: bearer tokens, error shapes, Mastodon-compatible accounts and instance, OpenAPI.

use serde_json::Value;

use crate::support::{Backend, TestInstance, both_backends};
use parvis::civic::accounts::{NewAccount, create_account};
use parvis::civic::communes::create_commune;
use parvis::civic::tokens::create_token;
use parvis::model::Role;

async fn town(backend: Backend) -> (TestInstance, String) {
    // A remote name that leads nowhere: mapped to a loopback address where nothing listens, so a lookup
    // fails at once and no traffic leaves the machine.
    let instance = TestInstance::start_with(backend, |s| {
        s.federation.allowed_hosts = vec!["nowhere.parvis.test".into()];
        s.federation.static_hosts.insert(
            "nowhere.parvis.test".into(),
            std::net::Ipv4Addr::new(127, 0, 0, 99).into(),
        );
    })
    .await;
    create_commune(&instance.db, "belleville", "Belleville-sur-Loire")
        .await
        .unwrap();
    create_account(
        &instance.db,
        NewAccount {
            username: "karim".into(),
            role: Role::Citizen,
            commune: None,
            display_name: Some("Karim Benali".into()),
            password: None,
        },
    )
    .await
    .unwrap();
    let token = create_token(&instance.db, "karim").await.unwrap();
    (instance, token)
}

async fn get(
    town: &TestInstance,
    path: &str,
    token: Option<&str>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = town.client().get(town.url(path));
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

/// Mastodon's error shape: `error` is a sentence an app shows as it is; Parvis's code goes along.
fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|m| !m.is_empty() && m != code && m.contains(' ')),
        "{body}"
    );
    assert!(body.get("message").is_none(), "{body}");
}

both_backends!(bearer_tokens_authenticate, |backend| async move {
    let (town, token) = town(backend).await;
    let (status, me, _) = get(&town, "/api/v1/accounts/verify_credentials", Some(&token)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "karim");
    assert_eq!(me["acct"], "karim");
    assert_eq!(me["display_name"], "Karim Benali");
    assert_eq!(me["role"], "citizen");
    assert_eq!(me["group"], false);
    assert_eq!(me["bot"], false);
    assert_eq!(me["url"], town.url("/users/karim").as_str());
    assert!(me["id"].is_string(), "Mastodon ids are strings");

    for (header, what) in [
        (None, "missing"),
        (Some("Bearer not-a-token".to_string()), "unknown"),
        (Some(format!("Bearer {token}x")), "altered"),
        (Some(format!("Basic {token}")), "wrong scheme"),
        (Some("Bearer ".to_string()), "empty"),
    ] {
        let mut request = town
            .client()
            .get(town.url("/api/v1/accounts/verify_credentials"));
        if let Some(header) = header {
            request = request.header("Authorization", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{what}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer", "{what}");
        let body: Value = response.json().await.unwrap();
        assert_error(&body, "unauthorized");
    }
});

both_backends!(
    instance_and_accounts_in_mastodon_shape,
    |backend| async move {
        let (town, token) = town(backend).await;
        let (status, instance, _) = get(&town, "/api/v1/instance", None).await;
        assert_eq!(status, 200);
        // Browser clients on other origins may call the API.
        let preflight = town
            .client()
            .request(
                reqwest::Method::OPTIONS,
                town.url("/api/v1/accounts/verify_credentials"),
            )
            .header("Origin", "https://client.example")
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        let allowed = preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(allowed.contains("authorization"), "{allowed}");
        assert_eq!(instance["uri"], town.base.trim_start_matches("http://"));
        assert_eq!(instance["title"], "Ville de Test");
        assert!(instance["version"].as_str().unwrap().starts_with("4."));
        assert!(instance["version"].as_str().unwrap().contains("Parvis"));
        assert_eq!(instance["stats"]["user_count"], 1);
        assert_eq!(instance["registrations"], true);
        assert_eq!(instance["approval_required"], true);
        assert_eq!(instance["communes"][0]["username"], "belleville");
        assert_eq!(instance["communes"][0]["default"], true);

        let (status, commune, _) =
            get(&town, "/api/v1/accounts/lookup?acct=belleville", None).await;
        assert_eq!(status, 200);
        assert_eq!(commune["group"], true);
        assert_eq!(commune["role"], Value::Null);
        let id = commune["id"].as_str().unwrap().to_string();
        let (status, by_id, _) = get(&town, &format!("/api/v1/accounts/{id}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(by_id, commune);

        let host = town.base.trim_start_matches("http://").to_string();
        let (status, karim, _) = get(
            &town,
            &format!("/api/v1/accounts/lookup?acct=@karim@{host}"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(karim["username"], "karim");

        for (path, status_expected, code) in [
            ("/api/v1/accounts/lookup", 400, "bad_request"),
            ("/api/v1/accounts/lookup?acct=nobody", 404, "not_found"),
            ("/api/v1/accounts/lookup?acct=instance", 404, "not_found"),
            (
                "/api/v1/accounts/lookup?acct=karim@nowhere.parvis.test",
                401,
                "unauthorized",
            ),
            ("/api/v1/accounts/999999", 404, "not_found"),
            ("/api/v1/accounts/r999999", 404, "not_found"),
            ("/api/v1/accounts/abc", 404, "not_found"),
            ("/api/v1/no-such-endpoint", 404, "not_found"),
            ("/api/v2/anything/at/all", 404, "not_found"),
        ] {
            let (status, body, _) = get(&town, path, None).await;
            assert_eq!(status, status_expected, "{path}: {body}");
            assert_error(&body, code);
        }
        // Signed in, the remote lookup is attempted; the server there is down.
        let (status, body, _) = get(
            &town,
            "/api/v1/accounts/lookup?acct=karim@nowhere.parvis.test",
            Some(&token),
        )
        .await;
        assert_eq!(status, 502, "{body}");
        assert_error(&body, "bad_gateway");
    }
);

both_backends!(openapi_document_lists_the_handlers, |backend| async move {
    let (town, _) = town(backend).await;
    let (status, doc, _) = get(&town, "/api/openapi.json", None).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/instance",
        "/api/v1/accounts/verify_credentials",
        "/api/v1/accounts/lookup",
        "/api/v1/accounts/{id}",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["AccountDto"].is_object());
});

both_backends!(
    apps_find_the_v2_instance_and_empty_lists_where_parvis_has_nothing,
    |backend| async move {
        let (town, _) = town(backend).await;
        let (status, v2, _) = get(&town, "/api/v2/instance/", None).await;
        assert_eq!(status, 200, "{v2}");
        assert_eq!(
            v2["domain"],
            town.base.trim_start_matches("http://"),
            "{v2}"
        );
        assert!(
            v2["version"]
                .as_str()
                .unwrap()
                .starts_with("4.0.0 (compatible; Parvis")
        );
        assert_eq!(v2["configuration"]["statuses"]["max_characters"], 500);
        assert_eq!(v2["configuration"]["polls"]["max_options"], 20);
        assert!(v2["registrations"]["enabled"].is_boolean());
        assert!(v2["usage"]["users"]["active_month"].as_i64().unwrap() >= 1);
        for path in [
            "/api/v1/custom_emojis",
            "/api/v2/filters",
            "/api/v1/announcements",
            "/api/v1/trends/tags",
            "/api/v1/trends/statuses",
            "/api/v1/trends/links",
            "/api/v1/lists",
            "/api/v1/followed_tags",
        ] {
            let (status, body, _) = get(&town, path, None).await;
            assert_eq!((status, body), (200, serde_json::json!([])), "{path}");
        }
    }
);
