//! Display masking (표시제한) following the Korean KCC/KISA convention.
//!
//! Every function returns a masked copy for display, logs or exports; none of them
//! validates its input (that is `egov-validation`'s job) and none of them panics.
//! Each function recognises the shapes listed in its documentation. Input that does
//! not have one of those shapes is **never echoed back**: it goes through the
//! *fallback rule* below, so a typo in a resident number does not leak the number.
//!
//! **Fallback rule**: every alphanumeric character (Unicode `Alphabetic` or
//! `Numeric`, so Hangul, Latin letters and all digits) becomes `*`; everything else
//! (hyphens, dots, `@`, spaces, brackets) is kept, so the shape stays readable.
//! `"90010-11234567"` → `"*****-********"`.
//!
//! All logic works on Unicode scalar values (`char`s), never on byte offsets, so
//! multi-byte input cannot split a character. Input in decomposed form (NFD, e.g.
//! Hangul as conjoining jamo) is masked scalar by scalar; normalize to NFC first
//! if that matters for display.
//!
//! | function | input | output |
//! |---|---|---|
//! | [`name`] | `홍길동` / `홍길` / `남궁민수` | `홍*동` / `홍*` / `남**수` |
//! | [`resident_number`] | `900101-1234568` or `9001011234568` | `900101-1******` |
//! | [`phone`] | `010-1234-5678`, `01012345678`, `02-123-4567` | `010-****-5678`, `010-****-5678`, `02-***-4567` |
//! | [`email`] | `abcdef@example.com` | `ab****@example.com` |
//! | [`card_number`] | `1234-5678-9012-3456` | `1234-****-****-3456` |
//! | [`business_number`] | `123-45-67890` or `1234567890` | `123-45-*****` |
//! | [`address`] | `서울특별시 중구 세종대로 110` | `서울특별시 중구 세종대로 ***` |
//! | [`ip`] | `192.168.10.20` / `2001:db8::1` | `192.168.***.20` / `2001:db8::****` |

use std::net::IpAddr;

const MASK: char = '*';

/// The fallback rule: every alphanumeric character becomes `*`, everything else is
/// kept.
fn mask_alphanumerics(input: &str) -> String {
    input
        .chars()
        .map(|c| if c.is_alphanumeric() { MASK } else { c })
        .collect()
}

fn stars(count: usize) -> String {
    std::iter::repeat_n(MASK, count).collect()
}

fn all_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Masks a person's name: the first and last characters stay, every character in
/// between becomes `*`.
///
/// Leading and trailing whitespace is dropped first; then, counting Unicode scalar
/// values:
///
/// - 3 or more characters: first and last kept, one `*` per character in between
///   (`홍길동` → `홍*동`; four-character names such as `남궁민수` → `남**수` — a
///   two-character surname cannot be told apart from a given name, so only the
///   first character is ever kept at the front);
/// - 2 characters: the first kept (`홍길` → `홍*`);
/// - 1 character: `*`;
/// - empty or whitespace only: the empty string.
///
/// Latin and other scripts follow the same rule on characters; inner spaces count
/// as characters and are masked too, so word lengths are not revealed
/// (`John Smith` → `J********h`). Any string is a plausible name, so there is no
/// fallback case.
///
/// ```
/// use egov_privacy::mask;
/// assert_eq!(mask::name("홍길동"), "홍*동");
/// assert_eq!(mask::name("홍길"), "홍*");
/// assert_eq!(mask::name("남궁민수"), "남**수");
/// ```
pub fn name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [_] => MASK.to_string(),
        [first, _] => format!("{first}{MASK}"),
        [first, middle @ .., last] => format!("{first}{}{last}", stars(middle.len())),
    }
}

