//! The framework's one rule for text that arrives from outside, and what
//! "required text" means.
//!
//! **Refused at the edge** ([`is_refused_control`]): the C0 control characters
//! except tab, line feed and carriage return (U+0000–U+0008, U+000B, U+000C,
//! U+000E–U+001F), DEL (U+007F) and the C1 controls (U+0080–U+009F).
//! PostgreSQL text cannot hold U+0000, and none of them is typed by a person:
//! refusing all of them at the edge (egov-http's route check, egov-validation's
//! extractors) makes both databases behave the same and keeps them out of
//! logs, CSV exports and pages. Tab and line breaks stay allowed, since
//! multi-line fields need them; a field that must be one line says so with
//! egov-validation's `single_line` rule.
//!
//! **Visible text** ([`is_visible_text`]): what is left after removing white
//! space (including U+3000 and no-break spaces), control characters and the
//! characters that render as nothing (zero-width space and joiners, word
//! joiner, BOM, soft hyphen, bidirectional controls, Hangul fillers). A
//! required text — a title, the reason for a download — must have some.
//!
//! ```
//! use egov_core::text::{first_refused_control, is_visible_text};
//!
//! assert_eq!(first_refused_control("a\u{0}b"), Some('\u{0}'));
//! assert_eq!(first_refused_control("줄 하나\n줄 둘\t끝"), None);
//! assert!(is_visible_text(" 민원 처리 "));
//! assert!(!is_visible_text("\u{200b}\u{3000}\u{feff} "));
//! ```

/// Whether `c` is refused in text from outside: C0 controls other than tab,
/// LF and CR; DEL; C1 controls.
pub fn is_refused_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// The first refused character of `text` ([`is_refused_control`]), if any.
pub fn first_refused_control(text: &str) -> Option<char> {
    text.chars().find(|&c| is_refused_control(c))
}

/// Whether `c` renders as nothing: controls, format characters that have no
/// glyph (zero-width space, non-joiner, joiner, word joiner, BOM, soft
/// hyphen, bidirectional marks and controls, invisible operators), Hangul
/// fillers and the Mongolian vowel separator.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{ad}'
                | '\u{34f}'
                | '\u{61c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{feff}'
                | '\u{ffa0}'
        )
}

/// Whether `text` has at least one character that is neither white space nor
/// [invisible](is_invisible).
pub fn is_visible_text(text: &str) -> bool {
    text.chars().any(|c| !c.is_whitespace() && !is_invisible(c))
}

/// Appends `text` to `out` safe inside HTML text and quoted attribute values:
/// `& < > " '` become character references. The one escaping every page the
/// framework writes by hand uses (code-table `<option>`s, the change-password
/// page).
///
/// ```
/// let mut html = String::from("<b>");
/// egov_core::text::push_html_escaped(&mut html, "\"민원\" <script> & 'x'");
/// assert_eq!(html, "<b>&quot;민원&quot; &lt;script&gt; &amp; &#39;x&#39;");
/// ```
pub fn push_html_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// [`push_html_escaped`] into a new string.
pub fn html_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_html_escaped(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_controls_are_exactly_c0_but_tab_and_line_breaks_del_and_c1() {
        for code in 0u32..=0x10ff {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let expected = (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) && code <= 0x9f;
            assert_eq!(is_refused_control(c), expected, "U+{code:04X}");
        }
    }

    #[test]
    fn visible_text_needs_a_glyph() {
        for blank in [
            "",
            " ",
            "\t\n",
            "\u{3000}",
            "\u{a0}",
            "\u{200b}",
            "\u{feff}\u{2060}",
            "\u{1}",
            "\u{7f}",
            "\u{3164}",
            "\u{202e} ",
        ] {
            assert!(!is_visible_text(blank), "{blank:?}");
        }
        for visible in ["a", " 가 ", "\u{200b}x", "0", "-"] {
            assert!(is_visible_text(visible), "{visible:?}");
        }
    }
}
