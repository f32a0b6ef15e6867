//! draft-cavage-http-signatures (version 12), as the fediverse sends it: `rsa-sha256` from Mastodon,
//! GoToSocial and Pleroma, `hs2019` with `(created)`/`(expires)` from activitypub_federation.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, header};

use super::{
    Algorithm, KeyKind, RequestParts, Result, SignatureError, SigningKey, VerifyingKey, authority,
    check_expires, check_signed_at, digest, header_value, needs_digest, path_and_query, unix_time,
};

/// A parsed draft-cavage `Signature` header.
#[derive(Clone, Debug)]
pub(super) struct Params {
    pub(super) key_id: String,
    /// Lowercased; `None` when absent (the key then decides).
    algorithm: Option<String>,
    /// Lowercased covered header names, in signing order.
    pub(super) headers: Vec<String>,
    /// `created` exactly as sent (the `(created)` line repeats it verbatim) and as a number.
    created: Option<(String, i64)>,
    expires: Option<(String, i64)>,
    signature: Vec<u8>,
}

/// The draft-cavage signature of a request: the `Signature` header, else `Authorization: Signature …`
/// (the draft's other form, still sent by a few clients).
pub(super) fn find_header(headers: &HeaderMap) -> Result<&str> {
    let mut signatures = headers.get_all("signature").iter();
    if let Some(value) = signatures.next() {
        if signatures.next().is_some() {
            return Err(SignatureError::Malformed(
                "more than one Signature header".into(),
            ));
        }
        return value
            .to_str()
            .map_err(|_| SignatureError::Malformed("the Signature header is not ASCII".into()));
    }
    let Some(authorization) = headers.get(header::AUTHORIZATION) else {
        return Err(SignatureError::Missing);
    };
    let authorization = authorization
        .to_str()
        .map_err(|_| SignatureError::Malformed("the Authorization header is not ASCII".into()))?
        .trim();
    let (scheme, rest) = authorization
        .split_once([' ', '\t'])
        .unwrap_or((authorization, ""));
    if scheme.eq_ignore_ascii_case("signature") {
        Ok(rest.trim())
    } else {
        Err(SignatureError::UnknownScheme(
            scheme.chars().take(32).collect(),
        ))
    }
}

/// Parses the parameters of a draft-cavage signature. Parameter names are matched case-insensitively
/// and may be separated by `, ` as well as `,`; a duplicate is refused rather than guessed at.
pub(super) fn parse(value: &str) -> Result<Params> {
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut created = None;
    let mut expires = None;
    let mut signature = None;
    for (name, value) in split_params(value)? {
        let slot = match name.as_str() {
            "keyid" => &mut key_id,
            "algorithm" => &mut algorithm,
            "headers" => &mut headers,
            "created" => &mut created,
            "expires" => &mut expires,
            "signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(SignatureError::Malformed(format!(
                "the `{name}` parameter appears twice"
            )));
        }
    }
    let key_id = key_id.ok_or_else(|| SignatureError::Malformed("no keyId parameter".into()))?;
    let signature = signature
        .ok_or_else(|| SignatureError::Malformed("no signature parameter".into()))
        .and_then(|s| {
            super::digest::decode_b64(&s)
                .ok_or_else(|| SignatureError::Malformed("the signature is not base64".into()))
        })?;
    let algorithm = algorithm.map(|a| a.to_ascii_lowercase());
    // The draft's default list: `(created)` since version 10 (hs2019), `date` before; as Mastodon does.
    let headers = headers.unwrap_or_else(|| match algorithm.as_deref() {
        Some("hs2019") => "(created)".to_owned(),
        _ => "date".to_owned(),
    });
    let headers: Vec<String> = headers
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    Ok(Params {
        key_id,
        algorithm,
        headers,
        created: created.map(|c| timestamp(c, "created")).transpose()?,
        expires: expires.map(|e| timestamp(e, "expires")).transpose()?,
        signature,
    })
}

