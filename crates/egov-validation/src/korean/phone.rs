//! Korean phone numbers.

use std::str::FromStr;

use super::{Canonical, IdKind, ParseIdError, Reason, identifier_impls};

/// What kind of number a [`PhoneNumber`] is, by its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhoneKind {
    /// Mobile: `010-XXXX-XXXX`, legacy `011/016/017/018/019-XXX(X)-XXXX`.
    Mobile,
    /// Landline: `02-XXX(X)-XXXX`, `0AA-XXX(X)-XXXX` with a current area code.
    Landline,
    /// Internet telephony: `070-XXXX-XXXX`.
    Internet,
    /// Toll-free: `080-XXX(X)-XXXX`.
    TollFree,
    /// Virtual (safe) numbers: `050X-XXX(X)-XXXX`.
    Virtual,
    /// Company representative numbers: `15XX/16XX/18XX-XXXX` (domestic only).
    Representative,
}

/// Longest input looked at; anything longer is not a phone number.
const MAX_INPUT_LEN: usize = 32;
/// Most digits any accepted number has (`050X` + 8).
const MAX_DIGITS: usize = 12;

/// A Korean phone number, normalized to its hyphenated domestic form.
///
/// Accepted spellings: digits with or without separators (`-`, space or `.`)
/// between the usual groups, and the international form with `+82` and the
/// leading 0 dropped (`+82-10-1234-5678`, `+82 2 234 5678`). Separators must sit
/// between groups (`0101-234-5678` is refused), never doubled, leading or trailing.
///
/// Recognized prefixes: mobile `010` (8 more digits), legacy `011/016/017/018/019`
/// (7 or 8); Seoul `02` and the area codes `031–033`, `041–044`, `051–055`,
/// `061–064` (7 or 8 more digits, the local number starting with 2–9); `070`
/// (8); `080` (7 or 8); `0502–0508` (7 or 8); and the eight-digit
/// `15XX/16XX/18XX-XXXX` representative numbers (not in `+82` form).
///
/// `Debug`, `Display` and `Serialize` print the masked form
/// ([`egov_privacy::mask::phone`]); [`expose`](Self::expose) returns the canonical
/// form, e.g. `010-1234-5678`, `02-234-5678`, `0505-123-4567`, `1588-1234`.
///
/// ```
/// use egov_validation::korean::{PhoneKind, PhoneNumber};
///
/// for spelling in ["010-1234-5678", "01012345678", "010 1234 5678", "+82-10-1234-5678", "+821012345678"] {
///     let phone: PhoneNumber = spelling.parse().unwrap();
///     assert_eq!(phone.expose(), "010-1234-5678");
///     assert_eq!(phone.kind(), PhoneKind::Mobile);
/// }
/// let seoul: PhoneNumber = "+82 2 234 5678".parse().unwrap();
/// assert_eq!(seoul.expose(), "02-234-5678");
/// assert_eq!(seoul.expose_e164().as_deref(), Some("+8222345678"));
/// assert!("099-123-4567".parse::<PhoneNumber>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    canonical: Canonical<16>,
    kind: PhoneKind,
}

impl PhoneNumber {
    /// The kind of number.
    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// Whether this is a mobile number (e.g. for text messages).
    pub fn is_mobile(&self) -> bool {
        self.kind == PhoneKind::Mobile
    }

    /// The full number in E.164 form (`+821012345678`), for gateways that need
    /// it; `None` for representative numbers, which cannot be called from abroad.
    /// **Personal data**, like [`expose`](Self::expose).
    pub fn expose_e164(&self) -> Option<String> {
        if self.kind == PhoneKind::Representative {
            return None;
        }
        let national = self.canonical.as_str().replace('-', "");
        Some(format!(
            "+82{}",
            national.strip_prefix('0').unwrap_or(&national)
        ))
    }
}

