//! How many guesses a password would take an attacker who tries common passwords and
//! patterns first: a small estimator in the manner of zxcvbn (Wheeler, "zxcvbn:
//! Low-Budget Password Strength Estimation", USENIX Security 2016), written for
//! egov-rs and used by [`PasswordPolicy`](crate::password::PasswordPolicy) to refuse
//! predictable passwords.
//!
//! The text (NFKC, lower case) is cut into segments so that the product of the
//! segments' guesses is smallest (dynamic programming over the cut points), times
//! `l!` for `l` segments (the attacker does not know in which order the patterns are
//! combined; counted up to 12). A segment is one of:
//!
//! - a **listed password** of at least 3 characters, from the blocklist: guesses = its
//!   rank in the list (1 = most common), at least 10;
//! - a **keyboard walk** of at least 3 keys on a US QWERTY keyboard (number row
//!   included, rows staggered so each key has six neighbours), each key next to the
//!   previous one (`qwertyuiop`, `zaq1`, `asdfgh`, `zse4`, `!@#$`): a straight line
//!   costs 47 start keys × 6 directions × (length − 2); a zig-zag (`1q2w3e`) × 6 more;
//!   any other walk with `t` turns `47 × 6^(t+1) × C(length − 1, t) × (length − 2)`;
//!   shifted symbols mixed with unshifted ones multiply by the ways to place them;
//! - **parallel walks**: k ≥ 2 straight walks of the same length and direction, each
//!   starting next to the previous one's start, always in the same direction
//!   (`1qaz2wsx3edc`, `qwerasdfzxcv`, `qazwsxedc`): one walk's guesses × 6 × k;
//! - a **sequence** of at least 3 characters with a constant step of ±1 or ±2: digits
//!   (wrapping `9` → `0`: `1234567890123`), Latin letters (`abcdef`, `zyxw`), Hangul
//!   syllables whose initial consonants follow ㄱㄴㄷㄹ… with the same vowel and final
//!   (`가나다라`) or whose vowels follow ㅏㅑㅓㅕ… (`아야어여`): 4 (from an obvious
//!   start) or the alphabet's size, × length, × 2 descending, × 2 for steps of 2;
//! - a **year** (1900–2099: 200 guesses) or a **date** in digits: `mmdd` (12 × 31),
//!   `yymmdd` (× 100), `yyyymmdd` (× 200);
//! - a **repeat** `u u … u` (k ≥ 2 copies of a unit of up to 64 characters: `aaaa`,
//!   `passwordpassword`, `abcabcabc`): the guesses of `u` alone × k;
//! - a **copy** of at least 3 characters of the 64 before it (`ilove` … `ilove`): 10 × its
//!   position;
//! - anything else: 10 guesses per character (brute force), consecutive ones being one
//!   segment.
//!
//! Text with Hangul is also estimated in its Dubeolsik (Korean 2-set) keystroke form,
//! the QWERTY keys typed for it ([`dubeolsik`]: 홍길동 → `ghdrlfehd`, ㅂㅈㄷㄱ → `qwer`),
//! so that a keyboard walk typed in Hangul mode (`ㅂㅈㄷㄱ쇼ㅕㅑㅐㅔ`) is one; the smaller
//! estimate counts.
//!
//! Cost, measured in a release build: 5–20 µs for ordinary passwords, at most about
//! 0.5 ms for the worst 128-character inputs found (repetitive Hangul, whose keystroke
//! form is 640 keys); building the list once takes about 3 ms. The list is searched by
//! prefix in a sorted array (no hashing per substring), repeats and copies come from
//! one pass of longest common extensions over 64 shifts, and no regular expressions
//! are involved.

use std::collections::HashMap;
use std::ops::Range;

