//! Korean particles (조사) that agree with the noun before them.
//!
//! Which form of a particle follows a noun depends on whether the noun's last
//! syllable, *as it is read aloud*, ends in a consonant (받침): 홍길동**을** but
//! 사과**를**, 이순신**이** but 김구**가**. For (으)로 a final ㄹ counts like a
//! vowel: 서울**로**, 부산**으로**.
//!
//! [`attach`] writes the noun followed by the right particle and [`particle`]
//! returns the particle alone; the Fluent function `JOSA` (registered on every
//! bundle of an [`crate::I18n`]) does the same inside messages:
//!
//! ```ftl
//! greeting-exists = { JOSA($name, "은/는") } 이미 인사를 받았습니다.
//! ```
//!
//! # Supported particles
//!
//! | pair | after a consonant | after a vowel | after ㄹ | unreadable noun |
//! |---|---|---|---|---|
//! | `을/를` | 을 | 를 | 을 | 을(를) |
//! | `이/가` | 이 | 가 | 이 | 이(가) |
//! | `은/는` | 은 | 는 | 은 | 은(는) |
//! | `과/와` | 과 | 와 | 과 | 과(와) |
//! | `아/야` | 아 | 야 | 아 | 아(야) |
//! | `이랑/랑` | 이랑 | 랑 | 이랑 | (이)랑 |
//! | `이나/나` | 이나 | 나 | 이나 | (이)나 |
//! | `이에요/예요` | 이에요 | 예요 | 이에요 | (이)에요 |
//! | `으로/로` | 으로 | 로 | **로** | (으)로 |
//! | `으로서/로서` | 으로서 | 로서 | **로서** | (으)로서 |
//! | `으로써/로써` | 으로써 | 로써 | **로써** | (으)로써 |
//!
//! A pair may be written in either order (`를/을`) or in its combined form
//! (`을(를)`, `(으)로`). **An unknown pair is output as written** (so
//! `attach("서울", "의/에")` is `서울의/에`): the text shows the mistake to the
//! translator instead of failing the request.
//!
//! # How a noun is read
//!
//! From the end of the noun:
//!
//! 1. Trailing whitespace, punctuation, quotes, closing brackets and markup tags
//!    (`<b>홍길동</b>`) are skipped, so `"홍길동)"` is read by 동. Exceptions that
//!    are read aloud: `%` (퍼센트: vowel) and `℃`/`°` (도: vowel).
//! 2. A Hangul syllable decides by its final consonant:
//!    `(ch − 0xAC00) % 28` is 0 for none and 8 for ㄹ. A lone jamo is read by its
//!    name: consonants (기역, 니은, 리을…) end in a consonant (ㄹ in ㄹ's case),
//!    vowels (아, 야…) in a vowel.
//! 3. Digits are read as Korean numerals (Sino-Korean, as for amounts, years and
//!    counts): the last non-zero digit by its name (일 ㄹ, 이, 삼, 사, 오, 육, 칠 ㄹ,
//!    팔 ㄹ, 구), or the unit that trailing zeros make: 10 → 십, 100 → 백,
//!    1000 → 천, 10⁴…10⁷ → 만, 10⁸… → 억, 10¹² → 조, 10¹⁶ → 경; `0` is 영. Thousands
//!    separators are ignored (`1,000` → 천). After a decimal point the last digit is
//!    read by its name (`3.5` → 오, `2.0` → 영), as Korean reads decimals digit by
//!    digit. Full-width digits count as digits.
//! 4. Latin letters are read **letter by letter**: the last letter by its English
//!    name. L, M, N and R end in a consonant (엘, 엠, 엔, 알; L and R in ㄹ, so
//!    `URL로`, `HTML로`); every other letter ends in a vowel (에이, 비, 씨, 디…,
//!    `API를`, `Lee는`, `Kim은`).
//! 5. Anything else (Hanja, kana, emoji, other scripts) or an empty noun cannot be
//!    read: the combined form (`을(를)`) is used, which is never wrong.
//!
//! # Limits
//!
//! - Latin **words** are not pronounced as words: `Google` is read by its last
//!   letter `e` (이), giving `Google를` where a Korean reader says 구글을. Write the
//!   Hangul name where it matters, or put the word where no particle follows.
//! - Numbers are read as Sino-Korean numerals; native counting (하나, 둘) and
//!   readings with counters (3개, 2시) depend on the word after the number, which
//!   ends the noun anyway (`3개를`).
//! - Only the last syllable is considered: a parenthesized gloss at the end
//!   (`서울(Seoul)`) is read by the gloss.