/// The kind and group lengths of a number's digits.
fn classify(digits: &[u8], international: bool) -> Result<(PhoneKind, &'static [usize]), Reason> {
    const G_2_3_4: &[usize] = &[2, 3, 4];
    const G_2_4_4: &[usize] = &[2, 4, 4];
    const G_3_3_4: &[usize] = &[3, 3, 4];
    const G_3_4_4: &[usize] = &[3, 4, 4];
    const G_4_3_4: &[usize] = &[4, 3, 4];
    const G_4_4_4: &[usize] = &[4, 4, 4];
    const G_4_4: &[usize] = &[4, 4];
    let local_ok = |first: Option<&u8>| first.is_some_and(|d| (2..=9).contains(d));
    let by_len = |short: &'static [usize], long: &'static [usize]| {
        let short_len: usize = short.iter().sum();
        let long_len: usize = long.iter().sum();
        match digits.len() {
            n if n == short_len => Ok(short),
            n if n == long_len => Ok(long),
            _ => Err(Reason::Format),
        }
    };
    match digits {
        [0, 1, 0, ..] => Ok((PhoneKind::Mobile, by_len(G_3_4_4, G_3_4_4)?)),
        [0, 1, 1 | 6 | 7 | 8 | 9, ..] => Ok((PhoneKind::Mobile, by_len(G_3_3_4, G_3_4_4)?)),
        [0, 2, rest @ ..] => {
            let groups = by_len(G_2_3_4, G_2_4_4)?;
            if !local_ok(rest.first()) {
                return Err(Reason::Prefix);
            }
            Ok((PhoneKind::Landline, groups))
        }
        [0, 3, 1..=3, rest @ ..]
        | [0, 4, 1..=4, rest @ ..]
        | [0, 5, 1..=5, rest @ ..]
        | [0, 6, 1..=4, rest @ ..] => {
            let groups = by_len(G_3_3_4, G_3_4_4)?;
            if !local_ok(rest.first()) {
                return Err(Reason::Prefix);
            }
            Ok((PhoneKind::Landline, groups))
        }
        [0, 7, 0, ..] => Ok((PhoneKind::Internet, by_len(G_3_4_4, G_3_4_4)?)),
        [0, 8, 0, ..] => Ok((PhoneKind::TollFree, by_len(G_3_3_4, G_3_4_4)?)),
        [0, 5, 0, 2..=8, ..] => Ok((PhoneKind::Virtual, by_len(G_4_3_4, G_4_4_4)?)),
        [1, 5 | 6 | 8, ..] if !international => {
            Ok((PhoneKind::Representative, by_len(G_4_4, G_4_4)?))
        }
        _ => Err(Reason::Prefix),
    }
}

impl FromStr for PhoneNumber {
    type Err = ParseIdError;

    fn from_str(value: &str) -> Result<Self, ParseIdError> {
        let error = |reason| ParseIdError::new(IdKind::PhoneNumber, reason);
        if value.len() > MAX_INPUT_LEN {
            return Err(error(Reason::Format));
        }
        let mut digits = [0u8; MAX_DIGITS];
        let mut count = 0;
        let (international, mut rest) = match value.strip_prefix("+82") {
            Some(rest) => {
                // One separator may follow the country code; the leading 0 is dropped.
                let rest = rest.as_bytes();
                let rest = match rest {
                    [b'-' | b' ' | b'.', tail @ ..] => tail,
                    _ => rest,
                };
                if rest.first() == Some(&b'0') {
                    return Err(error(Reason::Format));
                }
                count = 1; // digits[0] = 0
                (true, rest)
            }
            None => (false, value.as_bytes()),
        };
        // Separator positions, as the number of digits before each.
        let mut separators = [0usize; 3];
        let mut separator_count = 0;
        let mut after_separator = true; // no leading separator
        while let [byte, tail @ ..] = rest {
            rest = tail;
            match byte {
                b'0'..=b'9' => {
                    let slot = digits.get_mut(count).ok_or(error(Reason::Format))?;
                    *slot = byte - b'0';
                    count += 1;
                    after_separator = false;
                }
                b'-' | b' ' | b'.' if !after_separator => {
                    let slot = separators
                        .get_mut(separator_count)
                        .ok_or(error(Reason::Format))?;
                    *slot = count;
                    separator_count += 1;
                    after_separator = true;
                }
                _ => return Err(error(Reason::Format)),
            }
        }
        if after_separator {
            return Err(error(Reason::Format)); // empty, or a trailing separator
        }
        let digits = &digits[..count];
        let (kind, groups) = classify(digits, international).map_err(error)?;

        let mut canonical = Canonical::new();
        let mut boundaries = [0usize; 3];
        let mut start = 0;
        for (i, &len) in groups.iter().enumerate() {
            if i > 0 {
                canonical.push(b'-');
                boundaries[i - 1] = start;
            }
            canonical.push_digits(&digits[start..start + len]);
            start += len;
        }
        let boundaries = &boundaries[..groups.len() - 1];
        if !separators[..separator_count]
            .iter()
            .all(|s| boundaries.contains(s))
        {
            return Err(error(Reason::Format));
        }
        Ok(Self { canonical, kind })
    }
}