/// A ranked list of passwords (rank 1 = most common), searchable by prefix.
pub(crate) struct Ranked {
    /// Sorted by bytes, with each word's rank.
    words: Vec<(&'static str, u32)>,
    /// The range of `words` that starts with each byte.
    by_first_byte: Vec<Range<usize>>,
}

impl Ranked {
    /// The non-empty, trimmed lines of `lists`, ranked in order; a word listed twice
    /// keeps its first rank.
    pub(crate) fn new(lists: &[&'static str]) -> Self {
        let mut ranks: HashMap<&'static str, u32> = HashMap::new();
        let mut next = 1u32;
        for line in lists.iter().flat_map(|list| list.lines()) {
            let word = line.trim();
            if word.is_empty() {
                continue;
            }
            ranks.entry(word).or_insert_with(|| {
                next += 1;
                next - 1
            });
        }
        let mut words: Vec<(&'static str, u32)> = ranks.into_iter().collect();
        words.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let by_first_byte = (0..=u8::MAX)
            .map(|b| {
                let start = words.partition_point(|(w, _)| w.as_bytes()[0] < b);
                let end = words.partition_point(|(w, _)| w.as_bytes()[0] <= b);
                start..end
            })
            .collect();
        Self {
            words,
            by_first_byte,
        }
    }

    /// How many distinct words.
    pub(crate) fn len(&self) -> usize {
        self.words.len()
    }

    /// The rank of `word`, if listed.
    pub(crate) fn rank(&self, word: &str) -> Option<u32> {
        self.words
            .binary_search_by(|(w, _)| (*w).cmp(word))
            .ok()
            .map(|i| self.words[i].1)
    }

    /// Whether `word` is listed.
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.rank(word).is_some()
    }

    /// The part of `within` (a range of words that all start with a prefix of
    /// `prefix`) whose words start with `prefix`.
    fn narrow(&self, within: Range<usize>, prefix: &str) -> Range<usize> {
        let slice = &self.words[within.clone()];
        let start = slice.partition_point(|(w, _)| *w < prefix);
        let end = slice.partition_point(|(w, _)| *w < prefix || w.starts_with(prefix));
        within.start + start..within.start + end
    }
}

/// log10 of the guesses for `text` (already NFKC): the smaller of its lower-case
/// form's and, when it has Hangul, its Dubeolsik keystroke form's.
pub(crate) fn log10_guesses(text: &str, list: &Ranked) -> f64 {
    let lower = text.to_lowercase();
    let mut best = estimate(&lower, list);
    if let Some(keys) = dubeolsik(&lower) {
        best = best.min(estimate(&keys, list));
    }
    best
}

fn estimate(text: &str, list: &Ranked) -> f64 {
    let mut memo = HashMap::new();
    estimate_in(text, list, &mut memo)
}

/// Guesses per brute-forced character (zxcvbn's cardinality).
const BRUTE: f64 = 1.0; // log10(10)
/// At most this many segments are counted apart for the `l!` factor (more count as
/// this many: a lower estimate, never a higher one).
const MAX_SEGMENTS: usize = 12;
/// Keys on the keyboard model (number row and three letter rows, unshifted).
const KEYS: f64 = 47.0;
/// Directions from a key (a hexagonal grid: left, right and two above, two below).
const DIRECTIONS: f64 = 6.0;

/// The segments that start at each position: (end, log10 guesses).
type Candidates = Vec<Vec<(usize, f64)>>;

fn estimate_in<'a>(text: &'a str, list: &Ranked, memo: &mut HashMap<&'a str, f64>) -> f64 {
    if let Some(&known) = memo.get(text) {
        return known;
    }
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n == 0 {
        return 0.0;
    }
    let offsets: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let mut found: Candidates = vec![Vec::new(); n];
    listed(text, &offsets, list, &mut found);
    walks(&chars, &mut found);
    sequences(&chars, &mut found);
    dates(&chars, &mut found);
    repeats(text, &chars, &offsets, list, memo, &mut found);
    let result = cheapest(n, &found);
    memo.insert(text, result);
    result
}

/// The cheapest segmentation: log10(l! × Π guesses).
fn cheapest(n: usize, found: &Candidates) -> f64 {
    // [position][segments], for paths whose last segment is a pattern (or none yet)
    // and for paths whose last segment is brute force (extended one character at a time).
    let width = MAX_SEGMENTS + 1;
    let mut pattern = vec![f64::INFINITY; (n + 1) * width];
    let mut brute = vec![f64::INFINITY; (n + 1) * width];
    pattern[0] = 0.0;
    for i in 0..n {
        for l in 0..width {
            let from_pattern = pattern[i * width + l];
            let from_brute = brute[i * width + l];
            let here = from_pattern.min(from_brute);
            if here == f64::INFINITY {
                continue;
            }
            let next = (l + 1).min(MAX_SEGMENTS);
            // Brute force: a new segment after a pattern, the same one after brute force.
            let b = &mut brute[(i + 1) * width + next];
            *b = b.min(from_pattern + BRUTE);
            let b = &mut brute[(i + 1) * width + l];
            *b = b.min(from_brute + BRUTE);
            for &(end, guesses) in &found[i] {
                let p = &mut pattern[end * width + next];
                *p = p.min(here + guesses);
            }
        }
    }
    (1..width)
        .map(|l| pattern[n * width + l].min(brute[n * width + l]) + log10_factorial(l))
        .fold(f64::INFINITY, f64::min)
}

fn log10_factorial(n: usize) -> f64 {
    static TABLE: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut sum = 0.0;
        (0..1024usize)
            .map(|k| {
                if k >= 2 {
                    sum += (k as f64).log10();
                }
                sum
            })
            .collect()
    });
    table
        .get(n)
        .copied()
        .unwrap_or_else(|| (2..=n).map(|k| (k as f64).log10()).sum())
}

