//! RFC 9421 HTTP Message Signatures, as Mastodon ≥ 4.5 and Fedify 2.x use them: one signature, no
//! component parameters, `rsa-v1_5-sha256` or `ed25519`.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, header};
use sfv::{BareItem, Dictionary, InnerList, Item, ListEntry, ListSerializer, Parameters, Parser};

use super::{
    Algorithm, KeyKind, RequestParts, Result, SignatureError, SigningKey, VerifyingKey, authority,
    check_expires, check_signed_at, digest, header_value, needs_digest, path_and_query, unix_time,
};

/// The label of the signatures we send, as Fedify does.
const LABEL: &str = "sig1";

/// The chosen signature of a request, read from `Signature-Input` and `Signature`.
#[derive(Clone, Debug)]
pub(super) struct Params {
    /// Covered component names, in order (`@method`, `content-digest`…).
    pub(super) components: Vec<String>,
    /// The `@signature-params` value: the inner list re-serialized canonically, as §2.3 requires.
    pub(super) signature_params: String,
    pub(super) key_id: String,
    created: Option<i64>,
    expires: Option<i64>,
    alg: Option<String>,
    signature: Vec<u8>,
}

/// Reads the first signature of `Signature-Input` that has a value in `Signature`.
pub(super) fn parse(headers: &HeaderMap) -> Result<Params> {
    let inputs = dictionary(headers, "signature-input")?;
    let signatures = dictionary(headers, "signature")?;
    let (list, signature) = inputs
        .iter()
        .find_map(|(label, input)| {
            let ListEntry::InnerList(list) = input else {
                return None;
            };
            let Some(ListEntry::Item(item)) = signatures.get(label) else {
                return None;
            };
            Some((list, item.bare_item.as_byte_sequence()?))
        })
        .ok_or_else(|| {
            SignatureError::Malformed("no Signature value matches a Signature-Input label".into())
        })?;

    let mut components: Vec<String> = Vec::with_capacity(list.items.len());
    for item in &list.items {
        let name = item.bare_item.as_string().ok_or_else(|| {
            SignatureError::Malformed("a covered component is not a string".into())
        })?;
        let name = name.as_str();
        if !item.params.is_empty() {
            return Err(SignatureError::Malformed(format!(
                "component parameters are not supported (on `{name}`)"
            )));
        }
        if !valid_component_name(name) {
            return Err(SignatureError::Malformed(format!(
                "`{name}` is not a valid component name"
            )));
        }
        if components.iter().any(|c| c == name) {
            return Err(SignatureError::Malformed(format!(
                "`{name}` is covered twice"
            )));
        }
        components.push(name.to_owned());
    }

    let mut created = None;
    let mut expires = None;
    let mut key_id = None;
    let mut alg = None;
    for (name, value) in &list.params {
        let wrong = || {
            SignatureError::Malformed(format!(
                "the `{}` parameter has the wrong type",
                name.as_str()
            ))
        };
        match name.as_str() {
            "created" => created = Some(value.as_integer().ok_or_else(wrong)?.into()),
            "expires" => expires = Some(value.as_integer().ok_or_else(wrong)?.into()),
            "keyid" => key_id = Some(value.as_string().ok_or_else(wrong)?.as_str().to_owned()),
            "alg" => alg = Some(value.as_string().ok_or_else(wrong)?.as_str().to_owned()),
            _ => {}
        }
    }
    let key_id = key_id.ok_or_else(|| SignatureError::Malformed("no keyid parameter".into()))?;

    Ok(Params {
        components,
        signature_params: serialize_inner_list(list),
        key_id,
        created,
        expires,
        alg,
        signature: signature.to_vec(),
    })
}

/// Verifies an RFC 9421 signature; see [`super::verify`] for the policy.
pub(super) fn verify(
    parts: &RequestParts,
    params: &Params,
    key: &VerifyingKey,
    now: DateTime<Utc>,
) -> Result<()> {
    let covers = |name: &str| params.components.iter().any(|c| c == name);
    let not_covered = |name: &str| SignatureError::NotCovered(name.to_owned());
    let created = params.created.ok_or_else(|| not_covered("created"))?;
    if !covers("@method") {
        return Err(not_covered("@method"));
    }
    let covers_target = covers("@target-uri") || (covers("@authority") && covers("@path"));
    if !covers_target {
        return Err(not_covered("@target-uri"));
    }
    if needs_digest(parts) {
        if !parts.headers.contains_key("content-digest") {
            return Err(SignatureError::DigestMissing("Content-Digest"));
        }
        if !covers("content-digest") {
            return Err(not_covered("content-digest"));
        }
    }

    if let Some(expires) = params.expires {
        check_expires(unix_time(expires, "expires")?, now)?;
    }
    check_signed_at(unix_time(created, "created")?, now)?;
    if covers("content-digest") {
        let digest = header_value(parts, "content-digest")?
            .ok_or_else(|| SignatureError::MissingComponent("content-digest".into()))?;
        digest::check_content_digest(&digest, parts.body)?;
    }

    let algorithm = match params.alg.as_deref() {
        None => Algorithm::for_key(key),
        Some(declared @ "rsa-v1_5-sha256") => Algorithm::RsaSha256.check_key(declared, key)?,
        Some(declared @ "ed25519") => Algorithm::Ed25519.check_key(declared, key)?,
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
    };
    let base = signature_base(parts, &params.components, &params.signature_params)?;
    key.verify(algorithm, base.as_bytes(), &params.signature)
}

