//! Actor documents field by field, and the same URLs answering browsers with a page.

use chrono::NaiveDate;
use serde_json::Value;

use crate::support::{Backend, TestInstance, both_backends};
use parvis::civic::accounts::{NewAccount, NewMandate, add_mandate, create_account};
use parvis::civic::communes::create_commune;
use parvis::model::Role;

const AP: &str = "application/activity+json";
const LD: &str = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

async fn person(instance: &TestInstance, username: &str, role: Role, display: &str) {
    create_account(
        &instance.db,
        NewAccount {
            username: username.into(),
            role,
            commune: None,
            display_name: Some(display.into()),
            password: None,
        },
    )
    .await
    .expect("account");
}

async fn town(backend: Backend) -> TestInstance {
    let instance = TestInstance::start(backend).await;
    create_commune(&instance.db, "belleville", "Belleville-sur-Loire")
        .await
        .expect("commune");
    person(&instance, "marie", Role::Official, "Marie Durand").await;
    add_mandate(
        &instance.db,
        NewMandate {
            username: "marie".into(),
            office: "Maire".into(),
            governing_body: "Conseil municipal de Belleville-sur-Loire".into(),
            since: NaiveDate::from_ymd_opt(2020, 7, 4).unwrap(),
            until: None,
        },
    )
    .await
    .expect("mandate");
    add_mandate(
        &instance.db,
        NewMandate {
            username: "marie".into(),
            office: "Adjointe aux écoles".into(),
            governing_body: "Conseil municipal de Belleville-sur-Loire".into(),
            since: NaiveDate::from_ymd_opt(2014, 3, 30).unwrap(),
            until: Some(NaiveDate::from_ymd_opt(2020, 7, 3).unwrap()),
        },
    )
    .await
    .expect("past mandate");
    person(&instance, "karim", Role::Citizen, "Karim <b>Benali</b>").await;
    instance
}

/// Checks what every actor document must carry for Mastodon (INTEROP.md).
fn assert_actor_basics(doc: &Value, id: &str, kind: &str, username: &str, base: &str) {
    assert_eq!(doc["@context"][0], "https://www.w3.org/ns/activitystreams");
    assert_eq!(doc["@context"][1], "https://w3id.org/security/v1");
    assert_eq!(doc["@context"][2]["parvis"], "https://w3id.org/parvis/ns#");
    assert_eq!(doc["@context"][2]["PropertyValue"], "schema:PropertyValue");
    assert_eq!(doc["id"], id);
    assert_eq!(doc["type"], kind);
    assert_eq!(doc["preferredUsername"], username);
    assert_eq!(doc["url"], id);
    assert_eq!(doc["inbox"], format!("{id}/inbox"));
    if kind == "Application" {
        // The instance actor only signs: no collections to advertise.
        assert!(
            doc.get("outbox").is_none()
                && doc.get("followers").is_none()
                && doc.get("following").is_none()
        );
    } else {
        assert_eq!(doc["outbox"], format!("{id}/outbox"));
        assert_eq!(doc["followers"], format!("{id}/followers"));
        assert_eq!(doc["following"], format!("{id}/following"));
    }
    assert_eq!(doc["endpoints"]["sharedInbox"], format!("{base}/inbox"));
    assert_eq!(doc["publicKey"]["id"], format!("{id}#main-key"));
    assert_eq!(doc["publicKey"]["owner"], id);
    let pem = doc["publicKey"]["publicKeyPem"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    // RSA-2048 in SPKI: 294 bytes of DER.
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;
    let key = rsa::RsaPublicKey::from_public_key_pem(pem).expect("SPKI PEM");
    assert_eq!(key.size() * 8, 2048);
    assert!(doc["manuallyApprovesFollowers"].is_boolean());
    assert!(doc["discoverable"].is_boolean());
    assert!(doc["published"].as_str().is_some());
    assert!(doc.get("privateKeyPem").is_none() && !doc.to_string().contains("PRIVATE"));
}

both_backends!(official_person_document, |backend| async move {
    let town = town(backend).await;
    let id = town.url("/users/marie");
    for accept in [AP, LD] {
        let response = town.get("/users/marie", accept).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], AP);
        assert_eq!(response.headers()["vary"], "Accept");
        let doc: Value = response.json().await.unwrap();
        assert_actor_basics(&doc, &id, "Person", "marie", &town.base);
        assert_eq!(doc["name"], "Marie Durand");
        assert_eq!(doc["manuallyApprovesFollowers"], false);
        assert_eq!(doc["discoverable"], true);
        // Only the current mandate is a profile field; both are in the extension.
        assert_eq!(
            doc["attachment"],
            serde_json::json!([{
                "type": "PropertyValue",
                "name": "Mandat",
                "value": "Maire — Conseil municipal de Belleville-sur-Loire"
            }])
        );
        assert_eq!(
            doc["mandates"],
            serde_json::json!([
                {
                    "type": "Mandate",
                    "office": "Maire",
                    "governingBody": "Conseil municipal de Belleville-sur-Loire",
                    "startDate": "2020-07-04"
                },
                {
                    "type": "Mandate",
                    "office": "Adjointe aux écoles",
                    "governingBody": "Conseil municipal de Belleville-sur-Loire",
                    "startDate": "2014-03-30",
                    "endDate": "2020-07-03"
                }
            ])
        );
        assert_eq!(doc["@context"][2]["mandates"]["@container"], "@set");
        assert!(doc.get("icon").is_none());
    }
});

