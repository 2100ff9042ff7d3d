//! Signed checkpoints: pinned test vectors, round trips, tampering, keys, the
//! strict parser.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use egov_audit::checkpoint::{
    self, Checkpoint, CheckpointError, CheckpointSigner, CheckpointVerifier, FORMAT_HEADER,
    SignedCheckpoint,
};
use egov_core::config::DEV_SECRET_MARKER;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::macros::datetime;

/// `tests/vectors/checkpoint-v1.txt`: produced independently (Python
/// `cryptography`) from seed 32 × 0x01, key id "test" and [`vector_checkpoint`].
const VECTOR: &str = include_str!("vectors/checkpoint-v1.txt");
/// `tests/vectors/checkpoint-v1.pub`: the public key line, with a final LF.
const VECTOR_PUB: &str = include_str!("vectors/checkpoint-v1.pub");
/// `tests/vectors/checkpoint-v1-many.txt`: an export of [`many_checkpoints`].
const VECTOR_MANY: &str = include_str!("vectors/checkpoint-v1-many.txt");

const SEED: [u8; 32] = [0x01; 32];

fn signer() -> CheckpointSigner {
    CheckpointSigner::from_seed("test", &SEED).unwrap()
}

fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

fn vector_checkpoint() -> Checkpoint {
    Checkpoint {
        chain_id: "main".to_owned(),
        size: 42,
        head: sha256("egov-audit checkpoint test vector"),
        time: datetime!(2026-11-27 07:25:08 UTC),
    }
}

fn many_checkpoints() -> Vec<Checkpoint> {
    vec![
        Checkpoint {
            chain_id: "main".to_owned(),
            size: 0,
            head: [0; 32],
            time: datetime!(2026-11-27 07:24:00 UTC),
        },
        vector_checkpoint(),
        Checkpoint {
            chain_id: "branch-office.seoul_2".to_owned(),
            size: u64::MAX,
            head: sha256("egov-audit checkpoint test vector 2"),
            time: datetime!(0000-01-01 00:00:00 UTC),
        },
    ]
}

fn signed() -> SignedCheckpoint {
    signer().sign(&vector_checkpoint()).unwrap()
}

