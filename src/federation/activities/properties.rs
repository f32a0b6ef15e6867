//! Properties of the activity reader, checked on generated input (proptest): reading any bytes returns
//! (an activity or an error, never a panic), the lenient forms of an activity read as the plain one,
//! and taking `Public` out of an activity leaves no public address and nothing else changed.
//!
//! Each property runs 10,000 cases in `cargo test` and 1,000,000 in its ignored `fuzz_…` twin
//! (`crate::properties`).

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseResult;
use serde_json::{Map, Value, json};
use url::Url;

use super::{Incoming, NoteObject, PUBLIC, PageIn, id_of, is_public, type_of, without_public};

use crate::properties::property;

const KEYS: [&str; 23] = [
    "@context",
    "id",
    "type",
    "actor",
    "object",
    "to",
    "cc",
    "bto",
    "content",
    "name",
    "summary",
    "attributedTo",
    "inReplyTo",
    "url",
    "audience",
    "published",
    "startTime",
    "endTime",
    "tag",
    "href",
    "commentsEnabled",
    "proposalStatus",
    "problemStatus",
];

const STRINGS: [&str; 16] = [
    "https://m.example/users/a",
    "https://m.example/users/a/followers",
    "https://ville.example/communes/lyon",
    "https://ville.example/notes/3",
    PUBLIC,
    "as:Public",
    "Public",
    "Follow",
    "Create",
    "Note",
    "Page",
    "Person",
    "2026-03-14T15:09:26Z",
    "not a url",
    "",
    "https://",
];

/// JSON shaped like ActivityStreams: objects with its keys, its addresses and types, nested.
fn json() -> impl Strategy<Value = Value> {
    json_of(5, 64)
}

/// [`json`] up to `depth` levels deep and about `size` values in all.
fn json_of(depth: u32, size: u32) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        6 => select(STRINGS.to_vec()).prop_map(Value::from),
        2 => "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(depth, size, 6, |inner| {
        let key =
            prop_oneof![4 => select(KEYS.to_vec()).prop_map(str::to_owned), 1 => "[a-zA-Z@]{0,6}"];
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((key, inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Bytes: any, JSON shaped like an activity (with one byte changed, sometimes), or deep nesting.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => vec(any::<u8>(), 0..256),
        4 => json().prop_map(|value| serde_json::to_vec(&value).unwrap_or_default()),
        2 => (json(), any::<Index>(), any::<u8>()).prop_map(|(value, index, byte)| {
            let mut bytes = serde_json::to_vec(&value).unwrap_or_default();
            if !bytes.is_empty() {
                let at = index.index(bytes.len());
                bytes[at] = byte;
            }
            bytes
        }),
        1 => (1usize..5_000, select(vec!["[", "{\"a\":", "{\"object\":", "[{\"to\":"]))
            .prop_map(|(depth, open)| open.repeat(depth).into_bytes()),
    ]
}

/// Every value inside `value`, itself included.
fn walk<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(value);
    match value {
        Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
        Value::Object(map) => map.values().for_each(|item| walk(item, out)),
        _ => {}
    }
}

fn reading_never_panics(bytes: Vec<u8>) -> TestCaseResult {
    if let Ok(activity) = serde_json::from_slice::<Incoming>(&bytes) {
        if let Some(object) = &activity.object {
            let _ = (id_of(object), type_of(object));
        }
        let _ = activity.to.iter().chain(&activity.cc).any(|a| is_public(a));
    }
    let _ = serde_json::from_slice::<NoteObject>(&bytes);
    let _ = serde_json::from_slice::<PageIn>(&bytes);
    if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
        let mut all = Vec::new();
        walk(&value, &mut all);
        for item in all {
            let _ = (id_of(item), type_of(item));
        }
        without_public(&mut value.clone());
    }
    Ok(())
}

property!(
    /// Reading any bytes as an activity, a note or a page (and the helpers on what is read) returns.
    reading_any_bytes_never_panics,
    fuzz_reading_any_bytes_never_panics,
    bytes(),
    reading_never_panics,
);

