//! Repeating office hours: the rule makes one meeting per occurrence (its own page, registrations and
//! `Event`, which the Fedify peer gets), keeps the commune's clock time across a clock change, and makes the
//! next ones as days go by; changing the rule from an occurrence moves that one and the following ones only
//! (the people registered are told), and a shorter rule cancels the ones left over. Other meetings do not
//! repeat, and a rule ending before it starts is refused.

use diesel::prelude::*;

use super::*;
use crate::federation::eventually;
use parvis::model::schema::{meeting_occurrences, meeting_series, meetings};

/// The meetings of the commune: (title, start in UTC, status), soonest first.
async fn all(alpha: &crate::support::TestInstance) -> Vec<(String, chrono::NaiveDateTime, String)> {
    alpha
        .db
        .run(|c| {
            Ok(meetings::table
                .order((meetings::starts_at.asc(), meetings::id.asc()))
                .select((meetings::title, meetings::starts_at, meetings::status))
                .load(c)?)
        })
        .await
        .unwrap()
}

/// The date `days` from now, as the form takes a last day.
fn day(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .date_naive()
        .to_string()
}

async fn office_hours(
    who: &mut WebClient,
    title: &str,
    starts: &str,
    ends: &str,
    repeat: &str,
    until: &str,
) -> crate::support::web::Page {
    who.submit(
        "/meetings/new",
        "/meetings",
        &[
            ("title", title),
            ("category", "office_hours"),
            ("starts", starts),
            ("ends", ends),
            ("address", "Mairie, bureau du maire"),
            ("capacity", "3"),
            ("description", "Sans rendez-vous."),
            ("repeat", repeat),
            ("until", until),
        ],
    )
    .await
}

/// Changes the rule of the office hours from the occurrence at `path` (weekly, from `starts` to `ends`,
/// until `until`), for that occurrence and the following ones.
async fn change_rule(
    marie: &mut WebClient,
    path: &str,
    starts: &str,
    ends: &str,
    until: &str,
) -> crate::support::web::Page {
    let edit = format!("{path}/edit");
    marie
        .submit(
            &edit,
            &edit,
            &[
                ("title", "Permanence du maire"),
                ("category", "office_hours"),
                ("starts", starts),
                ("ends", ends),
                ("address", "Mairie, bureau du maire"),
                ("capacity", "3"),
                ("description", "Sans rendez-vous."),
                ("repeat", "weekly"),
                ("until", until),
                ("scope", "following"),
            ],
        )
        .await
}

