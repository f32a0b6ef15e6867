//! The header parsers never panic, whatever the header says.

use super::*;

// ---------------------------------------------------------------------------------------------------
// Parsers and verifiers on arbitrary headers.

/// Requests with everything a signature may cover (host, date, both digests, content type), unsigned.
fn unsigned_requests() -> &'static [Req; 2] {
    static REQS: OnceLock<[Req; 2]> = OnceLock::new();
    REQS.get_or_init(|| {
        let date = httpdate::fmt_http_date(now().into());
        let post = Req::new(
            Method::POST,
            "https://parvis.example/communes/lyon/inbox?x=1",
        )
        .header("host", "parvis.example")
        .header("date", &date)
        .header("digest", &digest::digest_header(BODY))
        .header("content-digest", &digest::content_digest_header(BODY))
        .header("content-type", ACTIVITY_JSON)
        .body(BODY);
        let get = Req::new(Method::GET, "https://parvis.example/users/marie")
            .header("host", "parvis.example")
            .header("date", &date)
            .header("accept", ACTIVITY_JSON);
        [post, get]
    })
}

/// `inspect`, then `verify` with either key: any outcome but a panic.
fn inspect_and_verify(req: &Req) {
    let parts = req.parts();
    if let Ok(info) = inspect(&parts) {
        let _ = info.covered();
        let keys = keys();
        for key in [&keys.rsa_pub, &keys.ed25519_pub] {
            let _ = verify(&parts, &info, key, now());
        }
    }
}

/// Text in which every character stands for one byte (Latin-1): control characters and obs-text
/// included.
pub(super) fn latin1(max: usize) -> impl Strategy<Value = String> {
    vec(any::<u8>(), 0..max).prop_map(|bytes| bytes.into_iter().map(char::from).collect())
}

fn now_unix() -> i64 {
    now().timestamp()
}

/// A Unix time as text: near now, expired, in the future, out of range, or not a number.
fn unix_time_text() -> impl Strategy<Value = String> {
    let now = now_unix();
    prop_oneof![
        (now - 100..now + 100).prop_map(|t| t.to_string()),
        any::<i64>().prop_map(|t| t.to_string()),
        Just(format!("{now}.5")),
        "[-+0-9.e]{0,22}",
    ]
}

/// Base64 of a signature-sized (or any-sized) byte string, padded or not.
pub(super) fn base64_text() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            vec(any::<u8>(), 256),
            vec(any::<u8>(), 64),
            vec(any::<u8>(), 0..300)
        ],
        any::<bool>(),
    )
        .prop_map(|(bytes, padded)| {
            let text = b64(&bytes);
            if padded {
                text
            } else {
                text.trim_end_matches('=').to_owned()
            }
        })
}

const COMPONENTS: [&str; 16] = [
    "(request-target)",
    "(created)",
    "(expires)",
    "(unknown)",
    "host",
    "Host",
    "date",
    "digest",
    "content-digest",
    "content-type",
    "accept",
    "x-missing",
    "@method",
    "@target-uri",
    "@authority",
    "@path",
];

/// A draft-cavage parameter value.
fn cavage_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(KEY_ID.to_owned()),
        "https?://[a-z.]{0,12}/[a-z#-]{0,10}",
        select(vec![
            "rsa-sha256",
            "RSA-SHA256",
            "hs2019",
            "ed25519",
            "hmac-sha256",
            ""
        ])
        .prop_map(str::to_owned),
        vec(select(COMPONENTS.to_vec()), 0..7).prop_map(|names| names.join(" ")),
        unix_time_text(),
        base64_text(),
        "[\"\\\\,= a-z]{0,10}",
        "\\PC{0,20}",
    ]
}

/// One draft-cavage parameter, with its separator.
fn cavage_param() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        4 => select(vec![
            "keyId", "keyid", "KEYID", "algorithm", "headers", "created", "expires", "signature"
        ])
        .prop_map(str::to_owned),
        1 => "[a-zA-Z_-]{0,8}",
    ];
    let separator = select(vec![",", ", ", " ,", ",,", " ", "\t,", ""]);
    (name, cavage_value(), 0u8..4, separator).prop_map(|(name, value, quoting, separator)| {
        match quoting {
            0 | 1 => format!(
                "{name}=\"{}\"{separator}",
                value.replace('\\', "\\\\").replace('"', "\\\"")
            ),
            2 => format!("{name}={value}{separator}"),
            _ => format!("{name} = \"{value}{separator}"),
        }
    })
}

/// A draft-cavage `Signature` value: mostly well-formed parameters, some anything at all.
fn cavage_header() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => vec(cavage_param(), 0..8).prop_map(|params| params.concat()),
        1 => any::<String>(),
        1 => latin1(200),
    ]
}