/// An activity in its plain form, and the choices of how to write it leniently.
#[derive(Clone, Debug)]
struct Activity {
    id: String,
    kind: String,
    actor: String,
    object: Option<Value>,
    to: Vec<String>,
    cc: Vec<String>,
    /// How each field is written.
    forms: [u8; 4],
    /// Members a reader must ignore.
    extra: Vec<(String, Value)>,
}

fn url() -> impl Strategy<Value = String> {
    (
        "https?",
        "[a-z]{1,8}",
        "(:[0-9]{1,4})?",
        "(/[a-zA-Z0-9_.~-]{0,8}){0,3}",
    )
        .prop_map(|(scheme, host, port, path)| format!("{scheme}://{host}.example{port}{path}"))
}

fn address() -> impl Strategy<Value = String> {
    prop_oneof![
        url(),
        select(vec![
            PUBLIC,
            "as:Public",
            "Public",
            "https://m.example/users/a/followers"
        ])
        .prop_map(str::to_owned),
    ]
}

fn activity() -> impl Strategy<Value = Activity> {
    (
        url(),
        select(vec![
            "Follow", "Create", "Announce", "Like", "Undo", "Flag", "x:Custom",
        ]),
        url(),
        proptest::option::of(
            json_of(3, 16).prop_filter("null reads as no object", |v| !v.is_null()),
        ),
        vec(address(), 0..4),
        vec(address(), 0..4),
        any::<[u8; 4]>(),
        vec(
            (
                select(vec![
                    "@context",
                    "published",
                    "signature",
                    "x",
                    "summary",
                    "bto",
                ]),
                json_of(2, 8),
            ),
            0..3,
        ),
    )
        .prop_map(|(id, kind, actor, object, to, cc, forms, extra)| Activity {
            id,
            kind: kind.to_owned(),
            actor,
            object,
            to,
            cc,
            forms,
            extra: extra.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        })
}

/// An id written one of the ways servers write it: a string, an object with an `id`, or either in an
/// array, after things that are not ids.
fn id_form(id: &str, form: u8) -> Value {
    match form % 5 {
        0 => json!(id),
        1 => json!({"id": id, "type": "Person", "name": "A"}),
        2 => json!([id]),
        3 => json!([{"id": id}, "https://second.example/x"]),
        _ => json!([42, null, {"type": "Person"}, id]),
    }
}

/// Addresses written one of the ways servers write them (a lone address as a string or an object too).
fn addresses_form(addresses: &[String], form: u8) -> Option<Value> {
    let strings = || addresses.iter().map(|a| json!(a)).collect::<Vec<_>>();
    Some(match (form % 5, addresses) {
        (0, []) => return None,
        (1, []) => Value::Null,
        (2, [one]) => json!(one),
        (3, [one]) => json!({"id": one}),
        (3, _) => Value::Array(addresses.iter().map(|a| json!({"id": a})).collect()),
        (4, _) => Value::Array(
            strings()
                .into_iter()
                .flat_map(|a| [a, json!(7), json!({"type": "Collection"})])
                .collect(),
        ),
        _ => Value::Array(strings()),
    })
}