both_backends!(
    office_hours_repeat_and_a_changed_rule_changes_the_following_occurrences_only,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "ville").await;
        let mut marie = signed_in(&alpha, "marie").await;

        // Only office hours repeat; a rule cannot end before it starts.
        let mut council = schedule(&mut marie, "x", "", &local(3, 9), &local(3, 11)).await;
        assert_eq!(council.status, 303);
        council = marie
            .submit(
                "/meetings/new",
                "/meetings",
                &[
                    ("title", "Conseil"),
                    ("category", "council_session"),
                    ("starts", &local(3, 18)),
                    ("ends", &local(3, 20)),
                    ("address", "Salle du conseil"),
                    ("repeat", "weekly"),
                ],
            )
            .await;
        assert_eq!(council.status, 422, "{}", council.body);
        assert!(council.has("Seules les permanences"), "{}", council.body);
        let backwards = office_hours(
            &mut marie,
            "Permanence",
            &local(3, 9),
            &local(3, 11),
            "weekly",
            &day(1),
        )
        .await;
        assert_eq!(backwards.status, 422, "{}", backwards.body);
        assert!(backwards.has("dernier jour"), "{}", backwards.body);
        assert_eq!(all(&alpha).await.len(), 1, "nothing more scheduled");

        // Weekly office hours for five weeks: five meetings, each published.
        let page = office_hours(
            &mut marie,
            "Permanence du maire",
            &local(3, 9),
            &local(3, 11),
            "weekly",
            &day(3 + 28),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let first = page.location.unwrap();
        let hours: Vec<_> = all(&alpha)
            .await
            .into_iter()
            .filter(|(t, _, _)| t == "Permanence du maire")
            .collect();
        assert_eq!(hours.len(), 5, "{hours:?}");
        for pair in hours.windows(2) {
            assert_eq!(
                pair[1].1 - pair[0].1,
                chrono::Duration::days(7),
                "{hours:?}"
            );
        }
        let ids: Vec<i64> = alpha
            .db
            .run(|c| {
                Ok(meeting_occurrences::table
                    .order(meeting_occurrences::local_day.asc())
                    .select(meeting_occurrences::meeting_id)
                    .load(c)?)
            })
            .await
            .unwrap();
        assert_eq!(format!("/meetings/{}", ids[0]), first);
        eventually("the peer has the five Events", WAIT, || async {
            let inbox = peer.control_get("/inbox").await;
            let created = inbox
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["type"] == "Create" && a["object"]["name"] == "Permanence du maire")
                .count();
            (created == 5).then_some(())
        })
        .await;
        let shown = WebClient::new(&alpha).get(&first).await;
        assert!(shown.has("Permanence chaque semaine"), "{}", shown.body);

        // Léa registers for the third one; Marie moves the rule, from the second one, to the afternoon.
        let mut lea = signed_in(&alpha, "lea").await;
        let third = format!("/meetings/{}", ids[2]);
        assert_eq!(
            lea.submit(&third, &format!("{third}/register"), &[])
                .await
                .status,
            303
        );
        let second = format!("/meetings/{}", ids[1]);
        let form = marie.get(&format!("{second}/edit")).await;
        assert!(form.has("scope-following"), "{}", form.body);
        let moved_start = local(3 + 7, 14);
        let moved = change_rule(
            &mut marie,
            &second,
            &moved_start,
            &local(3 + 7, 16),
            &day(3 + 28),
        )
        .await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        let hours: Vec<_> = all(&alpha)
            .await
            .into_iter()
            .filter(|(t, _, _)| t == "Permanence du maire")
            .collect();
        assert_eq!(hours.len(), 5, "moved, not made again: {hours:?}");
        let after: Vec<_> = hours.iter().map(|(_, at, _)| *at).collect();
        // The first stays in the morning; the four after it are five hours later, on the same days.
        assert_eq!(
            after[1] - after[0],
            chrono::Duration::days(7) + chrono::Duration::hours(5)
        );
        for pair in after[1..].windows(2) {
            assert_eq!(pair[1] - pair[0], chrono::Duration::days(7));
        }
        assert_eq!(told(&alpha, "meeting_change").await, vec!["lea"]);
        assert!(
            lea.get(&third).await.has("Vous êtes inscrit"),
            "her registration kept"
        );
        eventually("the peer hears of the four moves", WAIT, || async {
            let inbox = peer.control_get("/inbox").await;
            let updated: Vec<String> = inbox
                .as_array()
                .unwrap()
                .iter()
                .filter(|a| a["type"] == "Update" && a["object"]["name"] == "Permanence du maire")
                .map(|a| a["object"]["id"].as_str().unwrap().to_string())
                .collect();
            (updated.len() == 4).then_some(updated)
        })
        .await
        .iter()
        .for_each(|id| assert!(!id.ends_with(&first), "the first is not changed: {id}"));

        // A shorter rule, from the second: the last two are cancelled, and leave the series.
        let shorter = change_rule(
            &mut marie,
            &second,
            &moved_start,
            &local(3 + 7, 16),
            &day(3 + 14),
        )
        .await;
        assert_eq!(shorter.status, 303, "{}", shorter.body);
        let statuses: Vec<String> = all(&alpha)
            .await
            .into_iter()
            .filter(|(t, _, _)| t == "Permanence du maire")
            .map(|(_, _, s)| s)
            .collect();
        assert_eq!(
            statuses,
            vec![
                "scheduled",
                "scheduled",
                "scheduled",
                "cancelled",
                "cancelled"
            ]
        );

        // Without a last day: three months ahead; the next ones come as days go by (the mark moved back,
        // as if time had passed, and the last occurrences gone: the worker makes them again).
        let page = office_hours(
            &mut marie,
            "Permanence CCAS",
            &local(4, 10),
            &local(4, 12),
            "weekly",
            "",
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let count = |alpha: &crate::support::TestInstance| {
            let db = alpha.db.clone();
            async move {
                db.run(|c| {
                    Ok(meetings::table
                        .filter(meetings::title.eq("Permanence CCAS"))
                        .count()
                        .get_result::<i64>(c)?)
                })
                .await
                .unwrap()
            }
        };
        let made = count(&alpha).await;
        assert!(
            (12..=14).contains(&made),
            "{made} occurrences for three months"
        );
        alpha
            .db
            .transaction(|c| {
                let series: i64 = meeting_series::table
                    .filter(meeting_series::title.eq("Permanence CCAS"))
                    .select(meeting_series::id)
                    .first(c)?;
                let through: chrono::NaiveDate = meeting_series::table
                    .find(series)
                    .select(meeting_series::generated_through)
                    .first(c)?;
                let back = through - chrono::Duration::days(14);
                let gone: Vec<i64> = meeting_occurrences::table
                    .filter(meeting_occurrences::series_id.eq(series))
                    .filter(meeting_occurrences::local_day.gt(back))
                    .select(meeting_occurrences::meeting_id)
                    .load(c)?;
                diesel::delete(meetings::table.filter(meetings::id.eq_any(&gone))).execute(c)?;
                diesel::update(meeting_series::table.find(series))
                    .set(meeting_series::generated_through.eq(back))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();
        assert!(count(&alpha).await < made);
        eventually("the worker makes the next ones", WAIT, || async {
            (count(&alpha).await == made).then_some(())
        })
        .await;
    }
);

both_backends!(
    office_hours_keep_the_communes_clock_time_across_a_clock_change,
    |backend| async move {
        let alpha = crate::support::TestInstance::start(backend).await;
        people(&alpha).await;
        let mut marie = signed_in(&alpha, "marie").await;
        // Tuesdays at 09:30 in Paris, on both sides of the change to summer time (the last Sunday of March).
        let year = chrono::Utc::now()
            .naive_utc()
            .date()
            .format("%Y")
            .to_string()
            .parse::<i32>()
            .unwrap()
            + 1;
        let first = chrono::NaiveDate::from_ymd_opt(year, 3, 31).unwrap();
        let tuesday = first
            - chrono::Duration::days(
                i64::from((chrono::Datelike::weekday(&first).num_days_from_monday() + 7 - 1) % 7)
                    + 14,
            );
        let page = office_hours(
            &mut marie,
            "Permanence",
            &format!("{tuesday} 09:30"),
            &format!("{tuesday} 11:30"),
            "weekly",
            &(tuesday + chrono::Duration::days(28)).to_string(),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let hours: Vec<String> = all(&alpha)
            .await
            .into_iter()
            .map(|(_, at, _)| at.format("%H:%M").to_string())
            .collect();
        // 09:30 in winter is 08:30 UTC, in summer 07:30 UTC.
        assert_eq!(hours.len(), 5, "{hours:?}");
        assert_eq!(
            hours.first().map(String::as_str),
            Some("08:30"),
            "{hours:?}"
        );
        assert_eq!(hours.last().map(String::as_str), Some("07:30"), "{hours:?}");
    }
);