fn log10_binomial(n: usize, k: usize) -> f64 {
    log10_factorial(n) - log10_factorial(k) - log10_factorial(n - k)
}

/// Listed passwords of at least 3 characters within the text.
fn listed(text: &str, offsets: &[usize], list: &Ranked, found: &mut Candidates) {
    let n = offsets.len() - 1;
    for i in 0..n {
        let mut range = list.by_first_byte[usize::from(text.as_bytes()[offsets[i]])].clone();
        for j in i + 1..=n {
            let prefix = &text[offsets[i]..offsets[j]];
            range = list.narrow(range, prefix);
            if range.is_empty() {
                break;
            }
            if j - i >= 3 && list.words[range.start].0 == prefix {
                let rank = f64::from(list.words[range.start].1).max(10.0);
                found[i].push((j, rank.log10()));
            }
        }
    }
}

/// A key's place: row (0 = number row), column, and whether Shift is held.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key {
    row: i8,
    col: i8,
    shifted: bool,
}

/// The US QWERTY keyboard: unshifted and shifted characters per row, and the
/// column of the row's first key. Rows are staggered by half a key, so each key
/// has six neighbours: left, right, up (same column), up-right, down (same column)
/// and down-left — `1qaz` and `zse4` are straight lines.
const ROWS: [(&str, &str, i8); 4] = [
    ("`1234567890-=", "~!@#$%^&*()_+", 0),
    ("qwertyuiop[]\\", "QWERTYUIOP{}|", 1),
    ("asdfghjkl;'", "ASDFGHJKL:\"", 1),
    ("zxcvbnm,./", "ZXCVBNM<>?", 1),
];

const NEIGHBOURS: [(i8, i8); 6] = [(0, 1), (0, -1), (1, 0), (-1, 0), (1, -1), (-1, 1)];

fn key(c: char) -> Option<Key> {
    ROWS.iter()
        .zip(0i8..)
        .find_map(|(&(plain, shifted, first), row)| {
            let at = |keys: &str| keys.chars().position(|k| k == c);
            let (col, shifted) = match (at(plain), at(shifted)) {
                (Some(col), _) => (col, false),
                (None, Some(col)) => (col, true),
                (None, None) => return None,
            };
            Some(Key {
                row,
                col: first + i8::try_from(col).unwrap_or(i8::MAX),
                shifted,
            })
        })
}

/// The direction (index into [`NEIGHBOURS`]) from `a` to a neighbouring `b`.
fn direction(a: Key, b: Key) -> Option<usize> {
    let delta = (b.row - a.row, b.col - a.col);
    NEIGHBOURS.iter().position(|&d| d == delta)
}

