//! Request bodies as Mastodon takes them, on every write: JSON, `application/x-www-form-urlencoded` and
//! `multipart/form-data`, the two form kinds with Rails' bracketed names (`choices[]=1&choices[]=2`,
//! `poll[options][]=Oui`, `poll[expires_in]=3600`) read into the same tree as JSON would give. A form's
//! values are text: fields that are numbers or booleans in JSON read either (see [`flexible`]). A plain
//! field given twice takes its last value, as Mastodon (Rails) does.

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;

/// A request body of any of Mastodon's three kinds, deserialized into `T`. Files sent in a multipart body
/// are not read: endpoints that take one use [`WithFiles`].
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (tree, _) = read(req, state, false).await?;
        typed(tree).map(Body)
    }
}

/// A file part of a multipart body: its field's name and its bytes (within the route's body limit).
pub struct FilePart {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A body as [`Body`] reads it, with the files of a multipart body (`file`, `avatar`…).
pub struct WithFiles<T> {
    pub fields: T,
    pub files: Vec<FilePart>,
}

impl<T> WithFiles<T> {
    /// The bytes of the file sent as `name`, if any (the last one, if sent twice).
    pub fn take(&mut self, name: &str) -> Option<Vec<u8>> {
        let at = self.files.iter().rposition(|f| f.name == name)?;
        Some(self.files.swap_remove(at).bytes)
    }
}

impl<S, T> FromRequest<S> for WithFiles<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (tree, files) = read(req, state, true).await?;
        Ok(WithFiles {
            fields: typed(tree)?,
            files,
        })
    }
}

fn typed<T: DeserializeOwned>(tree: Value) -> Result<T, Error> {
    serde_json::from_value(tree)
        .map_err(|e| Error::BadRequest(format!("the body is not what this endpoint takes: {e}")))
}

/// Reads a body into the tree JSON would give, and (when `keep_files`) the files of a multipart one.
async fn read<S: Send + Sync>(
    req: Request,
    state: &S,
    keep_files: bool,
) -> Result<(Value, Vec<FilePart>), Error> {
    let kind = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let malformed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge(format!("the body is too large: {e}"))
        } else {
            Error::BadRequest(format!("the multipart body is malformed: {e}"))
        }
    };
    if kind.starts_with("multipart/form-data") {
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| Error::BadRequest(format!("the multipart body is malformed: {e}")))?;
        let mut pairs = Vec::new();
        let mut files = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(malformed)? {
            let name = field.name().unwrap_or("").to_string();
            if field.file_name().is_some() {
                if keep_files {
                    let bytes = field.bytes().await.map_err(malformed)?;
                    files.push(FilePart {
                        name,
                        bytes: bytes.to_vec(),
                    });
                }
                continue;
            }
            let text = field
                .text()
                .await
                .map_err(|e| Error::BadRequest(format!("a field is not text: {e}")))?;
            pairs.push((name, text));
        }
        return Ok((tree_of(pairs)?, files));
    }
    let bytes = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|e| Error::BadRequest(format!("the body cannot be read: {e}")))?;
    let tree = if kind.starts_with("application/x-www-form-urlencoded") {
        tree_of(
            url::form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )?
    } else if kind.starts_with("application/json") || kind.is_empty() {
        if bytes.is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|e| Error::BadRequest(format!("the body is not JSON: {e}")))?
        }
    } else {
        return Err(Error::BadRequest(format!(
            "a body of type '{kind}' is not read here: send JSON, a form or multipart"
        )));
    };
    Ok((tree, vec![]))
}

/// The tree of a form's fields: `a=1` → `{"a": "1"}`, `a[]=1&a[]=2` → `{"a": ["1", "2"]}`, `a[b]=1` →
/// `{"a": {"b": "1"}}`. A plain name given twice keeps its last value; a name whose brackets do not close,
/// or that is both a value and a list or group, is refused.
pub fn tree_of(pairs: Vec<(String, String)>) -> Result<Value, Error> {
    let mut root = Map::new();
    for (name, value) in pairs {
        let path = path_of(&name)?;
        insert(&mut root, &name, &path, value)?;
    }
    Ok(Value::Object(root))
}