/// How the last readable syllable of a noun ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// In a vowel (no 받침): 를, 가, 는, 로.
    Vowel,
    /// In the consonant ㄹ: 을, 이, 은, but 로 (not 으로).
    Rieul,
    /// In any other consonant: 을, 이, 은, 으로.
    Consonant,
    /// Nothing readable: the combined form, e.g. 을(를).
    Unknown,
}

/// One particle pair: (after a consonant, after a vowel, combined form, whether a
/// final ㄹ takes the vowel form).
struct Pair {
    consonant: &'static str,
    vowel: &'static str,
    combined: &'static str,
    rieul_as_vowel: bool,
}

const PAIRS: &[Pair] = &[
    pair("을", "를", "을(를)", false),
    pair("이", "가", "이(가)", false),
    pair("은", "는", "은(는)", false),
    pair("과", "와", "과(와)", false),
    pair("아", "야", "아(야)", false),
    pair("이랑", "랑", "(이)랑", false),
    pair("이나", "나", "(이)나", false),
    pair("이에요", "예요", "(이)에요", false),
    pair("으로", "로", "(으)로", true),
    pair("으로서", "로서", "(으)로서", true),
    pair("으로써", "로써", "(으)로써", true),
];

const fn pair(
    consonant: &'static str,
    vowel: &'static str,
    combined: &'static str,
    rieul_as_vowel: bool,
) -> Pair {
    Pair {
        consonant,
        vowel,
        combined,
        rieul_as_vowel,
    }
}

/// The particle of `pair` (e.g. `"을/를"`) that follows `noun`.
///
/// An unknown pair is returned as written; see the [module docs](self) for the
/// reading rules and the supported pairs.
///
/// ```
/// use egov_i18n::josa;
///
/// assert_eq!(josa::particle("홍길동", "을/를"), "을");
/// assert_eq!(josa::particle("서울", "으로/로"), "로");
/// assert_eq!(josa::particle("API", "이/가"), "가");
/// assert_eq!(josa::particle("洪吉童", "은/는"), "은(는)");
/// ```
pub fn particle<'a>(noun: &str, pair: &'a str) -> &'a str {
    let Some(found) = find_pair(pair) else {
        return pair;
    };
    match ending(noun) {
        Ending::Vowel => found.vowel,
        Ending::Rieul if found.rieul_as_vowel => found.vowel,
        Ending::Rieul | Ending::Consonant => found.consonant,
        Ending::Unknown => found.combined,
    }
}

/// `noun` followed by the particle of `pair` that fits it.
///
/// ```
/// use egov_i18n::josa;
///
/// assert_eq!(josa::attach("세종", "이/가"), "세종이");
/// assert_eq!(josa::attach("Lee", "은/는"), "Lee는");
/// assert_eq!(josa::attach("10", "을/를"), "10을");
/// ```
pub fn attach(noun: &str, pair: &str) -> String {
    let particle = particle(noun, pair);
    let mut out = String::with_capacity(noun.len() + particle.len());
    out.push_str(noun);
    out.push_str(particle);
    out
}

/// Whether `pair` is a supported particle pair (in any of its spellings).
pub fn is_known_pair(pair: &str) -> bool {
    find_pair(pair).is_some()
}

fn find_pair(text: &str) -> Option<&'static Pair> {
    let text = text.trim();
    PAIRS.iter().find(|p| {
        text == p.combined
            || text.split_once('/').is_some_and(|(a, b)| {
                (a, b) == (p.consonant, p.vowel) || (a, b) == (p.vowel, p.consonant)
            })
    })
}

/// How `noun`, read aloud, ends. See the [module docs](self) for the rules.
pub fn ending(noun: &str) -> Ending {
    let mut rest = noun;
    loop {
        let Some(last) = rest.chars().next_back() else {
            return Ending::Unknown;
        };
        let before = &rest[..rest.len() - last.len_utf8()];
        if last == '>' {
            if let Some(open) = before.rfind('<')
                && looks_like_tag(&before[open + 1..])
            {
                rest = &before[..open];
                continue;
            }
            rest = before;
            continue;
        }
        if let Some(ending) = symbol_ending(last) {
            return ending;
        }
        if is_skippable(last) {
            rest = before;
            continue;
        }
        if let Some(ending) = hangul_ending(last) {
            return ending;
        }
        if digit_value(last).is_some() {
            return number_ending(rest);
        }
        if last.is_ascii_alphabetic() {
            return latin_ending(last);
        }
        return Ending::Unknown;
    }
}