/// Masks a resident registration number (주민등록번호) or foreigner registration
/// number: the birth date and the sex/century digit stay, the last six digits
/// become `*`.
///
/// Recognised (after trimming surrounding whitespace): 13 ASCII digits, or
/// `YYMMDD-NNNNNNN` with one hyphen after the sixth digit. The output is always
/// hyphenated: `900101-1234568` and `9001011234568` → `900101-1******`. The number
/// is not validated (no date or checksum check). Anything else gets the module's
/// fallback rule (every digit and letter masked).
///
/// ```
/// use egov_privacy::mask;
/// assert_eq!(mask::resident_number("9001011234568"), "900101-1******");
/// assert_eq!(mask::resident_number("900101-123456"), "******-******");
/// ```
pub fn resident_number(number: &str) -> String {
    let trimmed = number.trim();
    let shaped = match trimmed.split_once('-') {
        Some((front, back)) => {
            front.len() == 6 && back.len() == 7 && all_ascii_digits(front) && all_ascii_digits(back)
        }
        None => trimmed.len() == 13 && all_ascii_digits(trimmed),
    };
    if !shaped {
        return mask_alphanumerics(number);
    }
    let mut out = String::with_capacity(14);
    for (i, digit) in trimmed
        .chars()
        .filter(char::is_ascii_digit)
        .take(7)
        .enumerate()
    {
        if i == 6 {
            out.push('-');
        }
        out.push(digit);
    }
    out.push_str("******");
    out
}

/// Characters accepted between the digit groups of a phone number.
fn is_phone_separator(c: char) -> bool {
    matches!(c, '-' | ' ' | '.' | '(' | ')')
}

/// Splits a national number given as digits only into its display groups.
fn split_national_digits(d: &str) -> Option<Vec<String>> {
    let cut = |sizes: &[usize]| -> Vec<String> {
        let mut rest = d.chars();
        sizes
            .iter()
            .map(|&n| rest.by_ref().take(n).collect())
            .collect()
    };
    let len = d.len();
    let sizes: &[usize] = if d.starts_with("02") {
        match len {
            9 => &[2, 3, 4],
            10 => &[2, 4, 4],
            _ => return None,
        }
    } else if d.starts_with("050") {
        match len {
            11 => &[4, 3, 4],
            12 => &[4, 4, 4],
            _ => return None,
        }
    } else if d.starts_with('0') {
        match len {
            10 => &[3, 3, 4],
            11 => &[3, 4, 4],
            _ => return None,
        }
    } else if d.starts_with('1') && len == 8 {
        &[4, 4]
    } else {
        return None;
    };
    Some(cut(sizes))
}

/// Whether caller-given groups have the shape of a Korean number.
fn plausible_groups(groups: &[String]) -> bool {
    match groups {
        [prefix, middle, last] => {
            (2..=4).contains(&prefix.len())
                && prefix.starts_with('0')
                && (3..=4).contains(&middle.len())
                && last.len() == 4
        }
        [first, second] => first.len() == 4 && first.starts_with('1') && second.len() == 4,
        _ => false,
    }
}

/// Parses a phone number into its groups and masks the middle (or, for 8-digit
/// nationwide numbers, the last) group.
fn parse_and_mask_phone(input: &str) -> Option<String> {
    let (international, rest) = match input.strip_prefix("+82") {
        Some(rest) => (true, rest),
        None => (false, input),
    };
    let mut groups: Vec<String> = Vec::new();
    for part in rest.split(is_phone_separator) {
        if part.is_empty() {
            continue;
        }
        if !all_ascii_digits(part) {
            return None;
        }
        groups.push(part.to_owned());
    }
    if international {
        // E.164 drops the trunk prefix 0; put it back to reuse the national rules.
        let first = groups.first_mut()?;
        if first.starts_with('0') {
            return None;
        }
        first.insert(0, '0');
    }
    let groups = match groups.as_slice() {
        [digits] => split_national_digits(digits)?,
        _ => groups,
    };
    if !plausible_groups(&groups) || (international && groups.len() != 3) {
        return None;
    }
    let masked = match groups.as_slice() {
        [prefix, middle, last] if international => {
            let prefix: String = prefix.chars().skip(1).collect();
            format!("+82-{prefix}-{}-{last}", stars(middle.len()))
        }
        [prefix, middle, last] => format!("{prefix}-{}-{last}", stars(middle.len())),
        [first, second] => format!("{first}-{}", stars(second.len())),
        _ => return None,
    };
    Some(masked)
}