/// log10 of the ways to hold Shift on `shifted` of `len` keys (zxcvbn's rule).
fn log10_shift_ways(shifted: usize, len: usize) -> f64 {
    let plain = len - shifted;
    if shifted == 0 {
        0.0
    } else if plain == 0 {
        2f64.log10()
    } else {
        (1..=shifted.min(plain))
            .map(|k| 10f64.powf(log10_binomial(len, k)))
            .sum::<f64>()
            .log10()
    }
}

/// Keyboard walks and parallel walks.
fn walks(chars: &[char], found: &mut Candidates) {
    let n = chars.len();
    let keys: Vec<Option<Key>> = chars.iter().map(|&c| key(c)).collect();
    // The direction to the next key, when it is a neighbour.
    let step: Vec<Option<usize>> = (0..n)
        .map(|i| match (keys[i], keys.get(i + 1).copied().flatten()) {
            (Some(a), Some(b)) => direction(a, b),
            _ => None,
        })
        .collect();
    let base = (KEYS * DIRECTIONS).log10();
    for i in 0..n {
        let Some(first) = keys[i] else { continue };
        let mut turns = 0;
        let mut straight = true;
        let mut zigzag = true;
        let mut shifted = usize::from(first.shifted);
        for j in i + 1..n {
            let (Some(d), Some(k)) = (step[j - 1], keys[j]) else {
                break;
            };
            let steps = j - i;
            if steps >= 2 && Some(d) != step[j - 2] {
                turns += 1;
                straight = false;
            }
            if steps >= 3 && Some(d) != step[j - 3] {
                zigzag = false;
            }
            shifted += usize::from(k.shifted);
            let len = j - i + 1;
            if len < 3 {
                continue;
            }
            let length = ((len - 2) as f64).log10();
            let mut guesses =
                base + length + turns as f64 * DIRECTIONS.log10() + log10_binomial(len - 1, turns);
            if straight {
                guesses = guesses.min(base + length);
            } else if zigzag {
                guesses = guesses.min(base + DIRECTIONS.log10() + length);
            }
            found[i].push((j + 1, guesses + log10_shift_ways(shifted, len)));
        }
    }
    // The longest straight walk from each key, in keys.
    let mut run = vec![1usize; n + 1];
    for i in (0..n.saturating_sub(1)).rev() {
        if let Some(d) = step[i] {
            run[i] = if step[i + 1] == Some(d) {
                run[i + 1] + 1
            } else {
                2
            };
        }
    }
    for i in 0..n {
        let Some(d) = step[i] else { continue };
        for len in 3..=run[i] {
            let mut copies = 1;
            let mut start = i;
            let mut offset = None;
            while start + 2 * len <= n {
                let next = start + len;
                let (Some(a), Some(b)) = (keys[start], keys[next]) else {
                    break;
                };
                if step[next] != Some(d) || run[next] < len {
                    break;
                }
                let shift = direction(a, b);
                if shift.is_none() || (offset.is_some() && offset != shift) {
                    break;
                }
                offset = shift;
                copies += 1;
                start = next;
                let guesses = base
                    + ((len - 2) as f64).log10()
                    + DIRECTIONS.log10()
                    + f64::from(copies).log10();
                found[i].push((start + len, guesses));
            }
        }
    }
}

/// A character's place in an ordered alphabet, with what must stay the same along a
/// sequence (the rest of a Hangul syllable).
struct Alphabet {
    place: fn(char) -> Option<(i32, u32)>,
    size: i32,
    wraps: bool,
    /// Starts an attacker tries first (besides the first and last).
    obvious: &'static [i32],
}

const ALPHABETS: [Alphabet; 4] = [
    Alphabet {
        place: digit_place,
        size: 10,
        wraps: true,
        obvious: &[1],
    },
    Alphabet {
        place: letter_place,
        size: 26,
        wraps: false,
        obvious: &[],
    },
    Alphabet {
        place: hangul_consonant_place,
        size: 14,
        wraps: false,
        obvious: &[],
    },
    Alphabet {
        place: hangul_vowel_place,
        size: 10,
        wraps: false,
        obvious: &[],
    },
];

fn digit_place(c: char) -> Option<(i32, u32)> {
    c.to_digit(10).map(|d| (d as i32, 0))
}