/// The error line of a `Malformed` result, or a panic describing what came back.
fn malformed_line(result: Result<impl std::fmt::Debug, CheckpointError>) -> usize {
    match result {
        Err(CheckpointError::Malformed { line, reason }) => {
            assert!(!reason.is_empty());
            line
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

// ---------------------------------------------------------------- vectors

#[test]
fn pinned_vector_is_reproduced_byte_for_byte() {
    let signed = signed();
    assert_eq!(signed.to_text(), VECTOR, "the v1 format or signing changed");
    assert_eq!(SignedCheckpoint::parse(VECTOR).unwrap(), signed);
    signer().verifier().verify(&signed).unwrap();
}

#[test]
fn pinned_vector_verifies_with_the_public_key_line_alone() {
    let verifier = CheckpointVerifier::from_text(VECTOR_PUB).unwrap();
    assert_eq!(format!("{}\n", verifier.to_text()), VECTOR_PUB);
    assert_eq!(verifier, signer().verifier());
    let parsed = SignedCheckpoint::parse(VECTOR).unwrap();
    verifier.verify(&parsed).unwrap();
    assert_eq!(parsed.checkpoint, vector_checkpoint());
    assert_eq!(parsed.key_id, "test");
}

#[test]
fn pinned_export_is_reproduced_byte_for_byte() {
    let signer = signer();
    let signed: Vec<_> = many_checkpoints()
        .iter()
        .map(|c| signer.sign(c).unwrap())
        .collect();
    let mut out = Vec::new();
    checkpoint::export(&signed, &mut out).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), VECTOR_MANY);
    let parsed = checkpoint::parse_many(VECTOR_MANY).unwrap();
    assert_eq!(parsed, signed);
    for s in &parsed {
        signer.verifier().verify(s).unwrap();
    }
}

#[test]
fn body_is_the_first_five_lines() {
    let body = vector_checkpoint().body();
    assert_eq!(
        body,
        "egov-audit checkpoint v1\nchain: main\nsize: 42\n\
         head: fbb760e1b1ef81417b73a507d4a069a2036208251c61978583a1f0952101df22\n\
         time: 2026-11-27T07:25:08Z\n"
    );
    assert!(body.starts_with(FORMAT_HEADER));
    assert!(VECTOR.starts_with(&format!("{body}\n\u{2014} test ")));
    assert_eq!(VECTOR.lines().count(), 7);
}

// ---------------------------------------------------------------- round trips

#[test]
fn round_trip_through_text() {
    let signed = signed();
    let parsed = SignedCheckpoint::parse(&signed.to_text()).unwrap();
    assert_eq!(parsed, signed);
    assert_eq!(parsed.to_text(), signed.to_text());
}

#[test]
fn signing_normalizes_time_to_utc_whole_seconds() {
    // 16:25:08.987654321 in Korea is 07:25:08 UTC.
    let kst = datetime!(2026-11-27 16:25:08.987_654_321 +09:00);
    let checkpoint = Checkpoint {
        time: kst,
        ..vector_checkpoint()
    };
    let signed = signer().sign(&checkpoint).unwrap();
    assert_eq!(signed.checkpoint.time, datetime!(2026-11-27 07:25:08 UTC));
    assert_eq!(signed.checkpoint.time.offset(), time::UtcOffset::UTC);
    assert_eq!(signed.to_text(), VECTOR);
    assert_eq!(SignedCheckpoint::parse(&signed.to_text()).unwrap(), signed);

    let made = Checkpoint::new("main", 42, vector_checkpoint().head, kst).unwrap();
    assert_eq!(made, vector_checkpoint());
}

#[test]
fn export_and_parse_many() {
    let signer = signer();
    let signed: Vec<_> = (1..=3)
        .map(|size| {
            signer
                .sign(&Checkpoint {
                    size,
                    ..vector_checkpoint()
                })
                .unwrap()
        })
        .collect();
    let mut out = Vec::new();
    checkpoint::export(&signed, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches(FORMAT_HEADER).count(), 3);
    assert!(text.contains("==\n\negov-audit checkpoint v1\n"));
    assert_eq!(checkpoint::parse_many(&text).unwrap(), signed);

    // One checkpoint: the same text as `to_text`.
    let mut one = Vec::new();
    checkpoint::export(&signed[..1], &mut one).unwrap();
    assert_eq!(one, signed[0].to_text().into_bytes());

    // None: nothing at all.
    let mut none = Vec::new();
    checkpoint::export(&[], &mut none).unwrap();
    assert!(none.is_empty());
    assert_eq!(checkpoint::parse_many("").unwrap(), []);
}

// ---------------------------------------------------------------- tampering

#[test]
fn tampered_fields_fail_verification() {
    let verifier = signer().verifier();
    let original = signed();
    type Tamper = fn(&mut SignedCheckpoint);
    let tampers: [(&str, Tamper); 7] = [
        ("size + 1", |s| s.checkpoint.size += 1),
        ("size - 1", |s| s.checkpoint.size -= 1),
        ("head bit", |s| s.checkpoint.head[31] ^= 1),
        ("time + 1 s", |s| {
            s.checkpoint.time += time::Duration::SECOND
        }),
        ("chain", |s| s.checkpoint.chain_id = "mainx".to_owned()),
        ("signature bit", |s| s.signature[0] ^= 1),
        ("signature S", |s| s.signature[40] ^= 0x10),
    ];
    for (what, tamper) in tampers {
        let mut forged = original.clone();
        tamper(&mut forged);
        assert!(
            matches!(verifier.verify(&forged), Err(CheckpointError::BadSignature)),
            "{what}: {:?}",
            verifier.verify(&forged)
        );
        // And through the text, as an auditor would see it.
        let reparsed = SignedCheckpoint::parse(&forged.to_text()).unwrap();
        assert!(
            matches!(
                verifier.verify(&reparsed),
                Err(CheckpointError::BadSignature)
            ),
            "{what} (text)"
        );
    }
    verifier.verify(&original).unwrap();
}

#[test]
fn edited_text_fails_verification() {
    let verifier = signer().verifier();
    for (from, to) in [
        ("size: 42", "size: 43"),
        ("size: 42", "size: 4"),
        ("chain: main", "chain: mail"),
        ("T07:25:08Z", "T07:25:09Z"),
        ("head: fbb7", "head: fbb8"),
    ] {
        let text = VECTOR.replacen(from, to, 1);
        let parsed = SignedCheckpoint::parse(&text).unwrap();
        assert_eq!(
            verifier.verify(&parsed),
            Err(CheckpointError::BadSignature),
            "{from} -> {to}"
        );
    }
}

#[test]
fn wrong_key_or_key_id_is_refused() {
    let signed = signed();
    // Another key under the same id.
    let other = CheckpointSigner::from_seed("test", &[0x02; 32]).unwrap();
    assert_eq!(
        other.verifier().verify(&signed),
        Err(CheckpointError::BadSignature)
    );
    // The right key under another id.
    let renamed = CheckpointVerifier::new("prod-2026", &signer().verifier().public_key()).unwrap();
    assert_eq!(
        renamed.verify(&signed),
        Err(CheckpointError::KeyIdMismatch {
            expected: "prod-2026".to_owned(),
            found: "test".to_owned(),
        })
    );
    // A signature line claiming the verifier's id does not help.
    let mut relabelled = signed.clone();
    relabelled.key_id = "prod-2026".to_owned();
    assert_eq!(
        other.verifier().verify(&relabelled),
        Err(CheckpointError::KeyIdMismatch {
            expected: "test".to_owned(),
            found: "prod-2026".to_owned(),
        })
    );
    let other_named = CheckpointSigner::from_seed("prod-2026", &[0x02; 32]).unwrap();
    assert_eq!(
        other_named.verifier().verify(&relabelled),
        Err(CheckpointError::BadSignature)
    );
}

#[test]
fn verify_refuses_statements_outside_the_format() {
    let verifier = signer().verifier();
    let mut signed = signed();
    signed.checkpoint.chain_id = "main\nsize: 1".to_owned();
    assert!(matches!(
        verifier.verify(&signed),
        Err(CheckpointError::InvalidChainId(_))
    ));
}

// ---------------------------------------------------------------- signing rules

#[test]
fn invalid_statements_are_not_signed() {
    let signer = signer();
    for chain in [
        "",
        "has space",
        "slash/",
        "ünïcode",
        "main\n",
        &"x".repeat(65),
    ] {
        let checkpoint = Checkpoint {
            chain_id: chain.to_owned(),
            ..vector_checkpoint()
        };
        assert_eq!(
            signer.sign(&checkpoint),
            Err(CheckpointError::InvalidChainId(chain.to_owned())),
            "{chain:?}"
        );
        assert!(checkpoint::validate_chain_id(chain).is_err());
        assert!(Checkpoint::new(chain, 1, [1; 32], OffsetDateTime::UNIX_EPOCH).is_err());
    }
    assert!(checkpoint::validate_chain_id(&"x".repeat(64)).is_ok());
    assert!(checkpoint::validate_chain_id("A-z_0.9").is_ok());

    let empty_with_head = Checkpoint {
        size: 0,
        ..vector_checkpoint()
    };
    assert_eq!(malformed_line(signer.sign(&empty_with_head)), 4);

    let before_year_zero = Checkpoint {
        time: datetime!(-0001-12-31 23:59:59 UTC),
        ..vector_checkpoint()
    };
    assert_eq!(malformed_line(signer.sign(&before_year_zero)), 5);
    let after_9999 = Checkpoint {
        time: datetime!(9999-12-31 23:00:00 -05:00),
        ..vector_checkpoint()
    };
    assert_eq!(malformed_line(signer.sign(&after_9999)), 5);
    let last_second = Checkpoint {
        time: datetime!(9999-12-31 23:59:59.999 UTC),
        ..vector_checkpoint()
    };
    let signed = signer.sign(&last_second).unwrap();
    assert!(signed.to_text().contains("time: 9999-12-31T23:59:59Z\n"));
    assert_eq!(SignedCheckpoint::parse(&signed.to_text()).unwrap(), signed);
}

// ---------------------------------------------------------------- keys

#[test]
fn from_config_reads_base64_seeds() {
    let material = STANDARD.encode(SEED);
    let signer = CheckpointSigner::from_config("test", &material).unwrap();
    assert_eq!(signer.key_id(), "test");
    assert_eq!(signer.verifier(), self::signer().verifier());
    assert_eq!(signer.sign(&vector_checkpoint()).unwrap().to_text(), VECTOR);
    // A line end from a file or an environment variable is ignored.
    let padded = CheckpointSigner::from_config("test", &format!(" {material}\n")).unwrap();
    assert_eq!(padded.verifier(), signer.verifier());
}

#[test]
fn from_config_derives_development_keys() {
    let material = format!("{DEV_SECRET_MARKER}audit-checkpoint-signing");
    let signer = CheckpointSigner::from_config("dev", &material).unwrap();
    let seed = sha256(&material);
    let expected = CheckpointSigner::from_seed("dev", &seed).unwrap();
    assert_eq!(signer.verifier(), expected.verifier());
    // Another development string gives another key.
    let other = CheckpointSigner::from_config("dev", &format!("{DEV_SECRET_MARKER}other")).unwrap();
    assert_ne!(other.verifier(), signer.verifier());
    // Development keys sign and verify like any other.
    let signed = signer.sign(&vector_checkpoint()).unwrap();
    expected.verifier().verify(&signed).unwrap();
}

#[test]
fn from_config_rejects_bad_material() {
    let cases = [
        ("empty", String::new()),
        ("blank", "   ".to_owned()),
        ("16 bytes", STANDARD.encode([7u8; 16])),
        ("31 bytes", STANDARD.encode([7u8; 31])),
        ("33 bytes", STANDARD.encode([7u8; 33])),
        ("64 bytes", STANDARD.encode([7u8; 64])),
        ("not base64", "this is not base64!".to_owned()),
        (
            "url-safe",
            "____________________________________________".to_owned(),
        ),
        (
            "no padding",
            STANDARD.encode(SEED).trim_end_matches('=').to_owned(),
        ),
        ("hex", hex(&SEED)),
    ];
    for (what, material) in cases {
        match CheckpointSigner::from_config("test", &material) {
            Err(CheckpointError::InvalidKey(message)) => {
                assert!(
                    material.trim().is_empty() || !message.contains(material.trim()),
                    "{what}: material echoed in {message:?}"
                );
            }
            other => panic!("{what}: expected InvalidKey, got {other:?}"),
        }
    }
    let short = CheckpointSigner::from_config("test", &STANDARD.encode([7u8; 16]));
    assert!(
        matches!(&short, Err(CheckpointError::InvalidKey(m)) if m.contains("16 bytes")),
        "{short:?}"
    );
}

#[test]
fn key_ids_are_checked() {
    for id in ["", "with space", "a/b", "ü", &"k".repeat(65)] {
        assert!(matches!(
            CheckpointSigner::from_seed(id, &SEED),
            Err(CheckpointError::InvalidKey(_))
        ));
        assert!(matches!(
            CheckpointSigner::from_config(id, &STANDARD.encode(SEED)),
            Err(CheckpointError::InvalidKey(_))
        ));
        assert!(matches!(
            CheckpointVerifier::new(id, &signer().verifier().public_key()),
            Err(CheckpointError::InvalidKey(_))
        ));
    }
}

fn hex(bytes: &[u8]) -> String {
    egov_audit::chain::to_hex(bytes)
}

#[test]
fn signer_debug_hides_the_key_material() {
    let material = format!("{DEV_SECRET_MARKER}audit-checkpoint-signing");
    let dev_seed = sha256(&material);
    for (signer, seed) in [
        (signer(), SEED),
        (
            CheckpointSigner::from_config("dev", &material).unwrap(),
            dev_seed,
        ),
        (
            CheckpointSigner::from_seed("k", &[0xa5; 32]).unwrap(),
            [0xa5; 32],
        ),
    ] {
        for debug in [format!("{signer:?}"), format!("{signer:#?}")] {
            assert!(debug.contains("CheckpointSigner"));
            assert!(debug.contains(signer.key_id()));
            for leak in [
                hex(&seed),
                hex(&seed[..8]),
                STANDARD.encode(seed),
                STANDARD.encode(&seed[..9]),
                format!("{:?}", &seed[..4]),
                format!("{:#?}", &seed[..2]),
                format!("{seed:?}"),
            ] {
                assert!(!debug.contains(&leak), "{debug} contains {leak}");
            }
            assert!(!debug.contains(DEV_SECRET_MARKER));
            assert!(!debug.to_lowercase().contains("secret"));
        }
    }
}

#[test]
fn verifier_text_round_trip_and_errors() {
    let verifier = signer().verifier();
    let text = verifier.to_text();
    assert_eq!(text, VECTOR_PUB.trim_end());
    assert_eq!(CheckpointVerifier::from_text(&text).unwrap(), verifier);
    assert_eq!(verifier.key_id(), "test");

    let key = STANDARD.encode(verifier.public_key());
    let mut identity = [0u8; 32];
    identity[0] = 1; // the neutral point: small order
    let not_a_point = {
        // y = 2 is not on the curve.
        let mut bytes = [0u8; 32];
        bytes[0] = 2;
        bytes
    };
    for bad in [
        String::new(),
        "test".to_owned(),
        format!("test  {key}"),
        format!("test {key} extra"),
        format!("test\t{key}"),
        format!("te st {key}"),
        format!("test {}", key.trim_end_matches('=')),
        format!("test {}", STANDARD.encode([9u8; 31])),
        format!("test {}", STANDARD.encode([9u8; 33])),
        format!("test {}", key.replace('/', "_").replace('+', "-") + "!"),
        format!("test {}", STANDARD.encode(identity)),
        format!("test {}", STANDARD.encode(not_a_point)),
    ] {
        assert!(
            matches!(
                CheckpointVerifier::from_text(&bad),
                Err(CheckpointError::InvalidKey(_))
            ),
            "{bad:?}: {:?}",
            CheckpointVerifier::from_text(&bad)
        );
    }
    assert!(matches!(
        CheckpointVerifier::new("test", &identity),
        Err(CheckpointError::InvalidKey(_))
    ));
}

// ---------------------------------------------------------------- the strict parser

/// `VECTOR` with line `n` (1-based) replaced.
fn with_line(n: usize, replacement: &str) -> String {
    VECTOR
        .split_inclusive('\n')
        .enumerate()
        .map(|(i, line)| {
            if i + 1 == n {
                format!("{replacement}\n")
            } else {
                line.to_owned()
            }
        })
        .collect()
}

/// `VECTOR` without line `n`.
fn without_line(n: usize) -> String {
    VECTOR
        .split_inclusive('\n')
        .enumerate()
        .filter(|(i, _)| i + 1 != n)
        .map(|(_, line)| line)
        .collect()
}

#[test]
fn malformed_texts_name_the_line() {
    let lines: Vec<&str> = VECTOR.lines().collect();
    let head_line = lines[3];
    let signature_line = lines[6];
    let signature_b64 = signature_line.rsplit(' ').next().unwrap();
    let cases: Vec<(&str, String, usize)> = vec![
        // Missing and extra lines.
        ("empty text", String::new(), 1),
        ("header only", format!("{FORMAT_HEADER}\n"), 2),
        ("missing chain", without_line(2), 2),
        ("missing size", without_line(3), 3),
        ("missing head", without_line(4), 4),
        ("missing time", without_line(5), 5),
        ("missing empty line", without_line(6), 6),
        ("missing signature", without_line(7), 7),
        ("no final LF", VECTOR.trim_end_matches('\n').to_owned(), 7),
        ("extra final LF", format!("{VECTOR}\n"), 8),
        (
            "two signature lines",
            format!("{VECTOR}{signature_line}\n"),
            8,
        ),
        ("two checkpoints", format!("{VECTOR}\n{VECTOR}"), 8),
        ("empty line first", format!("\n{VECTOR}"), 1),
        (
            "fields swapped",
            with_line(2, "size: 42").replacen("size: 42\nhead", "chain: main\nhead", 1),
            2,
        ),
        // Header.
        ("wrong header", with_line(1, "egov-audit checkpoint v2"), 1),
        (
            "lower-case header",
            with_line(1, "Egov-audit checkpoint v1"),
            1,
        ),
        ("header space", with_line(1, "egov-audit checkpoint v1 "), 1),
        ("byte order mark", format!("\u{feff}{VECTOR}"), 1),
        // Whitespace.
        ("CRLF", VECTOR.replace('\n', "\r\n"), 1),
        (
            "CR in size line",
            VECTOR.replacen("size: 42\n", "size: 42\r\n", 1),
            3,
        ),
        ("two spaces after chain:", with_line(2, "chain:  main"), 2),
        ("no space after chain:", with_line(2, "chain:main"), 2),
        ("tab after chain:", with_line(2, "chain:\tmain"), 2),
        ("trailing space chain", with_line(2, "chain: main "), 2),
        ("space before colon", with_line(2, "chain : main"), 2),
        ("capital field name", with_line(2, "Chain: main"), 2),
        ("trailing space size", with_line(3, "size: 42 "), 3),
        ("leading space line", with_line(3, " size: 42"), 3),
        (
            "trailing space head",
            with_line(4, &format!("{head_line} ")),
            4,
        ),
        (
            "trailing space time",
            with_line(5, "time: 2026-11-27T07:25:08Z "),
            5,
        ),
        ("space in empty line", with_line(6, " "), 6),
        (
            "trailing space signature",
            with_line(7, &format!("{signature_line} ")),
            7,
        ),
        (
            "two spaces in signature",
            with_line(7, &format!("\u{2014} test  {signature_b64}")),
            7,
        ),
        // Values.
        ("bad chain id", with_line(2, "chain: ma/in"), 2),
        ("empty chain id", with_line(2, "chain: "), 2),
        (
            "long chain id",
            with_line(2, &format!("chain: {}", "c".repeat(65))),
            2,
        ),
        ("size leading zero", with_line(3, "size: 042"), 3),
        ("size plus sign", with_line(3, "size: +42"), 3),
        ("size negative", with_line(3, "size: -42"), 3),
        ("size empty", with_line(3, "size: "), 3),
        ("size hex", with_line(3, "size: 0x2a"), 3),
        (
            "size overflow",
            with_line(3, "size: 18446744073709551616"),
            3,
        ),
        ("size 0 with head", with_line(3, "size: 0"), 4),
        (
            "upper-case hex",
            with_line(4, &head_line.to_uppercase().replace("HEAD", "head")),
            4,
        ),
        (
            "one upper-case digit",
            with_line(4, &head_line.replacen('f', "F", 1)),
            4,
        ),
        (
            "short head",
            with_line(4, &head_line[..head_line.len() - 2]),
            4,
        ),
        ("long head", with_line(4, &format!("{head_line}00")), 4),
        (
            "non-hex head",
            with_line(4, &head_line.replacen('f', "g", 1)),
            4,
        ),
        (
            "fractional seconds",
            with_line(5, "time: 2026-11-27T07:25:08.5Z"),
            5,
        ),
        ("offset", with_line(5, "time: 2026-11-27T16:25:08+09:00"), 5),
        ("+00:00", with_line(5, "time: 2026-11-27T07:25:08+00:00"), 5),
        (
            "lower-case z",
            with_line(5, "time: 2026-11-27T07:25:08z"),
            5,
        ),
        (
            "lower-case t",
            with_line(5, "time: 2026-11-27t07:25:08Z"),
            5,
        ),
        ("space for T", with_line(5, "time: 2026-11-27 07:25:08Z"), 5),
        ("leap second", with_line(5, "time: 2026-12-31T23:59:60Z"), 5),
        ("February 30", with_line(5, "time: 2026-02-30T00:00:00Z"), 5),
        ("month 13", with_line(5, "time: 2026-13-01T00:00:00Z"), 5),
        ("hour 24", with_line(5, "time: 2026-11-27T24:00:00Z"), 5),
        (
            "five-digit year",
            with_line(5, "time: 12026-11-27T07:25:08Z"),
            5,
        ),
        ("date only", with_line(5, "time: 2026-11-27"), 5),
        ("unix seconds", with_line(5, "time: 1795677908"), 5),
        // Signature line.
        (
            "hyphen for em dash",
            with_line(7, &format!("- test {signature_b64}")),
            7,
        ),
        (
            "en dash",
            with_line(7, &format!("\u{2013} test {signature_b64}")),
            7,
        ),
        (
            "no key id",
            with_line(7, &format!("\u{2014} {signature_b64}")),
            7,
        ),
        (
            "bad key id",
            with_line(7, &format!("\u{2014} te/st {signature_b64}")),
            7,
        ),
        ("bad base64", with_line(7, "\u{2014} test not*base64"), 7),
        (
            "base64 without padding",
            with_line(7, signature_line.trim_end_matches('=')),
            7,
        ),
        (
            "url-safe base64",
            with_line(7, &signature_line.replace('+', "-").replace('/', "_")),
            7,
        ),
        (
            "63-byte signature",
            with_line(7, &format!("\u{2014} test {}", STANDARD.encode([1u8; 63]))),
            7,
        ),
        (
            "65-byte signature",
            with_line(7, &format!("\u{2014} test {}", STANDARD.encode([1u8; 65]))),
            7,
        ),
        ("no signature", with_line(7, "\u{2014} test"), 7),
        ("empty line doubled", with_line(6, "\n"), 7),
        (
            "signature first",
            format!("{}\n{}", VECTOR.lines().nth(6).unwrap(), VECTOR),
            1,
        ),
    ];
    for (what, text, line) in cases {
        let result = SignedCheckpoint::parse(&text);
        match &result {
            Err(CheckpointError::Malformed { line: found, .. }) => {
                assert_eq!(*found, line, "{what}: {result:?}");
            }
            other => panic!("{what}: expected Malformed at line {line}, got {other:?}"),
        }
        // parse_many agrees on texts holding at most one checkpoint.
        if what != "two checkpoints" && !text.is_empty() {
            assert_eq!(
                malformed_line(checkpoint::parse_many(&text)),
                line,
                "{what} (parse_many)"
            );
        }
    }
}

#[test]
fn malformed_reasons_are_readable() {
    let reason = |text: &str| match SignedCheckpoint::parse(text) {
        Err(CheckpointError::Malformed { reason, .. }) => reason,
        other => panic!("{other:?}"),
    };
    assert!(reason(&VECTOR.replace('\n', "\r\n")).contains("CR LF"));
    let head_line = VECTOR.lines().nth(3).unwrap();
    assert!(reason(&with_line(4, &head_line.replacen('f', "F", 1))).contains("lowercase"));
    assert!(reason(&with_line(1, "egov-audit checkpoint v2")).contains("unsupported"));
    assert!(reason(&with_line(3, "size: 042")).contains("leading zero"));
    assert!(reason(&with_line(7, "- test AAAA")).contains("em dash"));
    let message = SignedCheckpoint::parse("").unwrap_err().to_string();
    assert!(
        message.starts_with("malformed checkpoint at line 1: "),
        "{message}"
    );
    // Long untrusted input is cut short in messages.
    let long = with_line(1, &"x".repeat(10_000));
    assert!(reason(&long).len() < 200);
}

#[test]
fn parse_many_is_strict_about_separators() {
    let second = VECTOR.replacen("size: 42", "size: 43", 1);
    let good = format!("{VECTOR}\n{second}");
    assert_eq!(checkpoint::parse_many(&good).unwrap().len(), 2);

    // No separator: line 8 should be empty.
    assert_eq!(
        malformed_line(checkpoint::parse_many(&format!("{VECTOR}{second}"))),
        8
    );
    // Two separators: line 9 should be a header.
    assert_eq!(
        malformed_line(checkpoint::parse_many(&format!("{VECTOR}\n\n{second}"))),
        9
    );
    // A trailing empty line.
    assert_eq!(
        malformed_line(checkpoint::parse_many(&format!("{good}\n"))),
        16
    );
    // A leading empty line.
    assert_eq!(
        malformed_line(checkpoint::parse_many(&format!("\n{good}"))),
        1
    );
    // Only an empty line.
    assert_eq!(malformed_line(checkpoint::parse_many("\n")), 1);
    // Errors in a later checkpoint are numbered from the start of the text.
    let head_line = VECTOR.lines().nth(3).unwrap();
    let bad_second = second.replacen(
        head_line,
        &head_line.to_uppercase().replace("HEAD", "head"),
        1,
    );
    assert_eq!(
        malformed_line(checkpoint::parse_many(&format!("{VECTOR}\n{bad_second}"))),
        12
    );
    assert_eq!(
        malformed_line(checkpoint::parse_many(&format!(
            "{VECTOR}\n{}",
            second.replace('\n', "\r\n")
        ))),
        9
    );
    // The pinned three-checkpoint export, cut anywhere, never parses.
    for cut in (0..VECTOR_MANY.len()).filter(|&i| VECTOR_MANY.is_char_boundary(i)) {
        let prefix = &VECTOR_MANY[..cut];
        let parsed = checkpoint::parse_many(prefix);
        let whole_checkpoints =
            prefix.is_empty() || (prefix.ends_with("==\n") && VECTOR_MANY[cut..].starts_with('\n'));
        assert_eq!(
            parsed.is_ok(),
            whole_checkpoints,
            "cut at {cut}: {parsed:?}"
        );
    }
}

// ---------------------------------------------------------------- properties

fn arb_checkpoint() -> impl Strategy<Value = Checkpoint> {
    (
        "[A-Za-z0-9._-]{1,64}",
        prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
        any::<[u8; 32]>(),
        // 0000-01-01T00:00:00Z ..= 9999-12-31T23:59:59Z, with nanoseconds.
        -62_167_219_200i64..=253_402_300_799i64,
        0u32..1_000_000_000,
        -23i8..=23,
    )
        .prop_map(|(chain_id, size, head, secs, nanos, offset_hours)| {
            let time = OffsetDateTime::from_unix_timestamp(secs)
                .unwrap()
                .replace_nanosecond(nanos)
                .unwrap();
            let offset = time::UtcOffset::from_hms(offset_hours, 0, 0).unwrap();
            Checkpoint {
                chain_id,
                size,
                head: if size == 0 { [0; 32] } else { head },
                time: time.checked_to_offset(offset).unwrap_or(time),
            }
        })
}

/// A text that is close to valid: the vector with a few random edits.
fn near_vector() -> impl Strategy<Value = String> {
    let edit = (
        any::<prop::sample::Index>(),
        0u8..4,
        prop_oneof![
            Just('\n'),
            Just('\r'),
            Just(' '),
            Just(':'),
            Just('0'),
            Just('F'),
            Just('='),
            Just('\u{2014}'),
            Just('é'),
            any::<char>(),
        ],
    );
    prop::collection::vec(edit, 1..4).prop_map(|edits| {
        let mut chars: Vec<char> = VECTOR.chars().collect();
        for (index, op, c) in edits {
            if chars.is_empty() {
                chars.push(c);
                continue;
            }
            let i = index.index(chars.len());
            match op {
                0 => chars[i] = c,
                1 => chars.insert(i, c),
                2 => {
                    chars.remove(i);
                }
                _ => chars.truncate(i),
            }
        }
        chars.into_iter().collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = SignedCheckpoint::parse(&text);
        let _ = checkpoint::parse_many(&text);
        let _ = CheckpointVerifier::from_text(&text);
        let _ = CheckpointSigner::from_config("test", &text);
    }

    #[test]
    fn line_shaped_text_never_panics(
        lines in prop::collection::vec(
            prop_oneof![
                Just(FORMAT_HEADER.to_owned()),
                Just(String::new()),
                "(chain|size|head|time): [ -~]{0,70}",
                "\u{2014} [ -~]{0,100}",
                "[\\PC\r\t ]{0,30}",
            ],
            0..20,
        ),
        final_lf in any::<bool>(),
    ) {
        let mut text = lines.join("\n");
        if final_lf {
            text.push('\n');
        }
        let _ = SignedCheckpoint::parse(&text);
        let _ = checkpoint::parse_many(&text);
    }

    /// The parser is canonical: whatever it accepts is exactly what `to_text`
    /// writes, and only the untouched vector still verifies.
    #[test]
    fn edited_vector_never_panics_and_is_canonical(text in near_vector()) {
        let verifier = signer().verifier();
        if let Ok(parsed) = SignedCheckpoint::parse(&text) {
            prop_assert_eq!(parsed.to_text(), text.clone());
            if verifier.verify(&parsed).is_ok() {
                prop_assert_eq!(text.as_str(), VECTOR);
            }
        }
        if let Ok(all) = checkpoint::parse_many(&text) {
            let mut out = Vec::new();
            checkpoint::export(&all, &mut out).unwrap();
            prop_assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }

    #[test]
    fn any_valid_checkpoint_round_trips(checkpoint in arb_checkpoint(), seed in any::<[u8; 32]>()) {
        let signer = CheckpointSigner::from_seed("prop", &seed).unwrap();
        let signed = signer.sign(&checkpoint).unwrap();
        prop_assert_eq!(signed.checkpoint.time.unix_timestamp(), checkpoint.time.unix_timestamp());
        let text = signed.to_text();
        let parsed = SignedCheckpoint::parse(&text).unwrap();
        prop_assert_eq!(&parsed, &signed);
        signer.verifier().verify(&parsed).unwrap();
        let verifier = CheckpointVerifier::from_text(&signer.verifier().to_text()).unwrap();
        verifier.verify(&parsed).unwrap();
        let mut forged = parsed.clone();
        forged.checkpoint.size ^= 1;
        prop_assert_eq!(verifier.verify(&forged), Err(CheckpointError::BadSignature));
    }
}