/// Masks a Korean telephone number: the middle group becomes `*`.
///
/// Recognised (after trimming): digit groups separated by `-`, spaces, dots or
/// brackets, or digits only, optionally in E.164 form with `+82`:
///
/// - three groups `0AA(A)-XXX(X)-XXXX`: `010-1234-5678` → `010-****-5678`,
///   `02-123-4567` → `02-***-4567`, `(031) 123-4567` → `031-***-4567`;
/// - digits only, split by the numbering plan (`02` + 7–8 digits, `050X` + 7–8,
///   other `0XX` + 7–8): `01012345678` → `010-****-5678`;
/// - eight-digit nationwide numbers `1588-1234` (or `15881234`): the last group is
///   masked, `1588-****`;
/// - `+82 10-1234-5678` or `+821012345678` → `+82-10-****-5678`.
///
/// The output always uses hyphens. Anything else gets the module's fallback rule
/// (every digit and letter masked): `010-1234` → `***-****`.
///
/// ```
/// use egov_privacy::mask;
/// assert_eq!(mask::phone("010-1234-5678"), "010-****-5678");
/// assert_eq!(mask::phone("0212345678"), "02-****-5678");
/// ```
pub fn phone(number: &str) -> String {
    parse_and_mask_phone(number.trim()).unwrap_or_else(|| mask_alphanumerics(number))
}

fn plausible_local_part(local: &str) -> bool {
    !local.is_empty()
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '@')
}

fn plausible_domain(domain: &str) -> bool {
    !domain.is_empty()
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
}

/// Masks an e-mail address: the first two characters of the local part stay, the
/// rest of the local part becomes `*`; the domain is kept.
///
/// Counting the local part in Unicode scalar values:
///
/// - 3 or more characters: two kept, one `*` per remaining character
///   (`abcdef@example.com` → `ab****@example.com`);
/// - 2 characters: one kept (`ab@example.com` → `a*@example.com`), so something is
///   always hidden;
/// - 1 character: fully masked (`a@example.com` → `*@example.com`).
///
/// Recognised (after trimming): `local@domain` with exactly one `@`, a local part
/// without whitespace or control characters, and a domain of letters, digits,
/// hyphens and dots (no leading, trailing or doubled dot). Anything else gets the
/// module's fallback rule: `not an email` → `*** ** *****`.
///
/// ```
/// use egov_privacy::mask;
/// assert_eq!(mask::email("abcdef@example.com"), "ab****@example.com");
/// assert_eq!(mask::email("a@example.com"), "*@example.com");
/// ```
pub fn email(address: &str) -> String {
    let trimmed = address.trim();
    match trimmed.split_once('@') {
        Some((local, domain)) if plausible_local_part(local) && plausible_domain(domain) => {
            let chars: Vec<char> = local.chars().collect();
            let keep = match chars.len() {
                0 | 1 => 0,
                2 => 1,
                _ => 2,
            };
            let kept: String = chars.iter().take(keep).collect();
            format!("{kept}{}@{domain}", stars(chars.len() - keep))
        }
        _ => mask_alphanumerics(address),
    }
}

/// Masks a payment card number: the first four and last four digits stay, every
/// digit in between becomes `*`; separators stay where they were.
///
/// Recognised (after trimming): 13 to 19 ASCII digits, optionally grouped with
/// hyphens or spaces, starting and ending with a digit.
/// `1234-5678-9012-3456` → `1234-****-****-3456`,
/// `1234 5678 9012 3456` → `1234 **** **** 3456`,
/// `1234567890123456` → `1234********3456` (the caller's grouping is kept, digits
/// only stays digits only). Anything else gets the module's fallback rule.
///
/// ```
/// use egov_privacy::mask;
/// assert_eq!(mask::card_number("1234-5678-9012-3456"), "1234-****-****-3456");
/// ```
pub fn card_number(number: &str) -> String {
    let trimmed = number.trim();
    let shaped = trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
        && trimmed.starts_with(|c: char| c.is_ascii_digit())
        && trimmed.ends_with(|c: char| c.is_ascii_digit());
    let count = trimmed.chars().filter(char::is_ascii_digit).count();
    if !shaped || !(13..=19).contains(&count) {
        return mask_alphanumerics(number);
    }
    let mut index = 0;
    trimmed
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            let keep = index < 4 || index >= count - 4;
            index += 1;
            if keep { c } else { MASK }
        })
        .collect()
}

