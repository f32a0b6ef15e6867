//! What a debate page costs the database: the same statements with 5 or 50 comments.

use crate::support::TestInstance;
use crate::support::both_backends;
use crate::support::debates::people;

both_backends!(
    a_debate_page_costs_the_same_statements_with_5_or_50_comments,
    |backend| async move {
        use parvis::civic::debates as civic;
        use parvis::db::{count_statements, debates::thread, queries};
        let alpha = TestInstance::start(backend).await;
        people(&alpha).await;
        let counts = alpha
            .db
            .transaction(|conn| {
                let (marie, account) = queries::account_by_username(conn, "marie")?.unwrap();
                let (karim, _) = queries::account_by_username(conn, "karim")?.unwrap();
                let debate = civic::open_debate(
                    conn,
                    &account,
                    civic::NewDebate {
                        title: "B8".into(),
                        question: "Q ?".into(),
                        ..Default::default()
                    },
                )?;
                let mut counts = vec![];
                let mut last = None;
                for n in 1..=50 {
                    let stance = [
                        None,
                        Some(parvis::model::Stance::For),
                        Some(parvis::model::Stance::Against),
                    ][n % 3];
                    let parent = if n % 4 == 0 { last } else { None };
                    let c = civic::comment(
                        conn,
                        karim.id,
                        debate.id,
                        parent,
                        &format!("avis {n}"),
                        stance,
                    )?;
                    if n % 5 == 0 {
                        civic::edit_comment(
                            conn,
                            karim.id,
                            c.id,
                            &format!("avis {n} revu"),
                            stance,
                        )?;
                        civic::agree(conn, marie.id, c.id, true)?;
                    }
                    last = Some(c.id);
                    if n == 5 || n == 50 {
                        let (t, statements) =
                            count_statements(conn, |conn| thread(conn, debate.id, Some(marie.id)))?;
                        assert_eq!(t.comments.len(), n);
                        counts.push(statements);
                    }
                }
                Ok(counts)
            })
            .await
            .unwrap();
        assert_eq!(counts[0], counts[1], "{counts:?}");
        // Debate, comments, local and remote authors, agrees, the viewer's agrees, history, themes.
        assert_eq!(counts[0], 8, "{counts:?}");
    }
);