fn letter_place(c: char) -> Option<(i32, u32)> {
    c.is_ascii_lowercase().then(|| (c as i32 - 'a' as i32, 0))
}

/// The initial consonants in dictionary order without the doubled ones
/// (ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎ), as indices of the 19 initials.
const BASIC_INITIALS: [u32; 14] = [0, 2, 3, 5, 6, 7, 9, 11, 12, 14, 15, 16, 17, 18];
/// The basic vowels in dictionary order (ㅏㅑㅓㅕㅗㅛㅜㅠㅡㅣ), as indices of the 21 medials.
const BASIC_MEDIALS: [u32; 10] = [0, 2, 4, 6, 8, 12, 13, 17, 18, 20];
/// The residue of a lone jamo (no syllable around it).
const LONE_JAMO: u32 = u32::MAX;

/// (initial, medial, final) indices of a precomposed Hangul syllable.
fn syllable(c: char) -> Option<(u32, u32, u32)> {
    let s = u32::from(c).checked_sub(0xAC00).filter(|&s| s < 11_172)?;
    Some((s / 588, s % 588 / 28, s % 28))
}

/// The index of an initial consonant in a lone jamo (compatibility or conjoining).
fn lone_initial(c: char) -> Option<u32> {
    match u32::from(c) {
        cp @ 0x1100..=0x1112 => Some(cp - 0x1100),
        cp @ 0x3131..=0x314E => COMPAT_CONSONANT_INITIAL[(cp - 0x3131) as usize],
        _ => None,
    }
}

/// The index of a medial in a lone jamo (compatibility or conjoining).
fn lone_medial(c: char) -> Option<u32> {
    match u32::from(c) {
        cp @ 0x1161..=0x1175 => Some(cp - 0x1161),
        cp @ 0x314F..=0x3163 => Some(cp - 0x314F),
        _ => None,
    }
}

fn hangul_consonant_place(c: char) -> Option<(i32, u32)> {
    let (initial, residue) = match syllable(c) {
        Some((i, m, f)) => (i, m * 28 + f),
        None => (lone_initial(c)?, LONE_JAMO),
    };
    let place = BASIC_INITIALS.iter().position(|&b| b == initial)?;
    Some((place as i32, residue))
}

fn hangul_vowel_place(c: char) -> Option<(i32, u32)> {
    let (medial, residue) = match syllable(c) {
        Some((i, m, f)) => (m, i * 28 + f),
        None => (lone_medial(c)?, LONE_JAMO),
    };
    let place = BASIC_MEDIALS.iter().position(|&b| b == medial)?;
    Some((place as i32, residue))
}

/// Sequences with a constant step of ±1 or ±2 in one alphabet.
fn sequences(chars: &[char], found: &mut Candidates) {
    let n = chars.len();
    for alphabet in &ALPHABETS {
        let places: Vec<Option<(i32, u32)>> = chars.iter().map(|&c| (alphabet.place)(c)).collect();
        let delta = |a: i32, b: i32| {
            let mut d = b - a;
            if alphabet.wraps {
                d = d.rem_euclid(alphabet.size);
                if d > alphabet.size / 2 {
                    d -= alphabet.size;
                }
            }
            d
        };
        for i in 0..n.saturating_sub(2) {
            let (Some((first, residue)), Some((second, r2))) = (places[i], places[i + 1]) else {
                continue;
            };
            let step = delta(first, second);
            if r2 != residue || step == 0 || step.abs() > 2 {
                continue;
            }
            let obvious =
                first == 0 || first == alphabet.size - 1 || alphabet.obvious.contains(&first);
            let mut base = if obvious {
                4.0
            } else {
                f64::from(alphabet.size)
            };
            if step < 0 {
                base *= 2.0;
            }
            if step.abs() == 2 {
                base *= 2.0;
            }
            let mut previous = second;
            for (j, place) in places.iter().enumerate().skip(i + 2) {
                match *place {
                    Some((p, r)) if r == residue && delta(previous, p) == step => previous = p,
                    _ => break,
                }
                let len = (j - i + 1) as f64;
                found[i].push((j + 1, (base * len).log10()));
            }
        }
    }
}