/// Masks a business registration number (사업자등록번호): the first five digits
/// (office and business-type codes) stay, the last five become `*`.
///
/// Recognised (after trimming): `XXX-XX-XXXXX` or 10 ASCII digits; the output is
/// always hyphenated: `123-45-67890` and `1234567890` → `123-45-*****`. The check
/// digit is not verified. Anything else gets the module's fallback rule.
///
/// ```
/// use egov_privacy::mask;
/// assert_eq!(mask::business_number("1234567890"), "123-45-*****");
/// ```
pub fn business_number(number: &str) -> String {
    let trimmed = number.trim();
    let parts: Vec<&str> = trimmed.split('-').collect();
    let digits = match parts.as_slice() {
        [all] if all.len() == 10 && all_ascii_digits(all) => Some((*all).to_owned()),
        [a, b, c]
            if a.len() == 3
                && b.len() == 2
                && c.len() == 5
                && [a, b, c].iter().all(|p| all_ascii_digits(p)) =>
        {
            Some(format!("{a}{b}"))
        }
        _ => None,
    };
    match digits {
        Some(d) => {
            let office: String = d.chars().take(3).collect();
            let kind: String = d.chars().skip(3).take(2).collect();
            format!("{office}-{kind}-{}", stars(5))
        }
        None => mask_alphanumerics(number),
    }
}

/// Short names of the 17 metropolitan governments, as written in addresses
/// (`서울 강남구 …`).
const PROVINCE_SHORT_NAMES: [&str; 17] = [
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남",
    "전북", "전남", "경북", "경남", "제주",
];

/// The last character of a token with trailing `,`/`.` removed, and the one before
/// it, if the token has at least two characters.
fn token_tail(token: &str) -> Option<(char, char)> {
    let core = token.trim_end_matches([',', '.']);
    let mut rev = core.chars().rev();
    let last = rev.next()?;
    let before = rev.next()?;
    Some((before, last))
}

/// 읍·면·동 (including `종로1가`-style 가 units) or a road name (…로, …길).
fn is_neighbourhood_level(token: &str) -> bool {
    match token_tail(token) {
        Some((_, '읍' | '면' | '동' | '로' | '길')) => true,
        Some((before, '가')) => before.is_ascii_digit(),
        _ => false,
    }
}

fn is_eup_myeon(token: &str) -> bool {
    matches!(token_tail(token), Some((_, '읍' | '면')))
}

fn is_road(token: &str) -> bool {
    matches!(token_tail(token), Some((_, '로' | '길')))
}

/// 시·도 or 시·군·구.
fn is_upper_level(token: &str) -> bool {
    matches!(token_tail(token), Some((_, '시' | '도' | '군' | '구')))
        || PROVINCE_SHORT_NAMES.contains(&token.trim_end_matches([',', '.']))
}