/// `inner` (between `<` and `>`) is an HTML/XML tag: `b`, `/b`, `span class="x"`, `br/`.
fn looks_like_tag(inner: &str) -> bool {
    let name = inner.strip_prefix('/').unwrap_or(inner);
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && !inner.contains(['<', '\n'])
}

/// Symbols that are read aloud at the end of a noun.
fn symbol_ending(c: char) -> Option<Ending> {
    match c {
        // 퍼센트, 도.
        '%' | '\u{FF05}' | '℃' | '°' => Some(Ending::Vowel),
        _ => None,
    }
}

/// Whitespace, punctuation, quotes and brackets, which are not read.
fn is_skippable(c: char) -> bool {
    c.is_whitespace()
        || c.is_ascii_punctuation()
        || c.is_control()
        // Latin-1 punctuation: « » ¡ ¿ · and friends.
        || matches!(c, '\u{A0}'..='\u{BF}')
        // General punctuation: quotes, dashes, ellipsis, zero-width and
        // bidi-isolation marks.
        || matches!(c, '\u{2000}'..='\u{206F}')
        // CJK symbols and punctuation (「」『』《》〈〉【】、。), except 〇 (a numeral).
        || (matches!(c, '\u{3000}'..='\u{303F}') && c != '\u{3007}')
        // Full-width ASCII punctuation and half-width CJK punctuation.
        || matches!(c, '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}')
        || c == '\u{FEFF}'
}

fn hangul_ending(c: char) -> Option<Ending> {
    let code = u32::from(c);
    match code {
        0xAC00..=0xD7A3 => Some(match (code - 0xAC00) % 28 {
            0 => Ending::Vowel,
            8 => Ending::Rieul,
            _ => Ending::Consonant,
        }),
        // Compatibility jamo, read by their names.
        0x3139 => Some(Ending::Rieul),              // ㄹ 리을
        0x3131..=0x314E => Some(Ending::Consonant), // ㄱ 기역 … ㅎ 히읗
        0x314F..=0x3163 => Some(Ending::Vowel),     // ㅏ 아 … ㅣ 이
        // Other jamo (and everything else) cannot be read alone.
        _ => None,
    }
}

fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => c.to_digit(10),
        '\u{FF10}'..='\u{FF19}' => Some(u32::from(c) - 0xFF10),
        _ => None,
    }
}

/// How the number at the end of `text` (whose last char is a digit) is read.
fn number_ending(text: &str) -> Ending {
    // The run of digits and thousands separators at the end.
    let mut digits: Vec<u32> = Vec::new();
    let mut chars = text.chars().rev().peekable();
    let mut after_run = None;
    while let Some(&c) = chars.peek() {
        if let Some(d) = digit_value(c) {
            digits.push(d);
        } else if c == ',' || c == '\u{FF0C}' {
            // A separator counts only between digits.
            let mut ahead = chars.clone();
            ahead.next();
            if ahead.peek().copied().and_then(digit_value).is_none() {
                after_run = Some(c);
                break;
            }
        } else {
            after_run = Some(c);
            break;
        }
        chars.next();
    }
    // `digits` is in reverse order: digits[0] is the last digit.
    let is_fraction = matches!(after_run, Some('.' | '\u{FF0E}')) && {
        chars.next();
        chars
            .peek()
            .copied()
            .is_some_and(|c| digit_value(c).is_some())
    };
    let last = digits.first().copied().unwrap_or(0);
    if is_fraction {
        return digit_name_ending(last);
    }
    match digits.iter().position(|&d| d != 0) {
        None => digit_name_ending(0),
        Some(0) => digit_name_ending(last),
        Some(zeros) => unit_ending(zeros),
    }
}

/// 영 일 이 삼 사 오 육 칠 팔 구.
fn digit_name_ending(digit: u32) -> Ending {
    match digit {
        2 | 4 | 5 | 9 => Ending::Vowel,
        1 | 7 | 8 => Ending::Rieul,
        _ => Ending::Consonant, // 영 삼 육
    }
}