/// `a[b][]` → `["a", "b", ""]`.
fn path_of(name: &str) -> Result<Vec<&str>, Error> {
    let malformed = || Error::BadRequest(format!("the field name '{name}' is malformed"));
    let (head, mut rest) = match name.find('[') {
        Some(at) => (&name[..at], &name[at..]),
        None => (name, ""),
    };
    if head.is_empty() {
        return Err(malformed());
    }
    let mut path = vec![head];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[').ok_or_else(malformed)?;
        let close = inner.find(']').ok_or_else(malformed)?;
        path.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    // `[]` only at the end: `a[][b]` (arrays of objects) is not something Mastodon's endpoints take.
    if path[..path.len() - 1].iter().skip(1).any(|p| p.is_empty()) {
        return Err(malformed());
    }
    Ok(path)
}

fn insert(
    map: &mut Map<String, Value>,
    name: &str,
    path: &[&str],
    value: String,
) -> Result<(), Error> {
    let clash = || {
        Error::BadRequest(format!(
            "the field '{name}' mixes a value and a list or group"
        ))
    };
    match path {
        // Given twice, the last one counts, as in Rails (Mastodon): a client library (Mastodon.py 2.3)
        // sends a stray field of its own several times.
        [key] => match map.get(*key) {
            Some(Value::Array(_) | Value::Object(_)) => return Err(clash()),
            _ => {
                map.insert((*key).to_string(), Value::String(value));
            }
        },
        [key, ""] => {
            let entry = map
                .entry((*key).to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            entry
                .as_array_mut()
                .ok_or_else(clash)?
                .push(Value::String(value));
        }
        [key, rest @ ..] => {
            let entry = map
                .entry((*key).to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            insert(entry.as_object_mut().ok_or_else(clash)?, name, rest, value)?;
        }
        [] => {
            return Err(Error::BadRequest(format!(
                "the field name '{name}' is malformed"
            )));
        }
    }
    Ok(())
}

/// Deserializers for fields that JSON gives as numbers or booleans and forms as text.
pub mod flexible {
    use serde::{Deserialize, Deserializer, de::Error as _};
    use serde_json::Value;

    /// `true`, `"true"`, `"1"`, `"on"` are true; `false`, `"false"`, `"0"`, `""` false.
    pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        match Value::deserialize(d)? {
            Value::Bool(b) => Ok(b),
            Value::Null => Ok(false),
            Value::String(s) => match s.as_str() {
                "true" | "1" | "on" => Ok(true),
                "false" | "0" | "" => Ok(false),
                other => Err(D::Error::custom(format!("'{other}' is not a boolean"))),
            },
            Value::Number(n) => Ok(n.as_u64() == Some(1)),
            other => Err(D::Error::custom(format!("{other} is not a boolean"))),
        }
    }

    /// A number, or text holding one; absent or empty is `None`.
    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("{n} is not a whole number"))),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| D::Error::custom(format!("'{s}' is not a whole number"))),
            Some(other) => Err(D::Error::custom(format!("{other} is not a whole number"))),
        }
    }

    /// A list of ids or indexes, as numbers or text.
    pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    Value::Number(n) => Ok(n.to_string()),
                    other => Err(D::Error::custom(format!("{other} is not an id"))),
                })
                .collect(),
            Some(Value::String(s)) => Ok(vec![s]),
            Some(other) => Err(D::Error::custom(format!("{other} is not a list"))),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(s: &str) -> Result<Value, Error> {
        tree_of(
            url::form_urlencoded::parse(s.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    #[test]
    fn bracketed_names_read_as_json_would_give_them() {
        assert_eq!(
            form("status=Bonjour&poll[options][]=Oui&poll[options][]=Non&poll[expires_in]=3600&media_ids[]=4")
                .unwrap(),
            json!({
                "status": "Bonjour",
                "poll": {"options": ["Oui", "Non"], "expires_in": "3600"},
                "media_ids": ["4"],
            })
        );
        assert_eq!(
            form("choices[]=0&choices[]=2").unwrap(),
            json!({"choices": ["0", "2"]})
        );
    }

    #[test]
    fn a_name_given_twice_keeps_its_last_value_and_malformed_names_are_refused() {
        assert_eq!(form("status=a&status=b").unwrap(), json!({"status": "b"}));
        for bad in [
            "choices[=1",
            "[x]=1",
            "a[][b]=1",
            "a=1&a[]=2",
            "a[]=1&a[b]=2",
        ] {
            assert!(form(bad).is_err(), "{bad}");
        }
    }
}
