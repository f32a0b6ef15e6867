//! Minutes: after the meeting, an official attaches Markdown and a PDF; the people registered are told once,
//! the Fedify peer (following the commune) gets the `Update(Event)` carrying them, and the PDF is served as
//! a PDF that no browser sniffs as a page. Refused, storing nothing: minutes before the meeting is over, by
//! a citizen, a file that is not a PDF, one too large.

use super::*;
use crate::support::web::{FilePart, multipart_form};

/// The minutes' PDF files stored.
fn stored_pdfs(alpha: &crate::support::TestInstance) -> Vec<String> {
    std::fs::read_dir(alpha.data_dir().join("media/minutes"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Posts the minutes form of `path` as `who`: the text, and a file when given.
async fn send_minutes(
    who: &mut WebClient,
    path: &str,
    text: &str,
    file: Option<(&str, &[u8])>,
) -> crate::support::web::Page {
    let csrf = who.get(path).await.csrf();
    let files: Vec<FilePart<'_>> = file
        .into_iter()
        .map(|(filename, bytes)| FilePart {
            field: "pdf",
            filename: filename.to_string(),
            content_type: "application/pdf",
            bytes,
        })
        .collect();
    let (body, boundary) = multipart_form(&[("csrf", &csrf), ("minutes", text)], &files);
    who.post_multipart(&format!("{path}/minutes"), body, &boundary)
        .await
}

/// A small PDF (what a word processor exports, shortened).
fn pdf(words: &str) -> Vec<u8> {
    format!("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% {words}\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .into_bytes()
}

both_backends!(
    minutes_are_attached_after_the_meeting_and_reach_the_registered_and_the_followers,
    |backend| async move {
        use crate::support::network::{ALPHA, Network};
        let net = Network::new();
        let alpha = net.instance(backend, ALPHA, |_| {}).await;
        people(&alpha).await;
        let peer = crate::fedify::peer_following(&net, &alpha, "ville").await;
        let mut marie = signed_in(&alpha, "marie").await;
        let page = schedule(
            &mut marie,
            "Conseil municipal",
            "",
            &local(2, 18),
            &local(2, 20),
        )
        .await;
        assert_eq!(page.status, 303, "{}", page.body);
        let path = page.location.unwrap();
        let mut lea = signed_in(&alpha, "lea").await;
        assert_eq!(
            lea.submit(&path, &format!("{path}/register"), &[])
                .await
                .status,
            303
        );

        // Before it is over: refused.
        let early = send_minutes(&mut marie, &path, "Trop tôt.", None).await;
        assert_eq!(early.status, 409, "{}", early.body);
        // The meeting took place (moved into the past in the database: the rules refuse scheduling there).
        let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
        alpha
            .db
            .run(move |c| {
                use diesel::prelude::*;
                use parvis::model::schema::meetings;
                let past = chrono::Utc::now().naive_utc() - chrono::Duration::days(1);
                diesel::update(meetings::table.find(id))
                    .set((
                        meetings::starts_at.eq(past - chrono::Duration::hours(2)),
                        meetings::ends_at.eq(past),
                    ))
                    .execute(c)?;
                Ok(())
            })
            .await
            .unwrap();

        // A citizen does not publish them; a file that is not a PDF, or too large, is refused.
        let citizen = send_minutes(&mut lea, &path, "Mon compte rendu.", None).await;
        assert_eq!(citizen.status, 403, "{}", citizen.body);
        let page = b"<html><script>alert(1)</script></html>".to_vec();
        let disguised = send_minutes(&mut marie, &path, "", Some(("cr.pdf", &page))).await;
        assert_eq!(disguised.status, 422, "{}", disguised.body);
        assert!(disguised.has("fichier PDF"), "{}", disguised.body);
        let mut huge = pdf("grand");
        huge.resize(21 * 1024 * 1024, b' ');
        // A client of its own: the server answers before reading the whole body and closes that connection,
        // which another client sharing its pool would find broken on its next request (the clones of the
        // instance's client share one pool: that flaked under load).
        let mut uploader = WebClient::apart(&alpha);
        uploader.login("marie", crate::web::PASSWORD).await;
        let too_large = send_minutes(&mut uploader, &path, "Texte", Some(("cr.pdf", &huge))).await;
        assert!(
            [413, 422].contains(&too_large.status),
            "{}: {}",
            too_large.status,
            too_large.body
        );
        assert!(too_large.has("20 Mo"), "{}", too_large.body);
        let empty = send_minutes(&mut marie, &path, "  ", None).await;
        assert_eq!(empty.status, 422, "{}", empty.body);
        assert!(stored_pdfs(&alpha).is_empty(), "nothing stored");
        assert!(
            !WebClient::new(&alpha)
                .get(&path)
                .await
                .has("id=\"minutes\"")
        );
        assert!(told(&alpha, "meeting_minutes").await.is_empty());

        // Marie publishes them: Markdown (cleaned) and a PDF.
        let first = pdf("version 1");
        let done = send_minutes(
            &mut marie,
            &path,
            "## Délibérations\n\n1. Budget **adopté**.\n\n<script>alert(1)</script>",
            Some(("compte-rendu.pdf", &first)),
        )
        .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let shown = WebClient::new(&alpha).get(&path).await;
        assert!(shown.has("<strong>adopté</strong>"), "{}", shown.body);
        assert!(!shown.has("<script>alert(1)"), "{}", shown.body);
        assert_eq!(stored_pdfs(&alpha).len(), 1);
        let served = alpha
            .client()
            .get(alpha.url(&format!("{path}/minutes.pdf")))
            .send()
            .await
            .unwrap();
        assert_eq!(served.status(), 200);
        assert_eq!(served.headers()["content-type"], "application/pdf");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert_eq!(served.headers()["content-security-policy"], "sandbox");
        assert_eq!(served.bytes().await.unwrap().as_ref(), first.as_slice());
        assert_eq!(told(&alpha, "meeting_minutes").await, vec!["lea"]);

        // The peer, following the commune, gets the Event with the minutes and the PDF attached.
        let event = alpha.url(&path);
        let update = peer
            .wait_for_inbox(
                |a| {
                    a["type"] == "Update"
                        && a["object"]["id"] == event.as_str()
                        && a["object"]["content"]
                            .as_str()
                            .is_some_and(|c| c.contains("adopté"))
                },
                WAIT,
            )
            .await;
        assert_signed_by(&update, alpha.url("/communes/ville").as_str());
        let attached = update["object"]["attachment"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["mediaType"] == "application/pdf")
            .cloned()
            .unwrap_or_else(|| panic!("{update}"));
        assert_eq!(
            attached["url"],
            alpha.url(&format!("{path}/minutes.pdf")).as_str()
        );
        assert!(
            !update["object"]["content"]
                .as_str()
                .unwrap()
                .contains("<script")
        );

        // A correction replaces the PDF (the old file goes); nobody is told twice.
        let second = pdf("version 2");
        let corrected = send_minutes(
            &mut marie,
            &path,
            "Budget adopté à l'unanimité.",
            Some(("cr.pdf", &second)),
        )
        .await;
        assert_eq!(corrected.status, 303, "{}", corrected.body);
        assert_eq!(stored_pdfs(&alpha).len(), 1);
        let served = alpha
            .client()
            .get(alpha.url(&format!("{path}/minutes.pdf")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(served.as_ref(), second.as_slice());
        assert_eq!(told(&alpha, "meeting_minutes").await, vec!["lea"]);
    }
);