/// The unit read for a number ending in `zeros` zeros (≥ 1).
fn unit_ending(zeros: usize) -> Ending {
    match zeros {
        1..=3 => Ending::Consonant, // 십, 백, 천
        _ => match zeros / 4 {
            1 => Ending::Consonant,  // 만
            2 => Ending::Consonant,  // 억
            3 => Ending::Vowel,      // 조
            4 => Ending::Consonant,  // 경
            5 => Ending::Vowel,      // 해
            6 => Ending::Vowel,      // 자
            7 => Ending::Consonant,  // 양
            8 => Ending::Vowel,      // 구
            9 => Ending::Consonant,  // 간
            10 => Ending::Consonant, // 정
            11 => Ending::Vowel,     // 재
            12 => Ending::Consonant, // 극
            _ => Ending::Unknown,    // beyond 10⁵² there is no agreed reading
        },
    }
}

/// The English name of a letter: L/R (엘/알) end in ㄹ, M/N (엠/엔) in another
/// consonant, the rest in a vowel.
fn latin_ending(c: char) -> Ending {
    match c.to_ascii_uppercase() {
        'L' | 'R' => Ending::Rieul,
        'M' | 'N' => Ending::Consonant,
        _ => Ending::Vowel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (noun, pair, expected attach output).
    const CASES: &[(&str, &str, &str)] = &[
        // Hangul without a final consonant.
        ("김구", "이/가", "김구가"),
        ("사과", "을/를", "사과를"),
        ("나", "은/는", "나는"),
        ("친구", "과/와", "친구와"),
        ("철수", "아/야", "철수야"),
        ("우유", "이랑/랑", "우유랑"),
        ("학교", "으로/로", "학교로"),
        ("의사", "이에요/예요", "의사예요"),
        // Hangul with a final consonant.
        ("홍길동", "을/를", "홍길동을"),
        ("세종", "이/가", "세종이"),
        ("책", "은/는", "책은"),
        ("밥", "과/와", "밥과"),
        ("영숙", "아/야", "영숙아"),
        ("빵", "이랑/랑", "빵이랑"),
        ("부산", "으로/로", "부산으로"),
        ("학생", "이에요/예요", "학생이에요"),
        // Final ㄹ: 으로/로 takes 로, everything else the consonant form.
        ("서울", "으로/로", "서울로"),
        ("연필", "으로써/로써", "연필로써"),
        ("서울", "을/를", "서울을"),
        ("물", "이/가", "물이"),
        // Reversed order and combined spellings of a pair.
        ("홍길동", "를/을", "홍길동을"),
        ("서울", "(으)로", "서울로"),
        ("사과", "을(를)", "사과를"),
        // Digits read as Korean numerals.
        ("3", "을/를", "3을"),
        ("2", "을/를", "2를"),
        ("10", "을/를", "10을"),
        ("20", "이/가", "20이"),
        ("100", "은/는", "100은"),
        ("1000", "으로/로", "1000으로"),
        ("10000", "이/가", "10000이"),
        ("1,000,000", "을/를", "1,000,000을"),
        ("1000000000000", "이/가", "1000000000000가"),
        ("0", "을/를", "0을"),
        ("1", "으로/로", "1로"),
        ("7", "이/가", "7이"),
        ("2024", "은/는", "2024는"),
        ("3.5", "을/를", "3.5를"),
        ("2.0", "을/를", "2.0을"),
        ("v1.2.8", "으로/로", "v1.2.8로"),
        ("010-1234-5678", "으로/로", "010-1234-5678로"),
        ("５", "이/가", "５가"),
        ("50%", "을/를", "50%를"),
        ("36.5℃", "이/가", "36.5℃가"),
        // Latin letters and acronyms, by the last letter's English name.
        ("API", "을/를", "API를"),
        ("URL", "으로/로", "URL로"),
        ("HTML", "을/를", "HTML을"),
        ("Kim", "은/는", "Kim은"),
        ("Lee", "은/는", "Lee는"),
        ("SMS", "으로/로", "SMS로"),
        ("PDF", "으로/로", "PDF로"),
        ("Google", "을/를", "Google를"),
        ("n", "이/가", "n이"),
        // Punctuation, quotes, brackets and markup are skipped.
        ("홍길동)", "을/를", "홍길동)을"),
        ("'사과'", "을/를", "'사과'를"),
        ("“서울”", "으로/로", "“서울”로"),
        ("「민원」", "이/가", "「민원」이"),
        ("홍길동!!  ", "은/는", "홍길동!!  은"),
        ("<b>홍길동</b>", "이/가", "<b>홍길동</b>이"),
        ("a < b>", "이/가", "a < b>가"),
        // Mixed scripts: the end decides.
        ("COVID-19", "이/가", "COVID-19가"),
        ("아이폰 15", "을/를", "아이폰 15를"),
        ("K-방역", "으로/로", "K-방역으로"),
        ("2024년", "은/는", "2024년은"),
        ("ㄱ", "이/가", "ㄱ이"),
        ("ㄹ", "으로/로", "ㄹ로"),
        ("ㅏ", "이/가", "ㅏ가"),
        // Nothing readable: the combined form.
        ("", "을/를", "을(를)"),
        ("洪吉童", "은/는", "洪吉童은(는)"),
        ("!!!", "이/가", "!!!이(가)"),
        ("🙂", "으로/로", "🙂(으)로"),
        ("東京", "이에요/예요", "東京(이)에요"),
        // Unknown pairs are output as written.
        ("서울", "의/에", "서울의/에"),
        ("서울", "", "서울"),
        ("서울", "을", "서울을"),
    ];

    #[test]
    fn attach_table() {
        assert!(CASES.len() >= 40);
        let failures: Vec<String> = CASES
            .iter()
            .filter_map(|(noun, pair, expected)| {
                let got = attach(noun, pair);
                (got != *expected)
                    .then(|| format!("{noun:?} + {pair:?}: got {got:?}, want {expected:?}"))
            })
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn particle_alone_and_endings() {
        assert_eq!(particle("홍길동", "을/를"), "을");
        assert_eq!(particle("서울", "으로/로"), "로");
        assert_eq!(particle("", "이/가"), "이(가)");
        assert_eq!(ending("강"), Ending::Consonant);
        assert_eq!(ending("강물"), Ending::Rieul);
        assert_eq!(ending("바다"), Ending::Vowel);
        assert_eq!(ending("  "), Ending::Unknown);
        // Fluent's bidi isolation marks around a placeable are skipped.
        assert_eq!(ending("\u{2068}홍길동\u{2069}"), Ending::Consonant);
    }

    #[test]
    fn every_syllable_follows_the_final_consonant_formula() {
        for code in 0xAC00u32..=0xD7A3 {
            let c = char::from_u32(code).unwrap();
            let expected = match (code - 0xAC00) % 28 {
                0 => Ending::Vowel,
                8 => Ending::Rieul,
                _ => Ending::Consonant,
            };
            assert_eq!(ending(&c.to_string()), expected, "{c}");
        }
    }

    #[test]
    fn units_of_large_numbers() {
        let ten_pow = |n: usize| format!("1{}", "0".repeat(n));
        assert_eq!(ending(&ten_pow(4)), Ending::Consonant); // 만
        assert_eq!(ending(&ten_pow(7)), Ending::Consonant); // 천만
        assert_eq!(ending(&ten_pow(8)), Ending::Consonant); // 억
        assert_eq!(ending(&ten_pow(12)), Ending::Vowel); // 조
        assert_eq!(ending(&ten_pow(16)), Ending::Consonant); // 경
        assert_eq!(ending(&ten_pow(60)), Ending::Unknown);
        assert_eq!(ending("000"), Ending::Consonant); // 영
    }

    #[test]
    fn pairs_are_recognized_in_every_spelling() {
        for p in PAIRS {
            assert!(is_known_pair(&format!("{}/{}", p.consonant, p.vowel)));
            assert!(is_known_pair(&format!("{}/{}", p.vowel, p.consonant)));
            assert!(is_known_pair(p.combined));
        }
        assert!(!is_known_pair("의/에"));
        assert!(!is_known_pair(""));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_nouns_never_panic(noun in ".{0,40}", pair in ".{0,8}") {
            let out = attach(&noun, &pair);
            proptest::prop_assert!(out.starts_with(&noun));
        }

        #[test]
        fn known_pairs_always_yield_one_of_their_forms(noun in ".{0,40}", index in 0usize..PAIRS.len()) {
            let p = &PAIRS[index];
            let written = format!("{}/{}", p.consonant, p.vowel);
            let got = particle(&noun, &written);
            proptest::prop_assert!([p.consonant, p.vowel, p.combined].contains(&got));
        }
    }
}
