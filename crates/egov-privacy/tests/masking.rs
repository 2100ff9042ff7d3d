//! Behaviour table and properties of `egov_privacy::mask`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use egov_privacy::mask;
use proptest::prelude::*;

/// (function, input, expected output).
const CASES: &[(&str, &str, &str)] = &[
    // Names: first and last kept, middle masked; 2 chars keep the first; 1 → *.
    ("name", "홍길동", "홍*동"),
    ("name", "홍길", "홍*"),
    ("name", "홍", "*"),
    ("name", "남궁민수", "남**수"),
    ("name", "선우용녀", "선**녀"),
    ("name", "  김철수 ", "김*수"),
    ("name", "", ""),
    ("name", "   ", ""),
    ("name", "Kim", "K*m"),
    ("name", "Jo", "J*"),
    ("name", "John Smith", "J********h"),
    ("name", "Zoë", "Z*ë"),
    // Resident registration numbers.
    ("rrn", "900101-1234568", "900101-1******"),
    ("rrn", "9001011234568", "900101-1******"),
    ("rrn", " 971013-9019902 ", "971013-9******"),
    ("rrn", "200102-3234560", "200102-3******"),
    ("rrn", "900101-123456", "******-******"),
    ("rrn", "90010-11234568", "*****-********"),
    ("rrn", "900101 1234568", "****** *******"),
    ("rrn", "900101-12345689", "******-********"),
    ("rrn", "９００１０１-１２３４５６８", "******-*******"),
    ("rrn", "not a number", "*** * ******"),
    ("rrn", "", ""),
    // Phones.
    ("phone", "010-1234-5678", "010-****-5678"),
    ("phone", "01012345678", "010-****-5678"),
    ("phone", "010 1234 5678", "010-****-5678"),
    ("phone", "010.1234.5678", "010-****-5678"),
    ("phone", "02-123-4567", "02-***-4567"),
    ("phone", "0212345678", "02-****-5678"),
    ("phone", "021234567", "02-***-4567"),
    ("phone", "(031) 123-4567", "031-***-4567"),
    ("phone", "0311234567", "031-***-4567"),
    ("phone", "011-123-4567", "011-***-4567"),
    ("phone", "0505-123-4567", "0505-***-4567"),
    ("phone", "1588-1234", "1588-****"),
    ("phone", "15881234", "1588-****"),
    ("phone", "+82-10-1234-5678", "+82-10-****-5678"),
    ("phone", "+821012345678", "+82-10-****-5678"),
    ("phone", "+82 2 123 4567", "+82-2-***-4567"),
    ("phone", "010-1234", "***-****"),
    ("phone", "010-12345-6789", "***-*****-****"),
    ("phone", "1234567", "*******"),
    ("phone", "call 010-1234-5678", "**** ***-****-****"),
    ("phone", "+8201012345678", "+*************"),
    // E-mail.
    ("email", "abcdef@example.com", "ab****@example.com"),
    ("email", "abc@example.com", "ab*@example.com"),
    ("email", "ab@example.com", "a*@example.com"),
    ("email", "a@example.com", "*@example.com"),
    (
        "email",
        "hong.gildong+tag@korea.kr",
        "ho**************@korea.kr",
    ),
    ("email", "홍길동@한국.kr", "홍길*@한국.kr"),
    ("email", " user@localhost ", "us**@localhost"),
    ("email", "not an email", "*** ** *****"),
    ("email", "@example.com", "@*******.***"),
    ("email", "user@", "****@"),
    ("email", "a@b@c.com", "*@*@*.***"),
    ("email", "user@exa mple.com", "****@*** ****.***"),
    ("email", "user@.com", "****@.***"),
    // Cards.
    ("card", "1234-5678-9012-3456", "1234-****-****-3456"),
    ("card", "1234 5678 9012 3456", "1234 **** **** 3456"),
    ("card", "1234567890123456", "1234********3456"),
    ("card", "3782-822463-10005", "3782-******-*0005"),
    ("card", "1234-5678-9012", "****-****-****"),
    ("card", "1234-5678-9012-345a", "****-****-****-****"),
    ("card", "-1234-5678-9012-3456", "-****-****-****-****"),
    // Business registration numbers.
    ("brn", "123-45-67890", "123-45-*****"),
    ("brn", "1234567890", "123-45-*****"),
    ("brn", "124-81-00998", "124-81-*****"),
    ("brn", "12-345-67890", "**-***-*****"),
    ("brn", "123456789", "*********"),
    ("brn", "123 45 67890", "*** ** *****"),
    // Addresses.
    (
        "address",
        "서울특별시 중구 세종대로 110",
        "서울특별시 중구 세종대로 ***",
    ),
    (
        "address",
        "서울특별시 강남구 테헤란로 152, 101동 202호",
        "서울특별시 강남구 테헤란로 **** **** ****",
    ),
    (
        "address",
        "서울특별시 강남구 역삼동 737",
        "서울특별시 강남구 역삼동 ***",
    ),
    (
        "address",
        "서울 종로구 청운효자동 12-3",
        "서울 종로구 청운효자동 ****",
    ),
    (
        "address",
        "서울특별시 중구 을지로3가 5",
        "서울특별시 중구 을지로3가 *",
    ),
    (
        "address",
        "경기도 성남시 분당구 판교역로146번길 20",
        "경기도 성남시 분당구 판교역로146번길 **",
    ),
    (
        "address",
        "경기도 양평군 양서면 목왕리 123-4",
        "경기도 양평군 양서면 *** *****",
    ),
    (
        "address",
        "경기도 양평군 양서면 목왕로 12",
        "경기도 양평군 양서면 목왕로 **",
    ),
    (
        "address",
        "충청남도 공주시 유구읍 석남리 1",
        "충청남도 공주시 유구읍 *** *",
    ),
    (
        "address",
        "서울특별시 강남구 역삼동",
        "서울특별시 강남구 역삼동",
    ),
    ("address", "서울특별시 강남구 123", "서울특별시 강남구 ***"),
    (
        "address",
        "서울특별시 강남구 역삼동123",
        "서울특별시 강남구 ******",
    ),
    ("address", "123 Main Street", "*** **** ******"),
    ("address", "서울특별시중구세종대로110", "**************"),
    (
        "address",
        "  서울특별시   중구  세종대로 110 ",
        "서울특별시 중구 세종대로 ***",
    ),
    ("address", "", ""),
];

