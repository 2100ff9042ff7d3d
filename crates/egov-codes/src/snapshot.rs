//! The immutable in-memory snapshot every lookup reads.
//!
//! A [`Snapshot`] holds every category, group and code as of one committed
//! change version. It never changes: a reload builds a new one and swaps it in
//! atomically ([`crate::CodeRegistry::snapshot`]), so a reader holding a
//! snapshot sees one consistent state, and readers never wait for a reload.
//!
//! Lookups are hash lookups on borrowed `&str` keys (no allocation); lists are
//! pre-sorted (`sort_order`, then code), so listing a group only filters.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use crate::model::{Category, Code, CodeGroup};

/// The snapshot's maps hash with rustc's FxHash: much faster than SipHash on
/// short keys. The keys are written by administrators, not by callers, so the
/// flooding resistance of the default hasher buys nothing here; lookups with a
/// caller-supplied key only ever read.
type FxMap<K, V> = HashMap<K, V, rustc_hash::FxBuildHasher>;

/// One group with its codes, sorted and indexed.
#[derive(Debug)]
pub struct GroupCodes {
    group: CodeGroup,
    /// Sorted by (`sort_order`, code).
    codes: Vec<Code>,
    index: FxMap<Box<str>, usize>,
    /// Positions (in `codes`) of each parent's children, in list order.
    children: FxMap<Box<str>, Vec<usize>>,
}

impl GroupCodes {
    fn new(group: CodeGroup, mut codes: Vec<Code>) -> Self {
        codes.sort_by(|a, b| (a.sort_order, &a.code).cmp(&(b.sort_order, &b.code)));
        let mut index = FxMap::default();
        let mut children: FxMap<Box<str>, Vec<usize>> = FxMap::default();
        for (i, code) in codes.iter().enumerate() {
            index.insert(code.code.as_str().into(), i);
            if let Some(parent) = &code.parent {
                children.entry(parent.as_str().into()).or_default().push(i);
            }
        }
        Self {
            group,
            codes,
            index,
            children,
        }
    }

    /// The group.
    pub fn group(&self) -> &CodeGroup {
        &self.group
    }

    /// Every code of the group, active or not, in list order.
    pub fn all(&self) -> &[Code] {
        &self.codes
    }
}

/// What a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFilter {
    /// Only codes valid on this date (and active). `None`: every active code
    /// whatever its dates.
    pub at: Option<Date>,
    /// Also inactive codes and codes outside their validity (admins).
    pub include_inactive: bool,
}

impl ListFilter {
    /// Codes valid on `date`.
    pub fn valid_on(date: Date) -> Self {
        Self {
            at: Some(date),
            include_inactive: false,
        }
    }

    /// Everything, inactive included.
    pub fn everything() -> Self {
        Self {
            at: None,
            include_inactive: true,
        }
    }

    fn admits(&self, group_active: bool, code: &Code) -> bool {
        if self.include_inactive {
            return true;
        }
        group_active
            && match self.at {
                Some(date) => code.is_valid_on(date),
                None => code.active,
            }
    }
}

/// One `<option>` of a select box.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectOption {
    /// The submitted value: the code.
    pub value: String,
    /// The text shown: the label in the requested locale.
    pub label: String,
}

/// Every category, group and code as of one change version.
#[derive(Debug, Default)]
pub struct Snapshot {
    version: i64,
    categories: Vec<Category>,
    groups: FxMap<Box<str>, GroupCodes>,
    code_count: usize,
}

impl Snapshot {
    /// Builds a snapshot from rows (codes of unknown groups are dropped).
    pub fn build(
        version: i64,
        mut categories: Vec<Category>,
        groups: Vec<CodeGroup>,
        codes: Vec<Code>,
    ) -> Self {
        categories.sort_by(|a, b| a.id.cmp(&b.id));
        let mut by_group: FxMap<Box<str>, Vec<Code>> = FxMap::default();
        let code_count = codes.len();
        for code in codes {
            by_group
                .entry(code.group.as_str().into())
                .or_default()
                .push(code);
        }
        let groups = groups
            .into_iter()
            .map(|group| {
                let codes = by_group.remove(group.id.as_str()).unwrap_or_default();
                (group.id.as_str().into(), GroupCodes::new(group, codes))
            })
            .collect();
        Self {
            version,
            categories,
            groups,
            code_count,
        }
    }

    /// The change version this snapshot was built from (0: nothing was ever
    /// written). Strictly grows with every committed change.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// How many codes it holds.
    pub fn code_count(&self) -> usize {
        self.code_count
    }

    /// Every category, by id.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// Every group, sorted by id.
    pub fn groups(&self) -> Vec<&CodeGroup> {
        let mut groups: Vec<&CodeGroup> = self.groups.values().map(|g| &g.group).collect();
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        groups
    }

    /// The group `id` with its codes.
    #[inline]
    pub fn group_codes(&self, id: &str) -> Option<&GroupCodes> {
        self.groups.get(id)
    }

    /// The group `id`.
    pub fn group(&self, id: &str) -> Option<&CodeGroup> {
        self.groups.get(id).map(|g| &g.group)
    }

    /// The code `code` of `group`, whatever its state.
    #[inline]
    pub fn code(&self, group: &str, code: &str) -> Option<&Code> {
        let entry = self.groups.get(group)?;
        entry.index.get(code).map(|&i| &entry.codes[i])
    }