/// Verifies a draft-cavage signature; see [`super::verify`] for the policy.
pub(super) fn verify(
    parts: &RequestParts,
    params: &Params,
    key: &VerifyingKey,
    now: DateTime<Utc>,
) -> Result<()> {
    let covers = |name: &str| params.headers.iter().any(|h| h == name);
    let not_covered = |name: &str| SignatureError::NotCovered(name.to_owned());
    if !covers("(request-target)") {
        return Err(not_covered("(request-target)"));
    }
    if !covers("date") && !covers("(created)") {
        return Err(not_covered("date"));
    }
    // Every request names the server it was meant for: without a signed `host`, a POST signed for another
    // server (same path, same body) could be replayed here within the time window.
    if !covers("host") {
        return Err(not_covered("host"));
    }
    if needs_digest(parts) {
        if !parts.headers.contains_key("digest") {
            return Err(SignatureError::DigestMissing("Digest"));
        }
        if !covers("digest") {
            return Err(not_covered("digest"));
        }
    }

    if let Some((_, expires)) = params.expires {
        check_expires(unix_time(expires, "expires")?, now)?;
    }
    if covers("(created)") {
        let (_, created) = params
            .created
            .as_ref()
            .ok_or_else(|| SignatureError::MissingComponent("(created)".into()))?;
        check_signed_at(unix_time(*created, "created")?, now)?;
    }
    if covers("date") {
        let date = header_value(parts, "date")?
            .ok_or_else(|| SignatureError::MissingComponent("date".into()))?;
        let date = httpdate::parse_http_date(&date)
            .map_err(|_| SignatureError::Malformed("the Date header is not an HTTP date".into()))?;
        check_signed_at(DateTime::<Utc>::from(date), now)?;
    }
    if covers("digest") {
        let digest = header_value(parts, "digest")?
            .ok_or_else(|| SignatureError::MissingComponent("digest".into()))?;
        digest::check_digest(&digest, parts.body)?;
    }

    let algorithm = match params.algorithm.as_deref() {
        None | Some("hs2019") => Algorithm::for_key(key),
        Some(declared @ "rsa-sha256") => Algorithm::RsaSha256.check_key(declared, key)?,
        Some(declared @ "ed25519") => Algorithm::Ed25519.check_key(declared, key)?,
        Some(other) => return Err(SignatureError::UnsupportedAlgorithm(other.to_owned())),
    };
    let message = signing_string(parts, params, true)?;
    match key.verify(algorithm, message.as_bytes(), &params.signature) {
        Err(SignatureError::BadSignature) if parts.target.query().is_some() => {
            let message = signing_string(parts, params, false)?;
            key.verify(algorithm, message.as_bytes(), &params.signature)
        }
        checked => checked,
    }
}

/// Signs like Mastodon; see [`super::sign_cavage`].
pub(super) fn sign(
    method: &Method,
    target: &url::Url,
    headers: &mut HeaderMap,
    body: Option<&[u8]>,
    key_id: &str,
    key: &SigningKey,
    now: DateTime<Utc>,
) -> Result<()> {
    if key.kind() != KeyKind::Rsa {
        return Err(SignatureError::UnsupportedAlgorithm(
            "draft-cavage signing needs an RSA key".into(),
        ));
    }
    if key_id.contains(['"', '\\', ',']) {
        return Err(SignatureError::Malformed(
            "a key id with quotes, backslashes or commas breaks draft-cavage parsers".into(),
        ));
    }
    let body = body.or((method == Method::POST).then_some(&[][..]));
    headers.remove("signature-input");
    headers.insert(
        header::HOST,
        super::header(&authority(target), "the target host")?,
    );
    let date = httpdate::fmt_http_date(now.into());
    headers.insert(header::DATE, super::header(&date, "the date")?);
    let mut covered = vec!["(request-target)", "host", "date"];
    if let Some(body) = body {
        let digest = digest::digest_header(body);
        headers.insert("digest", super::header(&digest, "the digest")?);
        covered.push("digest");
        if headers.contains_key(header::CONTENT_TYPE) {
            covered.push("content-type");
        }
    }
    let params = Params {
        key_id: key_id.to_owned(),
        algorithm: Some("rsa-sha256".into()),
        headers: covered.iter().map(|&h| h.to_owned()).collect(),
        created: None,
        expires: None,
        signature: Vec::new(),
    };
    let parts = RequestParts {
        method,
        target,
        headers,
        body: body.unwrap_or_default(),
    };
    let message = signing_string(&parts, &params, true)?;
    let signature = base64::engine::general_purpose::STANDARD.encode(key.sign(message.as_bytes())?);
    let value = format!(
        r#"keyId="{key_id}",algorithm="rsa-sha256",headers="{}",signature="{signature}""#,
        covered.join(" ")
    );
    headers.insert("signature", super::header(&value, "the key id")?);
    Ok(())
}

