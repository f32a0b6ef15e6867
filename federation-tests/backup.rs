//! `parvis admin backup` while activities arrive, and `restore` into a working instance holding every activity
//! acknowledged before the backup began; the faults: a full or read-only disk, a damaged or foreign archive,
//! a non-empty data directory.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::prelude::*;
use serde_json::json;

use crate::federation::{account, eventually};
use crate::support::hostile::{EVIL, EVIL_IP, Hostile, keys, mentioning, post_signed, reach};
use crate::support::{Backend, TestInstance, both_backends};
use parvis::model::Role;
use parvis::model::schema::{notes, received_activities};

use crate::support::admin_command as admin;

/// A configuration file for a data directory and a database URL (empty: SQLite in the data directory).
fn config(dir: &std::path::Path, data_dir: &std::path::Path, url: &str) -> String {
    let path = dir.join("restore.toml");
    std::fs::write(
        &path,
        format!(
            "[server]\ndata_dir = {:?}\n[database]\nurl = {url:?}\n",
            data_dir.display().to_string()
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// Activities ids stored in `db`, of those in `ids`.
pub(crate) async fn stored(db: &parvis::db::Database, ids: Vec<String>) -> (usize, usize) {
    db.run(move |conn| {
        let activities: i64 = received_activities::table
            .filter(received_activities::ap_id.eq_any(&ids))
            .count()
            .get_result(conn)?;
        let objects: Vec<String> = ids.iter().map(|id| id.replace("/activity", "")).collect();
        let posts: i64 = notes::table
            .filter(notes::ap_id.eq_any(&objects))
            .count()
            .get_result(conn)?;
        Ok((activities as usize, posts as usize))
    })
    .await
    .unwrap()
}

both_backends!(
    a_backup_taken_while_activities_arrive_restores_every_one_acknowledged_before,
    |backend: Backend| async move {
        let alpha = TestInstance::start_with(backend, reach).await;
        let marie = account(&alpha, "ville", "marie", Role::Official).await;
        let (code, picture) =
            crate::pictures::upload(&alpha, &marie, &crate::pictures::png(64, 48), "La mairie")
                .await;
        assert_eq!(code, 200, "{picture}");
        let picture_path = reqwest::Url::parse(picture["url"].as_str().unwrap())
            .unwrap()
            .path()
            .to_string();
        let evil = Hostile::start(EVIL, EVIL_IP).await;
        let remy = evil.serve_actor("remy", &keys()[0]);
        let marie_id = alpha.url("/users/marie");

        // Remy posts to marie without a pause; each acknowledged (202) activity is noted, in order.
        let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let sender = tokio::spawn({
            let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
            let (client, inbox, remy) = (evil.client(), alpha.url("/inbox"), remy.clone());
            async move {
                for i in 0.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let id = format!("{remy}/notes/{i}");
                    let activity = mentioning(&remy, &id, &format!("Message {i}"), &marie_id);
                    let (code, body) = post_signed(
                        &client,
                        &inbox,
                        &activity,
                        &format!("{remy}#main-key"),
                        &keys()[0].signing(),
                    )
                    .await;
                    assert_eq!(code, 202, "{body}");
                    acknowledged.lock().unwrap().push(format!("{id}/activity"));
                }
            }
        });
        let count = || acknowledged.lock().unwrap().len();
        eventually(
            "twenty activities acknowledged",
            Duration::from_secs(30),
            || async { (count() >= 20).then_some(()) },
        )
        .await;

        let backups = tempfile::tempdir().unwrap();
        let file = backups.path().join("parvis-backup.tar.gz");
        let (_keep, alpha_config) = alpha.cli_config();
        let before: Vec<String> = acknowledged.lock().unwrap().clone();
        let out = admin(&alpha_config, &["backup", "--to", file.to_str().unwrap()])
            .await
            .unwrap();
        let during = count() - before.len();
        eprintln!("{during} activities acknowledged while the backup ran");
        assert!(out.contains("backup written to"), "{out}");
        // It holds the actors' keys: its owner alone reads it.
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        // PostgreSQL is copied by pg_dump, and the command says so.
        assert_eq!(
            out.contains("(by pg_dump)"),
            backend == Backend::Postgres,
            "{out}"
        );
        let files = walkdir::WalkDir::new(alpha.data_dir())
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                !e.file_name()
                    .to_string_lossy()
                    .starts_with("parvis.sqlite3")
            })
            .count();
        assert!(files >= 1);
        assert!(out.contains(&format!(" {files} file(s)")), "{out}");
        // Remy kept posting while the backup ran, and after it.
        let after_backup = count();
        eventually(
            "more activities after the backup",
            Duration::from_secs(30),
            || async { (count() >= after_backup + 5).then_some(()) },
        )
        .await;
        stop.store(true, Ordering::SeqCst);
        sender.await.unwrap();
        let (_, alpha_marie) = alpha
            .get_json("/users/marie", "application/activity+json")
            .await;

        // Restored into a new data directory (and, for PostgreSQL, a new empty database).
        let place = tempfile::tempdir().unwrap();
        let data_dir = place.path().join("restored");
        // Made empty beforehand, as an admin does (its parent may be root's, like /var/lib): the restore
        // writes nothing beside it.
        std::fs::create_dir(&data_dir).unwrap();
        let url = match backend {
            Backend::Sqlite => String::new(),
            Backend::Postgres => crate::support::postgres::fresh_database_url(),
        };
        let restore_config = config(place.path(), &data_dir, &url);
        let parent_changed = || std::fs::metadata(place.path()).unwrap().modified().unwrap();
        let parent_before = parent_changed();
        let out = admin(
            &restore_config,
            &["restore", "--from", file.to_str().unwrap()],
        )
        .await
        .unwrap();
        assert!(out.contains(&format!(" {files} file(s)")), "{out}");
        assert_eq!(
            parent_changed(),
            parent_before,
            "something was written beside the data directory"
        );
        // Nothing restored is open to other users; the database (every actor's key) is its owner's alone.
        let mode = |path: &std::path::Path| {
            std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions())
        };
        for entry in walkdir::WalkDir::new(&data_dir).min_depth(1) {
            let entry = entry.unwrap();
            assert_eq!(mode(entry.path()) & 0o007, 0, "{}", entry.path().display());
        }
        if backend == Backend::Sqlite {
            assert_eq!(mode(&data_dir.join("parvis.sqlite3")) & 0o077, 0);
        }
        // A second restore finds the directory in use.
        let refused = admin(
            &restore_config,
            &["restore", "--from", file.to_str().unwrap()],
        )
        .await
        .unwrap_err();
        assert!(refused.contains("is not empty"), "{refused}");

        let restored = TestInstance::start_with(backend, |s| {
            s.server.data_dir = data_dir.clone();
            s.database.url = url.clone();
        })
        .await;
        let (activities, posts) = stored(&restored.db, before.clone()).await;
        assert_eq!(
            (activities, posts),
            (before.len(), before.len()),
            "{during} sent during"
        );
        // Marie's key, her token, her picture: the same instance.
        let (_, restored_marie) = restored
            .get_json("/users/marie", "application/activity+json")
            .await;
        assert_eq!(
            restored_marie["publicKey"]["publicKeyPem"],
            alpha_marie["publicKey"]["publicKeyPem"]
        );
        let (status, me) = restored
            .api_get("/api/v1/accounts/verify_credentials", &marie)
            .await;
        assert_eq!((status, me["username"].as_str()), (200, Some("marie")));
        let served = restored
            .client()
            .get(restored.url(&picture_path))
            .send()
            .await
            .unwrap();
        assert_eq!(served.status(), 200, "{picture_path}");
        let (status, body) = restored
            .api_post(
                "/api/v1/statuses",
                &marie,
                json!({"status": "Après la restauration"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
);

/// `sh -c SCRIPT` in a mount namespace of its own (as root inside a user namespace), so that a test can mount
/// a small or read-only disk; prints what the script prints.
fn in_namespace(script: &str) -> String {
    let output = Command::new("unshare")
        .args(["-r", "-m", "sh", "-c", script])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn a_full_or_read_only_disk_gets_a_clear_error_and_no_file_that_looks_like_a_backup() {
    let alpha = TestInstance::start(Backend::Sqlite).await;
    account(&alpha, "ville", "marie", Role::Official).await;
    // A file that does not compress, bigger than the small disk.
    let media = alpha.data_dir().join("media");
    std::fs::create_dir_all(&media).unwrap();
    let mut noise = vec![0u8; 8_000_000];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut noise);
    std::fs::write(media.join("noise.bin"), noise).unwrap();
    let (_keep, config) = alpha.cli_config();
    let mount = tempfile::tempdir().unwrap();
    let disk = mount.path().display().to_string();
    let parvis = env!("CARGO_BIN_EXE_parvis");
    let size = |name: &str| std::fs::metadata(alpha.data_dir().join(name)).map_or(0, |m| m.len());
    let database = size("parvis.sqlite3") + size("parvis.sqlite3-wal");
    for (options, expected) in [
        // Room for the database's copy, not for the archive.
        (
            format!("size={}", database * 2 + 1_000_000),
            "No space left on device",
        ),
        ("ro".to_string(), "Read-only file system"),
    ] {
        let out = in_namespace(&format!(
            "mount -t tmpfs -o {options} tmpfs {disk} && \
             {parvis} admin --config {config} backup --to {disk}/b.tar.gz 2>&1; \
             echo \"status=$?\"; echo \"left:\"; ls -A {disk}"
        ));
        assert!(out.contains("status=1"), "{options}: {out}");
        assert!(out.contains(expected), "{options}: {out}");
        let left = out.split("left:").nth(1).unwrap().trim();
        assert_eq!(left, "", "{options}: something was left: {out}");
    }
    // A name already taken is never replaced.
    let taken = mount.path().join("taken.tar.gz");
    std::fs::write(&taken, "precious").unwrap();
    let refused = admin(&config, &["backup", "--to", taken.to_str().unwrap()])
        .await
        .unwrap_err();
    assert!(refused.contains("already exists"), "{refused}");
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "precious");
}

#[tokio::test]
async fn a_damaged_foreign_or_hostile_archive_restores_nothing() {
    let alpha = TestInstance::start(Backend::Sqlite).await;
    account(&alpha, "ville", "marie", Role::Official).await;
    let (_keep, config_file) = alpha.cli_config();
    let work = tempfile::tempdir().unwrap();
    let good = work.path().join("good.tar.gz");
    admin(&config_file, &["backup", "--to", good.to_str().unwrap()])
        .await
        .unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let truncated = work.path().join("truncated.tar.gz");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let foreign = work.path().join("foreign.tar.gz");
    let hostile = work.path().join("hostile.tar.gz");
    let absolute = work.path().join("absolute.tar.gz");
    for (path, entry) in [
        (&foreign, "notes.txt"),
        (&hostile, "data/../../escaped.txt"),
        (&absolute, "/tmp/parvis-escaped.txt"),
    ] {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        let mut header = tar::Header::new_old();
        header.as_old_mut().name[..entry.len()].copy_from_slice(entry.as_bytes());
        header.set_size(5);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append(&header, &b"hello"[..]).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    }
    for (archive, expected) in [
        (&truncated, "is not a whole Parvis backup"),
        (&foreign, "is not a Parvis backup"),
        (&hostile, "unsafe path"),
        (&absolute, "unsafe path"),
    ] {
        let data_dir = work.path().join("restored");
        let config = config(work.path(), &data_dir, "");
        let refused = admin(&config, &["restore", "--from", archive.to_str().unwrap()])
            .await
            .unwrap_err();
        assert!(
            refused.contains(expected),
            "{}: {refused}",
            archive.display()
        );
        assert!(
            !data_dir.exists(),
            "{}: a data directory was left",
            archive.display()
        );
        assert!(!work.path().join("escaped.txt").exists());
        assert!(!std::path::Path::new("/tmp/parvis-escaped.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(work.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with(".parvis-restore"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    // Into a directory made beforehand: it is left there, empty.
    let made = work.path().join("made");
    std::fs::create_dir(&made).unwrap();
    let config_made = config(work.path(), &made, "");
    let refused = admin(
        &config_made,
        &["restore", "--from", truncated.to_str().unwrap()],
    )
    .await
    .unwrap_err();
    assert!(
        refused.contains("is not a whole Parvis backup"),
        "{refused}"
    );
    assert_eq!(std::fs::read_dir(&made).unwrap().count(), 0);
    std::fs::remove_dir(&made).unwrap();
    // The good one restores.
    let data_dir = work.path().join("restored");
    let config = config(work.path(), &data_dir, "");
    let out = admin(&config, &["restore", "--from", good.to_str().unwrap()])
        .await
        .unwrap();
    assert!(out.contains("the database is up to date"), "{out}");
}