    /// Whether `code` is a valid code of `group` on `date`: the group and the
    /// code are active and `date` lies in the code's validity.
    #[inline]
    pub fn is_valid(&self, group: &str, code: &str, date: Date) -> bool {
        self.groups.get(group).is_some_and(|entry| {
            entry.group.active
                && entry
                    .index
                    .get(code)
                    .is_some_and(|&i| entry.codes[i].is_valid_on(date))
        })
    }

    /// The codes of `group` that `filter` admits, in list order; `None` when
    /// the group does not exist.
    pub fn list<'a>(
        &'a self,
        group: &str,
        filter: ListFilter,
    ) -> Option<impl Iterator<Item = &'a Code> + 'a> {
        let entry = self.groups.get(group)?;
        let active = entry.group.active;
        Some(entry.codes.iter().filter(move |c| filter.admits(active, c)))
    }

    /// The children of `code` in `group` that `filter` admits, in list order.
    pub fn children<'a>(&'a self, group: &str, code: &str, filter: ListFilter) -> Vec<&'a Code> {
        let Some(entry) = self.groups.get(group) else {
            return Vec::new();
        };
        entry.children.get(code).map_or_else(Vec::new, |positions| {
            positions
                .iter()
                .map(|&i| &entry.codes[i])
                .filter(|c| filter.admits(entry.group.active, c))
                .collect()
        })
    }

    /// The group as select-box options in `locale` (labels fall back through
    /// `fallbacks`), valid on `date`, in list order — what eGovFrame's JSPs
    /// render with `<form:options items="${…}" itemValue="code" itemLabel="codeNm"/>`.
    pub fn select_options(
        &self,
        group: &str,
        locale: &str,
        fallbacks: &[&str],
        date: Date,
    ) -> Vec<SelectOption> {
        self.list(group, ListFilter::valid_on(date))
            .map(|codes| {
                codes
                    .map(|c| SelectOption {
                        value: c.code.clone(),
                        label: c.label(locale, fallbacks).to_owned(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The same options as HTML `<option>` elements, text escaped, with
    /// `selected` on the option whose value is `selected`.
    pub fn select_options_html(
        &self,
        group: &str,
        locale: &str,
        fallbacks: &[&str],
        date: Date,
        selected: Option<&str>,
    ) -> String {
        let mut html = String::new();
        for option in self.select_options(group, locale, fallbacks, date) {
            html.push_str("<option value=\"");
            egov_core::text::push_html_escaped(&mut html, &option.value);
            html.push('"');
            if selected == Some(option.value.as_str()) {
                html.push_str(" selected");
            }
            html.push('>');
            egov_core::text::push_html_escaped(&mut html, &option.label);
            html.push_str("</option>");
        }
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Attributes, Labels, Stamp, parse_date};

    fn stamp() -> Stamp {
        Stamp {
            version: 1,
            created_at: String::new(),
            created_by: String::new(),
            updated_at: String::new(),
            updated_by: String::new(),
        }
    }

    fn code(code: &str, order: i64, label: &str) -> Code {
        Code {
            group: "G".into(),
            code: code.into(),
            labels: Labels::from([("ko".into(), label.into())]),
            description: None,
            sort_order: order,
            parent: None,
            valid_from: None,
            valid_to: None,
            active: true,
            attributes: Attributes::new(),
            stamp: stamp(),
        }
    }

    fn snapshot(codes: Vec<Code>) -> Snapshot {
        let group = CodeGroup {
            id: "G".into(),
            category: None,
            labels: Labels::from([("ko".into(), "그룹".into())]),
            description: None,
            custodian: None,
            active: true,
            stamp: stamp(),
        };
        Snapshot::build(7, vec![], vec![group], codes)
    }

    #[test]
    fn lists_are_sorted_filtered_and_hierarchical() {
        let mut old = code("OLD", 1, "옛");
        old.valid_to = parse_date("2025-12-31");
        let mut off = code("OFF", 2, "끔");
        off.active = false;
        let mut child = code("11", 5, "자식");
        child.parent = Some("1".into());
        let s = snapshot(vec![
            code("2", 3, "둘"),
            child,
            code("1", 3, "하나 <&>"),
            old,
            off,
        ]);
        let day = parse_date("2026-01-01").unwrap();
        let listed: Vec<&str> = s
            .list("G", ListFilter::valid_on(day))
            .unwrap()
            .map(|c| c.code.as_str())
            .collect();
        assert_eq!(listed, ["1", "2", "11"]);
        let all: Vec<&str> = s
            .list("G", ListFilter::everything())
            .unwrap()
            .map(|c| c.code.as_str())
            .collect();
        assert_eq!(all, ["OLD", "OFF", "1", "2", "11"]);
        assert!(s.is_valid("G", "OLD", parse_date("2025-12-31").unwrap()));
        assert!(!s.is_valid("G", "OLD", day));
        assert!(!s.is_valid("G", "OFF", day));
        assert!(!s.is_valid("H", "1", day));
        assert_eq!(s.children("G", "1", ListFilter::valid_on(day)).len(), 1);
        assert!(s.list("H", ListFilter::everything()).is_none());
        assert_eq!(
            s.select_options_html("G", "en", &[], day, Some("2")),
            "<option value=\"1\">하나 &lt;&amp;&gt;</option><option value=\"2\" selected>둘</option>\
             <option value=\"11\">자식</option>"
        );
        assert_eq!(s.version(), 7);
        assert_eq!(s.code("G", "2").unwrap().label("ko", &[]), "둘");
    }
}