/// Years (1900–2099) and dates as digits: `yyyymmdd`, `yymmdd`, `mmdd`.
fn dates(chars: &[char], found: &mut Candidates) {
    let digits: Vec<Option<u32>> = chars.iter().map(|c| c.to_digit(10)).collect();
    let number = |at: usize, len: usize| -> Option<u32> {
        digits
            .get(at..at + len)?
            .iter()
            .try_fold(0, |n, d| Some(n * 10 + (*d)?))
    };
    let is_year = |y: u32| (1900..=2099).contains(&y);
    let is_month_day = |md: u32| (1..=12).contains(&(md / 100)) && (1..=31).contains(&(md % 100));
    for (i, here) in found.iter_mut().enumerate() {
        if number(i, 4).is_some_and(is_year) {
            here.push((i + 4, YEARS.log10()));
        }
        if number(i, 4).is_some_and(is_month_day) {
            here.push((i + 4, DAYS.log10()));
        }
        if number(i, 6).is_some_and(|d| is_month_day(d % 10_000)) {
            here.push((i + 6, (100.0 * DAYS).log10()));
        }
        if number(i, 8).is_some_and(|d| is_year(d / 10_000) && is_month_day(d % 10_000)) {
            here.push((i + 8, (YEARS * DAYS).log10()));
        }
    }
}

/// Years a date pattern covers (1900–2099).
const YEARS: f64 = 200.0;
/// Month-day pairs a date pattern counts (12 × 31).
const DAYS: f64 = 372.0;

/// Repeats (`u u … u`) and copies of earlier text, from the longest common extensions
/// of the text with itself shifted by 1 to [`WINDOW`] characters.
fn repeats<'a>(
    text: &'a str,
    chars: &[char],
    offsets: &[usize],
    list: &Ranked,
    memo: &mut HashMap<&'a str, f64>,
    found: &mut Candidates,
) {
    let n = chars.len();
    // The longest copy, at each position, of text that ends before it.
    let mut copied = vec![0usize; n];
    // At each position, the primitive units repeated from there, with the length of
    // the match between the text there and one unit further.
    let mut units: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for shift in 1..=WINDOW.min(n.saturating_sub(1)) {
        let mut run = 0;
        for i in (0..n - shift).rev() {
            run = if chars[i] == chars[i + shift] {
                run + 1
            } else {
                0
            };
            let x = i + shift;
            copied[x] = copied[x].max(run.min(shift));
            // Only repeats that do not extend to the left (the others are rotations of
            // one found further left), and only primitive units: `abab` repeated is
            // `ab` repeated. A unit that is a power `v^k` has `v v` here, so `v` is
            // among the units found before.
            if run >= shift
                && (i == 0 || chars[i - 1] != chars[i - 1 + shift])
                && !units[i]
                    .iter()
                    .any(|&(q, extent)| shift % q == 0 && extent >= shift - q)
            {
                units[i].push((shift, run));
            }
        }
    }
    for (i, here) in units.iter().enumerate() {
        for &(unit, extent) in here {
            let base = if unit == 1 {
                BRUTE
            } else {
                estimate_in(&text[offsets[i]..offsets[i + unit]], list, memo)
            };
            let copies = 1 + extent / unit;
            for k in (2..=copies).filter(|&k| k <= MAX_ENDS || k == copies) {
                found[i].push((i + k * unit, base + (k as f64).log10()));
            }
        }
    }
    for (x, &len) in copied.iter().enumerate() {
        let guesses = (10.0 * x as f64).log10();
        for end in (x + 3..=x + len).filter(|&end| end - x <= MAX_ENDS || end == x + len) {
            found[x].push((end, guesses));
        }
    }
}

/// How far back repeats and copies are looked for, in characters.
const WINDOW: usize = 64;
/// Beyond this many copies of a unit (or characters of a copy), only the longest
/// repeat is a segment.
const MAX_ENDS: usize = 16;

