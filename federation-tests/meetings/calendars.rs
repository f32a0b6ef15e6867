//! Calendars: a commune's feed and a meeting's file, read by an independent parser (Python's icalendar),
//! hold each meeting at the right instant on both sides of a clock change, with stable UIDs, the sequence
//! of changes and cancellations.

use chrono::Datelike;

use super::*;

both_backends!(
    calendars_read_by_an_independent_parser_hold_each_meeting_on_both_sides_of_a_clock_change,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        // 18:30 in Paris: in January (winter time, UTC+1) and in July (summer time, UTC+2) of next year.
        let year = chrono::Utc::now().year() + 1;
        let mut paths = vec![];
        for (month, title) in [(1, "Conseil de janvier, vœux"), (7, "Conseil de juillet")] {
            let starts = format!("{year}-{month:02}-15 18:30");
            let ends = format!("{year}-{month:02}-15 20:30");
            let page = schedule(&mut marie, title, "", &starts, &ends).await;
            assert_eq!(page.status, 303, "{}", page.body);
            paths.push(page.location.unwrap());
        }
        // One of them cancelled: its sequence counts the change.
        let cancelled = &paths[1];
        assert_eq!(
            marie
                .submit(cancelled, &format!("{cancelled}/cancel"), &[])
                .await
                .status,
            303
        );

        let feed = alpha
            .client()
            .get(alpha.url("/communes/ville/meetings.ics"))
            .send()
            .await
            .unwrap();
        assert_eq!(feed.status(), 200);
        assert!(
            feed.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
        let text = feed.text().await.unwrap();
        assert!(
            text.lines().all(|l| l.len() <= 76),
            "lines are folded at 75 octets"
        );
        let read = crate::support::python::read_ics(&text);
        assert_eq!(read["timezones"], json!(["Europe/Paris"]));
        let events = read["events"].as_array().unwrap();
        assert_eq!(events.len(), 2, "{read}");
        let january = events
            .iter()
            .find(|e| e["summary"] == "Conseil de janvier, vœux")
            .unwrap();
        let july = events
            .iter()
            .find(|e| e["summary"] == "Conseil de juillet")
            .unwrap();
        for (event, start, end) in [
            (
                january,
                format!("{year}-01-15T17:30:00Z"),
                format!("{year}-01-15T19:30:00Z"),
            ),
            (
                july,
                format!("{year}-07-15T16:30:00Z"),
                format!("{year}-07-15T18:30:00Z"),
            ),
        ] {
            assert_eq!(event["dtstart_tzid"], "Europe/Paris");
            assert_eq!(event["dtstart_by_icalendar"], start.as_str(), "{event}");
            assert_eq!(
                event["dtstart_by_vtimezone"],
                start.as_str(),
                "our VTIMEZONE: {event}"
            );
            assert_eq!(event["dtend_by_vtimezone"], end.as_str(), "{event}");
            assert_eq!(event["location"], "Salle des fêtes");
        }
        assert_eq!(january["status"], "CONFIRMED");
        assert_eq!(january["sequence"], 0);
        assert_eq!(july["status"], "CANCELLED");
        assert_eq!(july["sequence"], 1);
        // A meeting's own file holds the same UID.
        let one = alpha
            .client()
            .get(alpha.url(&format!("{}/calendar.ics", paths[0])))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let read_one = crate::support::python::read_ics(&one);
        assert_eq!(read_one["events"][0]["uid"], january["uid"]);
        assert_eq!(
            alpha
                .client()
                .get(alpha.url("/communes/nowhere/meetings.ics"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
    }
);

both_backends!(
    the_admin_sets_the_communes_clocks_and_the_language_its_meetings_speak_elsewhere,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        people(&alpha).await;
        person(&alpha, "admin", Role::Admin).await;
        let mut admin = signed_in(&alpha, "admin").await;
        // Not a time zone: refused, nothing changed.
        let refused = admin
            .submit(
                "/admin",
                "/admin/commune/clock",
                &[("timezone", "Mars/Olympus_Mons"), ("language", "en")],
            )
            .await;
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.has("Europe/Paris"), "{}", refused.body);
        // Marie, an official, cannot set them.
        let mut marie = signed_in(&alpha, "marie").await;
        let forbidden = marie
            .submit(
                "/meetings",
                "/admin/commune/clock",
                &[("timezone", "UTC"), ("language", "en")],
            )
            .await;
        assert_eq!(forbidden.status, 403, "{}", forbidden.body);
        let saved = admin
            .submit(
                "/admin",
                "/admin/commune/clock",
                &[("timezone", "America/Montreal"), ("language", "en")],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);

        // A meeting on 12 January next year at 18:30 on Montréal's clocks (UTC-5).
        let year = chrono::Utc::now().year() + 1;
        let page = schedule(
            &mut marie,
            "Town meeting",
            "",
            &format!("{year}-01-12 18:30"),
            &format!("{year}-01-12 20:00"),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let (status, event) = alpha.get_json(&path, "application/activity+json").await;
        assert_eq!(status, 200, "{event}");
        assert_eq!(event["timezone"], "America/Montreal");
        assert_eq!(event["startTime"], format!("{year}-01-12T23:30:00Z"));
        let weekday = chrono::NaiveDate::from_ymd_opt(year, 1, 12)
            .unwrap()
            .format("%A")
            .to_string();
        assert_eq!(
            event["summary"],
            format!("{weekday} 12 January {year}, 18:30–20:00 · Salle des fêtes"),
            "{event}"
        );
        assert!(
            event["content"].as_str().unwrap().contains("Agenda:"),
            "{event}"
        );
    }
);