identifier_impls!(PhoneNumber, IdKind::PhoneNumber, egov_privacy::mask::phone);

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(value: &str) -> Result<(String, PhoneKind), Reason> {
        value
            .parse::<PhoneNumber>()
            .map(|p| (p.expose().to_owned(), p.kind()))
            .map_err(|e| e.reason())
    }

    #[test]
    fn every_prefix_normalizes_to_its_grouping() {
        use PhoneKind::*;
        for (input, expected, kind) in [
            ("01012345678", "010-1234-5678", Mobile),
            ("011-123-4567", "011-123-4567", Mobile),
            ("0161234567", "016-123-4567", Mobile),
            ("017-1234-5678", "017-1234-5678", Mobile),
            ("018 234 5678", "018-234-5678", Mobile),
            ("019.2345.6789", "019-2345-6789", Mobile),
            ("022345678", "02-234-5678", Landline),
            ("02-2345-6789", "02-2345-6789", Landline),
            ("031-234-5678", "031-234-5678", Landline),
            ("03323456789", "033-2345-6789", Landline),
            ("041-234-5678", "041-234-5678", Landline),
            ("044-300-1234", "044-300-1234", Landline),
            ("051-234-5678", "051-234-5678", Landline),
            ("055-2345-6789", "055-2345-6789", Landline),
            ("061-234-5678", "061-234-5678", Landline),
            ("064-234-5678", "064-234-5678", Landline),
            ("070-1234-5678", "070-1234-5678", Internet),
            ("080-123-4567", "080-123-4567", TollFree),
            ("080123-4567", "080-123-4567", TollFree),
            ("0505-123-4567", "0505-123-4567", Virtual),
            ("050212345678", "0502-1234-5678", Virtual),
            ("1588-1234", "1588-1234", Representative),
            ("16001234", "1600-1234", Representative),
            ("1899 1234", "1899-1234", Representative),
            ("+82-10-1234-5678", "010-1234-5678", Mobile),
            ("+82 10 1234 5678", "010-1234-5678", Mobile),
            ("+821012345678", "010-1234-5678", Mobile),
            ("+82 2 234 5678", "02-234-5678", Landline),
            ("+82-31-234-5678", "031-234-5678", Landline),
            ("+82 70 1234 5678", "070-1234-5678", Internet),
        ] {
            assert_eq!(canonical(input), Ok((expected.to_owned(), kind)), "{input}");
        }
    }

    #[test]
    fn unknown_prefixes_are_refused() {
        for input in [
            "012-123-4567",
            "013-1234-5678",
            "030-123-4567",
            "034-123-4567",
            "045-123-4567",
            "056-123-4567",
            "065-123-4567",
            "090-1234-5678",
            "0501-123-4567",
            "0509-123-4567",
            "1234-5678",
            "1700-1234",
            "+82-1588-1234",
            "82-10-1234-5678",
            "02-023-4567",
            "02-0234-5678",
            "031-012-3456",
        ] {
            assert_eq!(canonical(input), Err(Reason::Prefix), "{input}");
        }
    }

    #[test]
    fn malformed_spellings_are_refused() {
        for input in [
            "",
            "-",
            "010",
            "010-1234-567",
            "010-123-4567",
            "010-12345-6789",
            "0101-234-5678",
            "010--1234-5678",
            "-010-1234-5678",
            "010-1234-5678-",
            "010-1234-5678 ",
            "(02) 123-4567",
            "+82-010-1234-5678",
            "+82--10-1234-5678",
            "+8210-1234-5678x",
            "010-1234-5678-9",
            "02-23-45678",
            "1588-12345",
            "０１０-1234-5678",
            "010\u{2010}1234\u{2010}5678",
            "0000000000000000000000000000000000000",
        ] {
            assert_eq!(canonical(input).unwrap_err(), Reason::Format, "{input:?}");
        }
    }

    #[test]
    fn e164_drops_the_leading_zero() {
        let phone: PhoneNumber = "010-1234-5678".parse().unwrap();
        assert_eq!(phone.expose_e164().as_deref(), Some("+821012345678"));
        assert!(phone.is_mobile());
        let company: PhoneNumber = "1588-1234".parse().unwrap();
        assert_eq!(company.expose_e164(), None);
        assert!(!company.is_mobile());
    }
}