/// The Dubeolsik (Korean 2-set) keys of the 19 initial consonants, lower case
/// (a doubled consonant is Shift and the plain one's key).
const INITIAL_KEYS: [&str; 19] = [
    "r", "r", "s", "e", "e", "f", "a", "q", "q", "t", "t", "d", "w", "w", "c", "z", "x", "v", "g",
];
/// The keys of the 21 medial vowels (compound vowels take two).
const MEDIAL_KEYS: [&str; 21] = [
    "k", "o", "i", "o", "j", "p", "u", "p", "h", "hk", "ho", "hl", "y", "n", "nj", "np", "nl", "b",
    "m", "ml", "l",
];
/// The keys of the 27 finals, after "no final" (clusters take two).
const FINAL_KEYS: [&str; 28] = [
    "", "r", "r", "rt", "s", "sw", "sg", "e", "f", "fr", "fa", "fq", "ft", "fx", "fv", "fg", "a",
    "q", "qt", "t", "t", "d", "w", "c", "z", "x", "v", "g",
];
/// The keys of the compatibility consonants ㄱ (U+3131) … ㅎ (U+314E).
const COMPAT_CONSONANT_KEYS: [&str; 30] = [
    "r", "r", "rt", "s", "sw", "sg", "e", "e", "f", "fr", "fa", "fq", "ft", "fx", "fv", "fg", "a",
    "q", "q", "qt", "t", "t", "d", "w", "w", "c", "z", "x", "v", "g",
];
/// The initial-consonant index of each compatibility consonant, if it can be one.
const COMPAT_CONSONANT_INITIAL: [Option<u32>; 30] = [
    Some(0),
    Some(1),
    None,
    Some(2),
    None,
    None,
    Some(3),
    Some(4),
    Some(5),
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    Some(6),
    Some(7),
    Some(8),
    None,
    Some(9),
    Some(10),
    Some(11),
    Some(12),
    Some(13),
    Some(14),
    Some(15),
    Some(16),
    Some(17),
    Some(18),
];

/// Whether `text` has Hangul (syllables or modern jamo).
pub(crate) fn has_hangul(text: &str) -> bool {
    text.chars().any(|c| hangul_keys(c).is_some())
}

/// The keys typed for one Hangul character, if it is one.
fn hangul_keys(c: char) -> Option<[&'static str; 3]> {
    if let Some((i, m, f)) = syllable(c) {
        return Some([
            INITIAL_KEYS[i as usize],
            MEDIAL_KEYS[m as usize],
            FINAL_KEYS[f as usize],
        ]);
    }
    let one = match u32::from(c) {
        cp @ 0x3131..=0x314E => COMPAT_CONSONANT_KEYS[(cp - 0x3131) as usize],
        cp @ 0x314F..=0x3163 => MEDIAL_KEYS[(cp - 0x314F) as usize],
        cp @ 0x1100..=0x1112 => INITIAL_KEYS[(cp - 0x1100) as usize],
        cp @ 0x1161..=0x1175 => MEDIAL_KEYS[(cp - 0x1161) as usize],
        cp @ 0x11A8..=0x11C2 => FINAL_KEYS[(cp - 0x11A7) as usize],
        _ => return None,
    };
    Some([one, "", ""])
}

