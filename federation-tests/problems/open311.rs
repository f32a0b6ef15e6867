//! Open311 GeoReport v2 as a city app speaks it (request and response shapes written from the
//! specification, <https://wiki.open311.org/GeoReport_v2>): discovery, services, filing with an app's key
//! (refused without one, with another commune's, with an unknown service code or a place out of range),
//! the list with its filters and one request; then the same reports as GeoJSON (parsed by the `geojson`
//! crate) and CSV.

use serde_json::Value;

use super::*;

/// The admin of `commune` gives an app a key on the web; returns the key shown once.
async fn key_for(admin: &mut WebClient, app: &str) -> String {
    let page = admin
        .submit("/admin/open311", "/admin/open311", &[("name", app)])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let at = page.body.find("id=\"open311-new-key\"").unwrap();
    page.body[at..]
        .split("<code>")
        .nth(1)
        .and_then(|s| s.split("</code>").next())
        .unwrap()
        .to_string()
}

async fn get(alpha: &crate::support::TestInstance, path: &str) -> (u16, Value) {
    let response = alpha.client().get(alpha.url(path)).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(alpha: &crate::support::TestInstance, fields: &[(&str, &str)]) -> (u16, Value) {
    let response = alpha
        .client()
        .post(alpha.url("/open311/v2/requests.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields)
                .finish(),
        )
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An Open311 error: the HTTP status, and a list of one `{code, description}` with the same code.
fn is_error(answer: &(u16, Value), code: u16) -> bool {
    answer.0 == code && answer.1[0]["code"] == code && answer.1[0]["description"].is_string()
}

both_backends!(
    a_city_app_files_and_lists_reports_through_open311_and_the_reports_are_open_data,
    |backend| async move {
        let (alpha, voirie) = town_with_a_category(backend).await;
        let service = voirie.0.to_string();
        let mut admin = signed_in(&alpha, "admin").await;
        let key = key_for(&mut admin, "Appli de la ville").await;
        assert!(key.len() >= 24, "{key}");
        // Another commune of the instance, with its own app and category.
        metropole_with(&alpha, "madmin", Role::Admin).await;
        let mut madmin = signed_in(&alpha, "madmin").await;
        let other_key = key_for(&mut madmin, "Appli métropole").await;

        // Discovery and services.
        let (status, discovery) = get(&alpha, "/open311/v2/discovery.json").await;
        assert_eq!(status, 200, "{discovery}");
        assert_eq!(
            discovery["endpoints"][0]["specification"],
            "http://wiki.open311.org/GeoReport_v2"
        );
        assert_eq!(
            discovery["endpoints"][0]["url"],
            alpha.url("/open311/v2/").as_str()
        );
        let (status, services) =
            get(&alpha, "/open311/v2/services.json?jurisdiction_id=ville").await;
        assert_eq!(status, 200, "{services}");
        assert_eq!(services.as_array().unwrap().len(), 1, "{services}");
        assert_eq!(services[0]["service_code"], service.as_str());
        assert_eq!(services[0]["service_name"], "Voirie");
        assert_eq!(services[0]["metadata"], false);
        assert_eq!(services[0]["type"], "realtime");
        assert!(is_error(
            &get(&alpha, "/open311/v2/services.json?jurisdiction_id=nowhere").await,
            404
        ));

        // Filing: refused without a key, with a revoked or another commune's key, with an unknown service
        // code, without coordinates or outside the world; nothing stored.
        let key: &'static str = Box::leak(key.into_boxed_str());
        let other_key: &'static str = Box::leak(other_key.into_boxed_str());
        let service: &'static str = Box::leak(service.into_boxed_str());
        // A request's fields, with `changes` replacing (or adding) some.
        let with = |key: &'static str, changes: &[(&'static str, &'static str)]| {
            let mut all = vec![
                ("api_key", key),
                ("service_code", service),
                ("lat", "45.7601"),
                ("long", "4.8402"),
                ("address_string", "Place de la Mairie"),
                ("description", "Banc cassé devant la mairie."),
                ("email", "someone@example.org"),
                ("first_name", "Jeanne"),
            ];
            for (k, v) in changes {
                all.retain(|(f, _)| f != k);
                all.push((k, v));
            }
            all
        };
        assert!(is_error(&post(&alpha, &with("", &[])).await, 403));
        assert!(is_error(&post(&alpha, &with("not-a-key", &[])).await, 403));
        assert!(is_error(
            &post(&alpha, &with(other_key, &[("jurisdiction_id", "ville")])).await,
            403
        ));
        // Another commune's key files in its own categories only.
        assert!(is_error(&post(&alpha, &with(other_key, &[])).await, 404));
        assert!(is_error(
            &post(&alpha, &with(key, &[("service_code", "999999")])).await,
            404
        ));
        assert!(is_error(
            &post(&alpha, &with(key, &[("lat", "")])).await,
            400
        ));
        assert!(is_error(
            &post(&alpha, &with(key, &[("lat", "95")])).await,
            400
        ));
        let (status, list) = get(&alpha, "/open311/v2/requests.json").await;
        assert_eq!((status, list.as_array().unwrap().len()), (200, 0), "{list}");

        let (status, created) = post(&alpha, &with(key, &[])).await;
        assert_eq!(status, 200, "{created}");
        let id = created[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(created[0]["account_id"].is_null());

        // The list and one request, in the specification's shape.
        let (status, list) = get(&alpha, "/open311/v2/requests.json?jurisdiction_id=ville").await;
        assert_eq!(status, 200, "{list}");
        let request = &list[0];
        assert_eq!(request["service_request_id"], id.as_str());
        assert_eq!(request["status"], "open");
        assert_eq!(request["service_code"], service);
        assert_eq!(request["service_name"], "Voirie");
        assert_eq!(request["description"], "Banc cassé devant la mairie.");
        assert_eq!(request["address"], "Place de la Mairie");
        assert_eq!(request["lat"], 45.7601);
        assert_eq!(request["long"], 4.8402);
        assert_eq!(request["agency_responsible"], "Ville de Test");
        chrono::DateTime::parse_from_rfc3339(request["requested_datetime"].as_str().unwrap())
            .unwrap();
        // What the app said of the person is not kept.
        assert!(
            !list.to_string().contains("someone@example.org")
                && !list.to_string().contains("Jeanne")
        );
        let (status, one) = get(&alpha, &format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(status, 200, "{one}");
        assert_eq!(one.as_array().unwrap().len(), 1);
        assert_eq!(one[0]["service_request_id"], id.as_str());
        assert!(is_error(
            &get(&alpha, "/open311/v2/requests/999999.json").await,
            404
        ));
        // Filters.
        for (query, count) in [
            ("status=closed", 0),
            ("status=open", 1),
            ("status=open,closed", 1),
            (&*format!("service_request_id={id}"), 1),
            (&*format!("service_code={service}"), 1),
            ("service_code=999999", 0),
            ("start_date=2099-01-01T00:00:00Z", 0),
            (
                "start_date=2000-01-01T00:00:00Z&end_date=2099-01-01T00:00:00%2B01:00",
                1,
            ),
        ] {
            let (status, found) = get(&alpha, &format!("/open311/v2/requests.json?{query}")).await;
            assert_eq!(status, 200, "{query}: {found}");
            assert_eq!(found.as_array().unwrap().len(), count, "{query}: {found}");
        }
        assert!(is_error(
            &get(&alpha, "/open311/v2/requests.json?start_date=yesterday").await,
            400
        ));
        assert!(is_error(
            &get(&alpha, "/open311/v2/requests.json?status=maybe").await,
            400
        ));
        // The report is the commune's like any other, on its page.
        let page = WebClient::new(&alpha).get(&format!("/problems/{id}")).await;
        assert!(page.has("Banc cassé devant la mairie."), "{}", page.body);

        // Revoked, the key files nothing more.
        let page = admin.get("/admin/open311").await;
        let revoke = page
            .body
            .split("action=\"")
            .find(|s| s.starts_with("/admin/open311/") && s.contains("/revoke"))
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string();
        let page = admin.submit("/admin/open311", &revoke, &[]).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(is_error(&post(&alpha, &with(key, &[])).await, 403));

        // Open data: GeoJSON parsed as GeoJSON, filtered by a box, and CSV.
        let response = alpha
            .client()
            .get(alpha.url("/communes/ville/problems.geojson"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/geo+json");
        let text = response.text().await.unwrap();
        let parsed: geojson::GeoJson = text.parse().unwrap();
        let geojson::GeoJson::FeatureCollection(collection) = parsed else {
            panic!("not a FeatureCollection: {text}");
        };
        assert_eq!(collection.features.len(), 1);
        let feature = &collection.features[0];
        match &feature.geometry.as_ref().unwrap().value {
            geojson::GeometryValue::Point { coordinates } => {
                assert_eq!(coordinates.as_slice(), &[4.8402, 45.7601])
            }
            other => panic!("not a point: {other:?}"),
        }
        assert_eq!(feature.property("status").unwrap(), "new");
        assert_eq!(feature.property("category").unwrap(), "Voirie");
        let outside: geojson::GeoJson = alpha
            .client()
            .get(alpha.url("/communes/ville/problems.geojson?bbox=5.0,46.0,5.1,46.1"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .parse()
            .unwrap();
        let geojson::GeoJson::FeatureCollection(outside) = outside else {
            panic!("not a FeatureCollection");
        };
        assert!(outside.features.is_empty());
        let (status, _) = get(&alpha, "/communes/ville/problems.geojson?bbox=5,46").await;
        assert_eq!(status, 422);
        let csv = alpha
            .client()
            .get(alpha.url("/communes/ville/problems.csv?status=new"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{csv}");
        assert!(lines[0].starts_with("id,url,category,status,latitude,longitude"));
        assert!(
            lines[1].contains("\"Banc cassé devant la mairie.\""),
            "{csv}"
        );
        // Both are in the OpenAPI document.
        let (_, document) = get(&alpha, "/api/openapi.json").await;
        for path in [
            "/communes/{name}/problems.geojson",
            "/communes/{name}/problems.csv",
            "/open311/v2/requests.json",
            "/open311/v2/services.json",
        ] {
            assert!(document["paths"][path].is_object(), "{path} missing");
        }
    }
);