fn apply(function: &str, input: &str) -> String {
    match function {
        "name" => mask::name(input),
        "rrn" => mask::resident_number(input),
        "phone" => mask::phone(input),
        "email" => mask::email(input),
        "card" => mask::card_number(input),
        "brn" => mask::business_number(input),
        "address" => mask::address(input),
        other => panic!("unknown function {other}"),
    }
}

#[test]
fn behaviour_table() {
    let mut failures = Vec::new();
    for (function, input, expected) in CASES {
        let actual = apply(function, input);
        if actual != *expected {
            failures.push(format!(
                "{function}({input:?}) = {actual:?}, expected {expected:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(CASES.len() >= 25);
}

#[test]
fn ip_table() {
    let cases: &[(IpAddr, &str)] = &[
        (IpAddr::V4(Ipv4Addr::new(1, 2, 3, 4)), "1.2.***.4"),
        (
            IpAddr::V4(Ipv4Addr::new(192, 168, 10, 20)),
            "192.168.***.20",
        ),
        (IpAddr::V4(Ipv4Addr::UNSPECIFIED), "0.0.***.0"),
        (
            "2001:db8:85a3:0:0:8a2e:370:7334".parse().unwrap(),
            "2001:db8:85a3::8a2e:370:****",
        ),
        ("2001:db8::1".parse().unwrap(), "2001:db8::****"),
        ("::1".parse().unwrap(), "::****"),
        (IpAddr::V6(Ipv6Addr::UNSPECIFIED), "::****"),
        ("fe80::1:2".parse().unwrap(), "fe80::1:****"),
        ("1:2:3:4:5:6:7:8".parse().unwrap(), "1:2:3:4:5:6:7:****"),
        ("1:0:0:2:0:0:0:3".parse().unwrap(), "1:0:0:2::****"),
        ("::ffff:1.2.3.4".parse().unwrap(), "::ffff:102:****"),
    ];
    for (addr, expected) in cases {
        assert_eq!(mask::ip(*addr), *expected, "{addr}");
    }
    let mapped: IpAddr = "::ffff:1.2.3.4".parse().unwrap();
    assert_eq!(mask::ip(mapped.to_canonical()), "1.2.***.4");
}

fn ascii_digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn alphanumerics(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphanumeric()).count()
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = mask::name(&s);
        let _ = mask::resident_number(&s);
        let _ = mask::phone(&s);
        let _ = mask::email(&s);
        let _ = mask::card_number(&s);
        let _ = mask::business_number(&s);
        let _ = mask::address(&s);
    }

    #[test]
    fn identifier_shaped_strings_never_panic(s in "[0-9+() .@가-힣a-z-]{0,24}") {
        let _ = mask::resident_number(&s);
        let _ = mask::phone(&s);
        let _ = mask::email(&s);
        let _ = mask::card_number(&s);
        let _ = mask::business_number(&s);
        let _ = mask::address(&s);
    }

    /// Identifier maskers always hide letters or digits: the output shows fewer
    /// of them than the input had (when it had any).
    #[test]
    fn identifier_maskers_always_hide_something(s in any::<String>()) {
        for (function, out) in [
            ("rrn", mask::resident_number(&s)),
            ("phone", mask::phone(&s)),
            ("card", mask::card_number(&s)),
            ("brn", mask::business_number(&s)),
        ] {
            let before = alphanumerics(&s);
            prop_assert!(
                before == 0 || alphanumerics(&out) < before,
                "{function}({s:?}) = {out:?}"
            );
        }
    }

    /// No masker but `address` (which may already stop at the 동 level) echoes
    /// input that holds letters or digits.
    #[test]
    fn input_with_letters_or_digits_is_never_echoed(s in any::<String>()) {
        prop_assume!(alphanumerics(&s) > 0 && !s.contains('*'));
        for (function, out) in [
            ("name", mask::name(&s)),
            ("email", mask::email(&s)),
            ("rrn", mask::resident_number(&s)),
            ("phone", mask::phone(&s)),
            ("card", mask::card_number(&s)),
            ("brn", mask::business_number(&s)),
        ] {
            prop_assert_ne!(&out, &s, "{} echoed its input", function);
            prop_assert!(out.contains('*'), "{function}({s:?}) = {out:?}");
        }
    }

    #[test]
    fn resident_number_never_shows_the_last_six_digits(
        front in "[0-9]{6}", sex in "[0-9]", hidden in "[0-9]{6}", hyphen in any::<bool>()
    ) {
        let input = format!("{front}{}{sex}{hidden}", if hyphen { "-" } else { "" });
        let out = mask::resident_number(&input);
        prop_assert_eq!(&out, &format!("{front}-{sex}******"));
        prop_assert_eq!(ascii_digits(&out), format!("{front}{sex}"));
    }

    #[test]
    fn resident_number_shows_at_most_seven_digits(s in any::<String>()) {
        let out = mask::resident_number(&s);
        prop_assert!(ascii_digits(&out).len() <= 7);
        prop_assert!(ascii_digits(&s).starts_with(&ascii_digits(&out)));
    }

    #[test]
    fn mobile_numbers_never_show_the_middle_block(
        middle in "[0-9]{4}", last in "[0-9]{4}", sep in prop::sample::select(vec!["-", " ", ".", ""])
    ) {
        let out = mask::phone(&format!("010{sep}{middle}{sep}{last}"));
        prop_assert_eq!(&out, &format!("010-****-{last}"));
        prop_assert_eq!(ascii_digits(&out), format!("010{last}"));
    }

    #[test]
    fn phone_shows_at_most_the_digits_it_keeps(s in "[0-9 +()-]{0,20}") {
        let out = mask::phone(&s);
        // Either every digit is masked (fallback) or at least the three digits of
        // the shortest masked group are.
        let (before, after) = (ascii_digits(&s).len(), ascii_digits(&out).len());
        prop_assert!(after == 0 || after + 3 <= before, "{s:?} -> {out:?}");
    }

    #[test]
    fn email_hides_the_local_part_beyond_two_chars(
        local in "[a-z0-9._+]{1,20}", domain in "[a-z]{1,10}\\.(kr|com|go\\.kr)"
    ) {
        let out = mask::email(&format!("{local}@{domain}"));
        let n = local.chars().count();
        let keep = match n { 1 => 0, 2 => 1, _ => 2 };
        let expected = format!("{}{}@{domain}", &local[..keep], "*".repeat(n - keep));
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn card_numbers_never_show_the_middle_digits(digits in "[0-9]{13,19}") {
        let out = mask::card_number(&digits);
        let n = digits.len();
        prop_assert_eq!(&out[..4], &digits[..4]);
        prop_assert_eq!(&out[n - 4..], &digits[n - 4..]);
        prop_assert!(out[4..n - 4].chars().all(|c| c == '*'));
    }

    #[test]
    fn business_numbers_never_show_the_serial(head in "[0-9]{5}", serial in "[0-9]{5}") {
        let out = mask::business_number(&format!("{head}{serial}"));
        prop_assert_eq!(ascii_digits(&out), head);
    }

    #[test]
    fn name_keeps_only_the_ends(s in "\\PC{3,12}") {
        let trimmed: Vec<char> = s.trim().chars().collect();
        prop_assume!(trimmed.len() >= 3);
        let out: Vec<char> = mask::name(&s).chars().collect();
        prop_assert_eq!(out.len(), trimmed.len());
        prop_assert_eq!(out[0], trimmed[0]);
        prop_assert_eq!(out[out.len() - 1], trimmed[trimmed.len() - 1]);
        prop_assert!(out[1..out.len() - 1].iter().all(|&c| c == '*'));
    }

    #[test]
    fn address_masks_everything_after_the_kept_prefix(s in "[가-힣0-9 -]{0,40}") {
        let out = mask::address(&s);
        let tokens: Vec<&str> = s.split_whitespace().collect();
        let masked: Vec<&str> = out.split(' ').filter(|t| !t.is_empty()).collect();
        prop_assert_eq!(masked.len(), tokens.len());
        let mut seen_mask = false;
        for (orig, m) in tokens.iter().zip(&masked) {
            if *orig == *m && !m.chars().all(|c| c == '*') {
                prop_assert!(!seen_mask, "kept token after a masked one: {s:?} -> {out:?}");
            } else {
                seen_mask = true;
                prop_assert_eq!(m.chars().count(), orig.chars().count());
                prop_assert!(m.chars().all(|c| c == '*'));
            }
        }
    }

    #[test]
    fn ipv4_never_shows_the_third_octet(bits in any::<u32>()) {
        let addr = Ipv4Addr::from(bits);
        let [a, b, _, d] = addr.octets();
        prop_assert_eq!(mask::ip(IpAddr::V4(addr)), format!("{a}.{b}.***.{d}"));
    }

    #[test]
    fn ipv6_shows_exactly_the_first_112_bits(bits in any::<u128>()) {
        let addr = Ipv6Addr::from(bits);
        let out = mask::ip(IpAddr::V6(addr));
        prop_assert!(out.ends_with("****"));
        prop_assert_eq!(out.matches('*').count(), 4);
        // Putting a zero group in place of the mask gives back the address with
        // its last 16 bits cleared.
        let restored: Ipv6Addr = out.replace("****", "0").parse().unwrap();
        prop_assert_eq!(u128::from(restored), bits & !0xffff);
    }
}