/// The QWERTY keys one types for `text` on a Dubeolsik (Korean 2-set) keyboard, lower
/// case, other characters unchanged; `None` when it has no Hangul. Syllables
/// (U+AC00–U+D7A3) are split into initial, vowel and final; compound vowels and final
/// clusters take two keys (ㅘ → `hk`, ㄳ → `rt`); compatibility jamo (U+3131–U+3163)
/// and modern conjoining jamo (which NFKC makes of them) are one key or two.
pub(crate) fn dubeolsik(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut any = false;
    for c in text.chars() {
        match hangul_keys(c) {
            Some(keys) => {
                any = true;
                keys.iter().for_each(|k| out.push_str(k));
            }
            None => out.push(c),
        }
    }
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing() -> Ranked {
        Ranked::new(&[])
    }

    #[test]
    fn dubeolsik_keys() {
        assert_eq!(dubeolsik("홍길동").unwrap(), "ghdrlfehd");
        assert_eq!(dubeolsik("ㅂㅈㄷㄱ").unwrap(), "qwer");
        assert_eq!(dubeolsik("과 닭 값 ㄳ ㅘ").unwrap(), "rhk ekfr rkqt rt hk");
        assert_eq!(dubeolsik("꽃").unwrap(), "rhc");
        assert_eq!(dubeolsik("민원 2026!").unwrap(), "alsdnjs 2026!");
        assert_eq!(dubeolsik("abc"), None);
        // NFKC turns compatibility jamo into conjoining ones, and composes L + V.
        use unicode_normalization::UnicodeNormalization;
        let typed: String = "ㅂㅈㄷㄱㅅㅛㅕ".nfkc().collect();
        assert_eq!(dubeolsik(&typed).unwrap(), "qwertyu");
        let finals: String = "\u{1100}\u{1161}\u{11A8}\u{11C2}".chars().collect();
        assert_eq!(dubeolsik(&finals).unwrap(), "rkrg");
    }

    #[test]
    fn keyboard_model() {
        let k = |c| key(c).unwrap();
        assert_eq!(direction(k('q'), k('w')), Some(0));
        assert_eq!(direction(k('1'), k('q')), Some(2));
        assert_eq!(direction(k('q'), k('a')), Some(2));
        assert_eq!(direction(k('a'), k('z')), Some(2));
        assert_eq!(direction(k('z'), k('s')), Some(5));
        assert_eq!(direction(k('s'), k('e')), Some(5));
        assert_eq!(direction(k('e'), k('4')), Some(5));
        assert_eq!(direction(k('!'), k('@')), Some(0));
        assert_eq!(direction(k('p'), k('a')), None);
        assert_eq!(direction(k('z'), k('2')), None);
    }

    /// Patterns alone, without the list, find these cheap.
    #[test]
    fn patterns_without_the_list() {
        let list = nothing();
        for (text, most) in [
            ("qwertyuiop", 4.0),
            ("1234567890123456", 2.5),
            ("abcdefghijklmnop", 2.5),
            ("1qaz2wsx3edc4rfv", 5.0),
            ("qazwsxedcrfv", 5.0),
            ("qwertyuiopasdfgh", 7.0),
            ("aaaaaaaaaaaaaaaaab", 4.0),
            ("abcabcabcabc", 4.0),
            ("1q2w3e4r5t6y7u8i", 6.0),
            ("!@#$%^&*()", 4.0),
            ("zaq1xsw2cde3vfr4", 6.0),
            ("가나다라마바사아자차카타파하", 3.0),
            ("아야어여오요우유으이", 3.0),
            ("ㅂㅈㄷㄱ쇼ㅕㅑㅐㅔㅁㄴㅇㄹ호ㅓㅏㅣ", 8.0),
            ("9876543210", 2.5),
            ("13579135791357", 4.0),
        ] {
            let guesses = log10_guesses(text, &list);
            assert!(guesses < most, "{text}: 10^{guesses:.1}");
        }
        for (text, least) in [
            ("x7#kq9!mz2@vl4$w", 15.0),
            ("qpwoeirutyalskdj", 10.0),
            ("시월의마지막밤을기억하나요", 12.0),
        ] {
            let guesses = log10_guesses(text, &list);
            assert!(guesses >= least, "{text}: 10^{guesses:.1}");
        }
    }

    #[test]
    fn the_list_by_prefix() {
        let list = Ranked::new(&["password\nqwerty\npass\nfriend of emily\npassword\n"]);
        assert_eq!(list.len(), 4);
        assert_eq!(list.rank("password"), Some(1));
        assert_eq!(list.rank("pass"), Some(3));
        assert_eq!(list.rank("passw"), None);
        assert_eq!(list.narrow(0..4, "pass"), 1..3);
        assert_eq!(list.narrow(0..4, "passwo"), 2..3);
        assert!(list.narrow(0..4, "x").is_empty());
        // "xxpasswordyy": the listed word, 10 guesses (its rank is below 10), plus 4 brute-forced.
        // "xzpasswordyq": 10^2 × 10 (the rank is below 10) × 10^2, three segments (× 3!).
        let g = log10_guesses("xzpasswordyq", &list);
        assert!((g - (5.0 + 6f64.log10())).abs() < 1e-9, "{g}");
    }
}