/// Signs with RFC 9421; see [`super::sign_rfc9421`].
pub(super) fn sign(
    method: &Method,
    target: &url::Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> Result<()> {
    let alg = match key.kind() {
        KeyKind::Rsa => "rsa-v1_5-sha256",
        KeyKind::Ed25519 => "ed25519",
    };
    let body = body.or((method == Method::POST).then_some(&[][..]));
    let mut components = vec!["@method", "@target-uri", "@authority"];
    if let Some(body) = body {
        let digest = digest::content_digest_header(body);
        headers.insert("content-digest", super::header(&digest, "the digest")?);
        components.push("content-digest");
    }
    let date = httpdate::fmt_http_date(now.into());
    headers.insert(header::DATE, super::header(&date, "the date")?);

    let mut params = Parameters::new();
    let integer = |value: i64| {
        sfv::Integer::try_from(value)
            .map(BareItem::Integer)
            .map_err(|_| SignatureError::Malformed("the time is out of range".into()))
    };
    let string = |value: &str, what: &str| {
        sfv::String::from_string(value.to_owned())
            .map(BareItem::String)
            .map_err(|_| SignatureError::Malformed(format!("{what} must be printable ASCII")))
    };
    params.insert(
        sfv::key_ref("created").to_owned(),
        integer(now.timestamp())?,
    );
    params.insert(
        sfv::key_ref("keyid").to_owned(),
        string(key_id, "the key id")?,
    );
    params.insert(
        sfv::key_ref("alg").to_owned(),
        string(alg, "the algorithm")?,
    );
    let items = components
        .iter()
        .map(|c| string(c, "a component").map(Item::new))
        .collect::<Result<Vec<_>>>()?;
    let signature_params = serialize_inner_list(&InnerList::with_params(items, params));

    let components: Vec<String> = components.iter().map(|&c| c.to_owned()).collect();
    let parts = RequestParts {
        method,
        target,
        headers,
        body: body.unwrap_or_default(),
    };
    let base = signature_base(&parts, &components, &signature_params)?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(base.as_bytes())?);
    let input = format!("{LABEL}={signature_params}");
    headers.insert("signature-input", super::header(&input, "the key id")?);
    headers.insert(
        "signature",
        super::header(&format!("{LABEL}=:{signature}:"), "the signature")?,
    );
    Ok(())
}

/// The signature base of RFC 9421 §2.5: one `"name": value` line per covered component, then the
/// `"@signature-params"` line, joined with `\n` and with no final newline.
pub(super) fn signature_base(
    parts: &RequestParts,
    components: &[String],
    signature_params: &str,
) -> Result<String> {
    let mut base = String::with_capacity(512);
    for name in components {
        base.push('"');
        base.push_str(name);
        base.push_str("\": ");
        let target = parts.target;
        match name.as_str() {
            "@method" => base.push_str(parts.method.as_str()),
            "@target-uri" => base.push_str(&target[..url::Position::AfterQuery]),
            "@authority" => base.push_str(&authority(target)),
            "@scheme" => base.push_str(target.scheme()),
            "@request-target" => base.push_str(path_and_query(target)),
            "@path" => base.push_str(match target.path() {
                "" => "/",
                path => path,
            }),
            "@query" => {
                base.push('?');
                base.push_str(target.query().unwrap_or_default());
            }
            derived if derived.starts_with('@') => {
                return Err(SignatureError::Malformed(format!(
                    "unsupported derived component `{derived}`"
                )));
            }
            field => {
                let value = header_value(parts, field)?
                    .ok_or_else(|| SignatureError::MissingComponent(field.to_owned()))?;
                base.push_str(&value);
            }
        }
        base.push('\n');
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(signature_params);
    Ok(base)
}

/// Parses a structured dictionary header spread over any number of field lines.
fn dictionary(headers: &HeaderMap, name: &str) -> Result<Dictionary> {
    let mut lines = Vec::new();
    for value in headers.get_all(name) {
        lines.push(
            value.to_str().map_err(|_| {
                SignatureError::Malformed(format!("the `{name}` header is not ASCII"))
            })?,
        );
    }
    if lines.is_empty() {
        return Err(SignatureError::Malformed(format!(
            "Signature-Input needs a `{name}` header"
        )));
    }
    Parser::new(&lines.join(", "))
        .parse::<Dictionary>()
        .map_err(|_| SignatureError::Malformed(format!("`{name}` is not a structured dictionary")))
}

/// The canonical serialization of an inner list with its parameters (RFC 8941 §4.1.1.1).
fn serialize_inner_list(list: &InnerList) -> String {
    let mut serializer = ListSerializer::new();
    {
        let mut inner = serializer.inner_list();
        inner.items(&list.items);
        let _ = inner.finish().parameters(&list.params);
    }
    serializer.finish().unwrap_or_default()
}

/// A derived component (`@` + lowercase letters and `-`) or a lowercase field name: the names that can
/// go between quotes in the signature base without escaping.
fn valid_component_name(name: &str) -> bool {
    let field = name.strip_prefix('@').unwrap_or(name);
    !field.is_empty()
        && field.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
        })
}
