//! Hashtags of posts: read from the text of a post written here, or from the `Hashtag`s of one received;
//! kept lower case without their `#`, at most ten a post.

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::Result;
use crate::ids::NoteId;
use crate::model::schema::note_tags;

/// At most this many hashtags a post, each at most this long.
pub const MAX_TAGS: usize = 10;
pub const MAX_LEN: usize = 64;

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A hashtag's name as kept: letters, digits and `_`, not only digits, not too long; lower case.
pub fn normalize(raw: &str) -> Option<String> {
    let name = raw.strip_prefix('#').unwrap_or(raw);
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_LEN
        && name.chars().all(is_tag_char)
        && !name.chars().all(|c| c.is_ascii_digit());
    ok.then(|| name.to_lowercase())
}

/// The hashtags of a text: `#name` where the `#` does not follow a letter, a digit or `_` (not in the
/// middle of a word or a URL's fragment), each once.
pub fn in_text(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found: Vec<String> = vec![];
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '#' && (i == 0 || !(is_tag_char(chars[i - 1]) || chars[i - 1] == '/')) {
            let start = i + 1;
            let mut end = start;
            while end < chars.len() && is_tag_char(chars[end]) {
                end += 1;
            }
            let word: String = chars[start..end].iter().collect();
            if let Some(name) = normalize(&word)
                && !found.contains(&name)
            {
                found.push(name);
            }
            i = end.max(start);
            continue;
        }
        i += 1;
    }
    found.truncate(MAX_TAGS);
    found
}

/// The hashtags of a received post: its `tag` list's `Hashtag`s (their `name`), each once.
pub fn in_tag_list(tags: &[serde_json::Value]) -> Vec<String> {
    let mut found: Vec<String> = vec![];
    for tag in tags {
        if tag.get("type").and_then(|t| t.as_str()) != Some("Hashtag") {
            continue;
        }
        if let Some(name) = tag.get("name").and_then(|n| n.as_str()).and_then(normalize)
            && !found.contains(&name)
        {
            found.push(name);
        }
    }
    found.truncate(MAX_TAGS);
    found
}

/// Sets a post's hashtags (replacing those it had).
pub fn set(conn: &mut AnyConnection, note: NoteId, names: &[String]) -> Result<()> {
    diesel::delete(note_tags::table.filter(note_tags::note_id.eq(note))).execute(conn)?;
    for name in names {
        diesel::insert_into(note_tags::table)
            .values((note_tags::note_id.eq(note), note_tags::name.eq(name)))
            .execute(conn)?;
    }
    Ok(())
}

/// A post's hashtags, by name.
pub fn of(conn: &mut AnyConnection, note: NoteId) -> Result<Vec<String>> {
    Ok(note_tags::table
        .filter(note_tags::note_id.eq(note))
        .order(note_tags::name.asc())
        .select(note_tags::name)
        .load(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_are_read_from_text_and_from_tag_lists() {
        assert_eq!(
            in_text(
                "#Marché de #noël, pas ici#non ni https://x.example/#ancre ni #2024 mais #an_2024 #MARCHÉ"
            ),
            ["marché", "noël", "an_2024"]
        );
        assert!(in_text("# seul").is_empty());
        let many: String = (0..20).map(|i| format!("#t{i} ")).collect();
        assert_eq!(in_text(&many).len(), MAX_TAGS);
        assert_eq!(normalize(&"a".repeat(65)), None);
        assert_eq!(
            in_tag_list(&[
                serde_json::json!({"type": "Hashtag", "name": "#Vélo", "href": "https://x.example/tags/v"}),
                serde_json::json!({"type": "Mention", "name": "@a@x.example"}),
                serde_json::json!({"type": "Hashtag", "name": "#<script>"}),
                serde_json::json!({"type": "Hashtag", "name": "#vélo"}),
            ]),
            ["vélo"]
        );
    }
}