fn lenient_forms_read_alike(activity: Activity) -> TestCaseResult {
    let mut map = Map::new();
    for (key, value) in &activity.extra {
        map.insert(key.clone(), value.clone());
    }
    map.insert("id".into(), json!(activity.id));
    let kind = match activity.forms[0] % 3 {
        0 => json!(activity.kind),
        1 => json!([activity.kind, "as:Activity"]),
        _ => json!([1, activity.kind]),
    };
    map.insert("type".into(), kind);
    map.insert("actor".into(), id_form(&activity.actor, activity.forms[1]));
    if let Some(object) = &activity.object {
        map.insert("object".into(), object.clone());
    }
    for (key, addresses, form) in [
        ("to", &activity.to, activity.forms[2]),
        ("cc", &activity.cc, activity.forms[3]),
    ] {
        if let Some(value) = addresses_form(addresses, form) {
            map.insert(key.into(), value);
        }
    }
    let bytes = serde_json::to_vec(&Value::Object(map)).unwrap_or_default();
    let read = serde_json::from_slice::<Incoming>(&bytes);
    prop_assert!(read.is_ok(), "{read:?}");
    let Ok(read) = read else { return Ok(()) };
    prop_assert_eq!(Some(read.id), Url::parse(&activity.id).ok());
    prop_assert_eq!(read.kind, activity.kind);
    prop_assert_eq!(Some(read.actor), Url::parse(&activity.actor).ok());
    // As JSON carries it: a float may come back a unit in the last place away (serde_json's
    // default float parsing), so the object is compared with itself read back.
    let object = activity.object.map(|object| {
        serde_json::from_slice::<Value>(&serde_json::to_vec(&object).unwrap_or_default())
    });
    prop_assert_eq!(read.object, object.and_then(Result::ok));
    prop_assert_eq!(read.to, activity.to);
    prop_assert_eq!(read.cc, activity.cc);
    Ok(())
}

property!(
    /// An activity reads the same whichever lenient form its type, actor and addresses take, and
    /// whatever unknown members it carries.
    lenient_forms_of_an_activity_read_as_the_plain_one,
    fuzz_lenient_forms_of_an_activity_read_as_the_plain_one,
    activity(),
    lenient_forms_read_alike,
);

/// `value` without any `to` or `cc`, at any depth.
fn without_addresses(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "to" && *key != "cc")
                .map(|(key, child)| (key.clone(), without_addresses(child)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_addresses).collect()),
        other => other.clone(),
    }
}

/// Checks every `to` and `cc` of `before` against the same in `after` (same shape but for them).
fn check_addresses(before: &Value, after: &Value) -> TestCaseResult {
    match (before, after) {
        (Value::Object(before), Value::Object(after)) => {
            for (key, old) in before {
                let new = &after[key.as_str()];
                if key != "to" && key != "cc" {
                    check_addresses(old, new)?;
                    continue;
                }
                let kept: Vec<&Value> = match old {
                    Value::Array(items) => items.iter().collect(),
                    Value::String(_) | Value::Object(_) => vec![old],
                    // Addresses not written as strings, objects or arrays are left as they are.
                    other => {
                        prop_assert_eq!(new, other);
                        continue;
                    }
                };
                let kept: Vec<&Value> = kept
                    .into_iter()
                    .filter(|a| !id_of(a).is_some_and(is_public))
                    .collect();
                let new = new.as_array();
                prop_assert!(new.is_some(), "{key} is not an array after: {after:?}");
                let new: Vec<&Value> = new.into_iter().flatten().collect();
                prop_assert_eq!(new, kept);
            }
        }
        (Value::Array(before), Value::Array(after)) => {
            for (old, new) in before.iter().zip(after) {
                check_addresses(old, new)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn public_is_taken_out(value: Value) -> TestCaseResult {
    let mut once = value.clone();
    without_public(&mut once);
    prop_assert_eq!(without_addresses(&once), without_addresses(&value));
    check_addresses(&value, &once)?;
    let mut twice = once.clone();
    without_public(&mut twice);
    prop_assert_eq!(twice, once);
    Ok(())
}

property!(
    /// Taking `Public` out removes exactly the public addresses (written in any of the three ways)
    /// from every `to` and `cc` at any depth, changes nothing else, and a second time changes nothing.
    taking_public_out_leaves_no_public_address,
    fuzz_taking_public_out_leaves_no_public_address,
    json(),
    public_is_taken_out,
);

/// Public written as an object with an `id` (one or in a list) goes too, as it is read as public.
#[test]
fn public_written_as_an_object_is_taken_out() {
    let mut value = serde_json::json!({
        "to": [{"id": "https://www.w3.org/ns/activitystreams#Public"}, "https://a.example/users/b"],
        "cc": {"id": "as:Public"},
        "object": {"to": {"id": "Public"}},
    });
    without_public(&mut value);
    assert_eq!(
        value,
        serde_json::json!({"to": ["https://a.example/users/b"], "cc": [], "object": {"to": []}})
    );
}