both_backends!(
    citizen_commune_and_instance_documents,
    |backend| async move {
        let town = town(backend).await;
        let (status, karim) = town.get_json("/users/karim", AP).await;
        assert_eq!(status, 200);
        assert_actor_basics(
            &karim,
            &town.url("/users/karim"),
            "Person",
            "karim",
            &town.base,
        );
        assert_eq!(karim["name"], "Karim <b>Benali</b>");
        assert!(karim.get("attachment").is_none() && karim.get("mandates").is_none());

        let (status, commune) = town.get_json("/communes/belleville", AP).await;
        assert_eq!(status, 200);
        let id = town.url("/communes/belleville");
        assert_actor_basics(&commune, &id, "Group", "belleville", &town.base);
        assert_eq!(commune["name"], "Belleville-sur-Loire");
        assert_eq!(commune["manuallyApprovesFollowers"], false);

        let (status, app) = town.get_json("/actor", AP).await;
        assert_eq!(status, 200);
        assert_actor_basics(
            &app,
            &town.url("/actor"),
            "Application",
            "instance",
            &town.base,
        );
        assert_eq!(app["manuallyApprovesFollowers"], true);
        assert_eq!(app["discoverable"], false);

        // Every actor has its own key.
        let keys: std::collections::HashSet<String> = [&karim, &commune, &app]
            .iter()
            .map(|d| d["publicKey"]["publicKeyPem"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(keys.len(), 3);
    }
);

both_backends!(unknown_or_mismatched_actors_are_404, |backend| async move {
    let town = town(backend).await;
    for path in [
        "/users/nobody",
        "/users/belleville",
        "/communes/marie",
        "/users/instance",
        "/users/%3Cscript%3E",
    ] {
        let (status, body) = town.get_json(path, AP).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error"], "not_found");
    }
});

both_backends!(browsers_get_a_profile_page, |backend| async move {
    let town = town(backend).await;
    for accept in [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "*/*",
    ] {
        let response = town.get("/users/marie", accept).await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(response.headers()["vary"], "Accept");
        let html = response.text().await.unwrap();
        let id = town.url("/users/marie");
        assert!(
            html.contains("<meta property=\"og:title\" content=\"Marie Durand\">"),
            "{html}"
        );
        assert!(html.contains(&format!("<meta property=\"og:url\" content=\"{id}\">")));
        assert!(html.contains(
            "<meta property=\"og:description\" content=\"Maire — Conseil municipal de Belleville-sur-Loire\">"
        ));
        assert!(html.contains(&format!(
            "<link rel=\"alternate\" type=\"application/activity+json\" href=\"{id}\">"
        )));
        assert!(html.contains("Adjointe aux écoles"));
    }
    // Names are text, never markup.
    let html = town
        .get("/users/karim", "text/html")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Karim &lt;b&gt;Benali&lt;/b&gt;"), "{html}");
    assert!(!html.contains("<b>Benali"));
    let html = town
        .get("/communes/belleville", "text/html")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<meta property=\"og:title\" content=\"Belleville-sur-Loire\">"));
});