fn cavage_parsing_never_panics((value, placement, post): (String, u8, bool)) -> TestCaseResult {
    let _ = cavage::parse(&value);
    let mut req = unsigned_requests()[usize::from(!post)].clone();
    let header = match placement {
        2 => format!("Signature {value}"),
        _ => value.clone(),
    };
    let Ok(header) = HeaderValue::from_bytes(header.as_bytes()) else {
        return Ok(());
    };
    match placement {
        0 => {
            req.headers.insert("signature", header);
        }
        1 => {
            req.headers.append("signature", header.clone());
            req.headers.append("signature", header);
        }
        _ => {
            req.headers.insert(http::header::AUTHORIZATION, header);
        }
    }
    inspect_and_verify(&req);
    Ok(())
}

property!(
    /// The draft-cavage parser and verifier return on any `Signature` or `Authorization` header.
    cavage_parsing_never_panics_on_any_header,
    fuzz_cavage_parsing_never_panics_on_any_header,
    (cavage_header(), 0u8..4, any::<bool>()),
    cavage_parsing_never_panics,
);

const LABELS: [&str; 6] = ["sig1", "sig2", "sig-b26", "a*", "Sig", "1x"];

/// An RFC 9421 covered component: mostly a string, sometimes with parameters or of another type.
fn rfc9421_component() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        8 => select(
            COMPONENTS
                .iter()
                .copied()
                .chain(["@query", "@scheme", "@request-target", "@status", "@query-param", "@"])
                .collect::<Vec<_>>()
        )
        .prop_map(str::to_owned),
        1 => "[ -~]{0,8}".prop_map(|s| s.replace(['\\', '"'], "")),
    ];
    (
        name,
        select(vec!["", "", "", "", ";req", ";sf", ";key=\"a\"", ";bs"]),
        0u8..10,
    )
        .prop_map(|(name, params, kind)| match kind {
            0 => name.replace(['(', ')', '@', ' '], ""),
            1 => "1".to_owned(),
            _ => format!("\"{name}\"{params}"),
        })
}

/// An RFC 9421 signature parameter.
fn rfc9421_param() -> impl Strategy<Value = String> {
    let now = now_unix();
    prop_oneof![
        3 => (now - 50_000..now + 5_000).prop_map(|t| format!(";created={t}")),
        1 => (now - 5_000..now + 50_000).prop_map(|t| format!(";expires={t}")),
        1 => any::<i64>().prop_map(|t| format!(";created={t}")),
        1 => any::<i64>().prop_map(|t| format!(";expires={t}")),
        3 => Just(format!(";keyid=\"{KEY_ID}\"")),
        1 => select(vec![";keyid=1", ";keyid=tok", ";keyid=\"not a url\"", ";created=\"1\""])
            .prop_map(str::to_owned),
        2 => select(vec!["rsa-v1_5-sha256", "ed25519", "hmac-sha256", "rsa-pss-sha512", ""])
            .prop_map(|alg| format!(";alg=\"{alg}\"")),
        1 => Just(";nonce=\"n\";tag=\"t\"".to_owned()),
    ]
}

/// A `Signature-Input` member.
fn rfc9421_input_member() -> impl Strategy<Value = String> {
    (
        select(LABELS.to_vec()),
        vec(rfc9421_component(), 0..6),
        vec(rfc9421_param(), 0..6),
        0u8..10,
    )
        .prop_map(|(label, components, params, kind)| match kind {
            0 => format!("{label}=1"),
            1 => label.to_owned(),
            _ => format!("{label}=({}){}", components.join(" "), params.concat()),
        })
}

/// A `Signature` member.
fn rfc9421_signature_member() -> impl Strategy<Value = String> {
    (select(LABELS.to_vec()), base64_text(), 0u8..10).prop_map(
        |(label, signature, kind)| match kind {
            0 => format!("{label}=?1"),
            1 => format!("{label}=(:{signature}:)"),
            _ => format!("{label}=:{signature}:"),
        },
    )
}

/// A structured dictionary header: mostly well-formed members, some anything at all.
fn dictionary(member: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (vec(member, 1..3), select(vec![", ", ",", " , ", ",,"]))
            .prop_map(|(members, separator)| members.join(separator)),
        1 => any::<String>(),
        1 => latin1(100),
    ]
}

fn rfc9421_parsing_never_panics(
    (input, signature, extra, post): (String, String, Option<String>, bool),
) -> TestCaseResult {
    let mut req = unsigned_requests()[usize::from(!post)].clone();
    let lines = [
        ("signature-input", Some(&input)),
        ("signature", Some(&signature)),
    ];
    for (name, value) in lines
        .into_iter()
        .chain([("signature-input", extra.as_ref())])
    {
        let Some(value) = value else { continue };
        let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) else {
            return Ok(());
        };
        req.headers.append(name, value);
    }
    let _ = rfc9421::parse(&req.headers);
    inspect_and_verify(&req);
    Ok(())
}

property!(
    /// The RFC 9421 parser and verifier return on any `Signature-Input` and `Signature` headers.
    rfc9421_parsing_never_panics_on_any_header,
    fuzz_rfc9421_parsing_never_panics_on_any_header,
    (
        dictionary(rfc9421_input_member()),
        dictionary(rfc9421_signature_member()),
        proptest::option::weighted(0.1, dictionary(rfc9421_input_member())),
        any::<bool>(),
    ),
    rfc9421_parsing_never_panics,
);