/// The draft-cavage signing string: one `name: value` line per covered header, joined with `\n`.
/// `(request-target)` is the lowercase method, a space, and `path?query` (or the bare path, for the
/// signers that leave the query out).
pub(super) fn signing_string(
    parts: &RequestParts,
    params: &Params,
    with_query: bool,
) -> Result<String> {
    let mut out = String::with_capacity(256);
    for (i, name) in params.headers.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(name);
        out.push_str(": ");
        match name.as_str() {
            "(request-target)" => {
                out.push_str(&parts.method.as_str().to_ascii_lowercase());
                out.push(' ');
                out.push_str(if with_query {
                    path_and_query(parts.target)
                } else {
                    parts.target.path()
                });
            }
            "(created)" | "(expires)" => {
                let value = if name == "(created)" {
                    &params.created
                } else {
                    &params.expires
                };
                let (raw, _) = value
                    .as_ref()
                    .ok_or_else(|| SignatureError::MissingComponent(name.clone()))?;
                out.push_str(raw);
            }
            pseudo if pseudo.starts_with('(') => {
                return Err(SignatureError::Malformed(format!(
                    "unknown pseudo-header `{pseudo}`"
                )));
            }
            field => {
                let value = header_value(parts, field)?
                    .ok_or_else(|| SignatureError::MissingComponent(field.to_owned()))?;
                out.push_str(&value);
            }
        }
    }
    Ok(out)
}

/// A `created` / `expires` parameter: an integer Unix time (a fractional part is tolerated and dropped
/// for the time check; the signing string repeats the value as sent).
fn timestamp(raw: String, name: &str) -> Result<(String, i64)> {
    let whole = raw.split_once('.').map_or(raw.as_str(), |(whole, _)| whole);
    let seconds = whole
        .parse::<i64>()
        .map_err(|_| SignatureError::Malformed(format!("`{name}` is not a Unix time")))?;
    Ok((raw, seconds))
}

/// Splits `name="value", name=value` into lowercased names and unquoted values.
fn split_params(input: &str) -> Result<Vec<(String, String)>> {
    let bytes = input.as_bytes();
    let malformed = |what: &str| SignatureError::Malformed(format!("Signature header: {what}"));
    let skip_ws = |mut i: usize| {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        i
    };
    let mut params = Vec::new();
    let mut i = skip_ws(0);
    while i < bytes.len() {
        let start = i;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-' || bytes[i] == b'_')
        {
            i += 1;
        }
        if i == start {
            return Err(malformed("expected a parameter name"));
        }
        let name = input[start..i].to_ascii_lowercase();
        i = skip_ws(i);
        if bytes.get(i) != Some(&b'=') {
            return Err(malformed("expected `=` after a parameter name"));
        }
        i = skip_ws(i + 1);
        let mut value = String::new();
        if bytes.get(i) == Some(&b'"') {
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return Err(malformed("unterminated quoted value")),
                    Some(b'"') => break,
                    Some(b'\\') => {
                        let escaped = bytes.get(i + 1).ok_or_else(|| malformed("dangling `\\`"))?;
                        value.push(char::from(*escaped));
                        i += 2;
                    }
                    Some(&c) => {
                        value.push(char::from(c));
                        i += 1;
                    }
                }
            }
            i += 1;
        } else {
            let start = i;
            while i < bytes.len() && !matches!(bytes[i], b',' | b' ' | b'\t') {
                i += 1;
            }
            value.push_str(&input[start..i]);
        }
        params.push((name, value));
        i = skip_ws(i);
        match bytes.get(i) {
            None => break,
            Some(b',') => i = skip_ws(i + 1),
            Some(_) => return Err(malformed("expected `,` between parameters")),
        }
    }
    if params.is_empty() {
        return Err(malformed("no parameters"));
    }
    Ok(params)
}