/// Masks a Korean address below the 읍·면·동 level: everything up to and including
/// the 읍·면·동 (or road-name) token stays, every character after it becomes `*`.
///
/// The address is split on whitespace and the tokens are read left to right:
///
/// - the first token ending in `읍`, `면`, `동`, `로` or `길`, or a numbered `…N가`
///   (`종로1가`), is the last one kept. When that token is an 읍 or 면 and the next
///   token is a road name (`양서면 목왕로`), the road name is kept too, since in a
///   road-name address it stands at the 동 level;
/// - every later token is replaced by one `*` per character (building numbers,
///   리, units, the bracketed reference `(역삼동)` …);
/// - if no token is at that level, only the leading 시·도 / 시·군·구 tokens (ending
///   in 시, 도, 군, 구, or a short name such as `서울`) are kept and the rest is
///   masked, so `123 Main Street` → `*** **** ******`.
///
/// Tokens in the output are joined with single spaces. A token needs at least two
/// characters to count as a level, and one with something glued after the level
/// (`역삼동123`) does not count, so it is masked. When the address stops at the
/// 읍·면·동 level there is nothing below it to hide and it comes back unchanged.
///
/// ```
/// use egov_privacy::mask;
/// assert_eq!(mask::address("서울특별시 중구 세종대로 110"), "서울특별시 중구 세종대로 ***");
/// assert_eq!(
///     mask::address("경기도 양평군 양서면 목왕리 123-4"),
///     "경기도 양평군 양서면 *** *****"
/// );
/// ```
pub fn address(address: &str) -> String {
    let tokens: Vec<&str> = address.split_whitespace().collect();
    let keep = match tokens.iter().position(|t| is_neighbourhood_level(t)) {
        Some(i) => {
            let road_follows = tokens.get(i + 1).is_some_and(|next| is_road(next));
            if is_eup_myeon(tokens[i]) && road_follows {
                i + 2
            } else {
                i + 1
            }
        }
        None => tokens.iter().take_while(|t| is_upper_level(t)).count(),
    };
    tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            if i < keep {
                (*token).to_owned()
            } else {
                stars(token.chars().count())
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Masks an IP address: bits 17–24 of IPv4 (the third octet), bits 113–128 of
/// IPv6 (the last group).
///
/// - IPv4: `1.2.3.4` → `1.2.***.4`;
/// - IPv6: the first seven groups in RFC 5952 form (lowercase, no leading zeros,
///   the longest run of two or more zero groups shortened to `::`), then `****`:
///   `2001:db8:85a3:0:0:8a2e:370:7334` → `2001:db8:85a3::8a2e:370:****`,
///   `2001:db8::1` → `2001:db8::****`, `::1` → `::****`.
///
/// An `IpAddr::V6` always gets the IPv6 rule, IPv4-mapped addresses too
/// (`::ffff:1.2.3.4` → `::ffff:102:****`, which hides the last two IPv4 octets);
/// call [`IpAddr::to_canonical`] first to mask those by the IPv4 rule instead.
///
/// ```
/// use egov_privacy::mask;
/// use std::net::IpAddr;
/// let v4: IpAddr = "192.168.10.20".parse().unwrap();
/// assert_eq!(mask::ip(v4), "192.168.***.20");
/// let v6: IpAddr = "2001:db8::1".parse().unwrap();
/// assert_eq!(mask::ip(v6), "2001:db8::****");
/// ```
pub fn ip(addr: IpAddr) -> String {
    match addr {
        IpAddr::V4(v4) => {
            let [a, b, _, d] = v4.octets();
            format!("{a}.{b}.***.{d}")
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            let shown = &segments[..7];
            format!("{}****", compress_groups(shown))
        }
    }
}

/// The groups in RFC 5952 text form, followed by the separator that the masked
/// last group needs (`:` or nothing after `::`).
fn compress_groups(groups: &[u16]) -> String {
    // Longest run of two or more zero groups; the first one wins a tie.
    let mut best: Option<(usize, usize)> = None;
    let mut start = None;
    for (i, &g) in groups.iter().chain(std::iter::once(&1)).enumerate() {
        match (g == 0 && i < groups.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                let len = i - s;
                if len >= 2 && best.is_none_or(|(_, best_len)| len > best_len) {
                    best = Some((s, len));
                }
                start = None;
            }
            _ => {}
        }
    }
    let hex = |gs: &[u16]| {
        gs.iter()
            .map(|g| format!("{g:x}"))
            .collect::<Vec<_>>()
            .join(":")
    };
    match best {
        Some((s, len)) => {
            let before = hex(&groups[..s]);
            let after = hex(&groups[s + len..]);
            if after.is_empty() {
                format!("{before}::")
            } else {
                format!("{before}::{after}:")
            }
        }
        None => format!("{}:", hex(groups)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn fallback_masks_letters_and_digits_of_every_script() {
        assert_eq!(mask_alphanumerics("ab-12 가나."), "**-** **.");
        assert_eq!(mask_alphanumerics("１２３"), "***");
    }

    #[test]
    fn national_digit_split_follows_the_numbering_plan() {
        let split = |d: &str| split_national_digits(d).map(|g| g.join("-"));
        assert_eq!(split("021234567").as_deref(), Some("02-123-4567"));
        assert_eq!(split("0311234567").as_deref(), Some("031-123-4567"));
        assert_eq!(split("05041234567").as_deref(), Some("0504-123-4567"));
        assert_eq!(split("050412345678").as_deref(), Some("0504-1234-5678"));
        assert_eq!(split("15881234").as_deref(), Some("1588-1234"));
        assert_eq!(split("0101234567890"), None);
        assert_eq!(split("12345678901"), None);
    }

    #[test]
    fn ipv6_compression_matches_the_standard_library_for_the_shown_groups() {
        // With a non-zero last group, std's Display applies the same RFC 5952
        // rules, so the masked text must be std's text with the last group
        // replaced.
        for text in [
            "2001:db8::1",
            "2001:db8:0:1:0:0:0:1",
            "2001:0:0:1:0:0:1:1",
            "::1",
            "1::1",
            "1:2:3:4:5:6:7:8",
            "1:0:2:0:3:0:4:5",
            "fe80::1:2",
        ] {
            let addr: Ipv6Addr = text.parse().unwrap();
            let expected = addr.to_string();
            let cut = expected.rfind(':').unwrap();
            assert_eq!(
                ip(IpAddr::V6(addr)),
                format!("{}****", &expected[..=cut]),
                "{text}"
            );
        }
    }
}
