//! Paging: a [`PageRequest`] with a hard maximum size, and a [`Page`] of results.
//!
//! Pages are 1-based, as citizens and eGovFrame's `PaginationInfo` count them.
//! No request can ask for more than [`MAX_PAGE_SIZE`] items: an unbounded list
//! endpoint is a denial-of-service and bulk-extraction risk for personal data.

use serde::{Deserialize, Serialize};

use crate::message::Message;
use crate::problem::{FieldError, Problem, ProblemType};

/// The largest page any list endpoint returns.
pub const MAX_PAGE_SIZE: u32 = 100;
/// The page size when the client names none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// A request for one page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPageRequest")]
pub struct PageRequest {
    page: u32,
    size: u32,
}

#[derive(Deserialize)]
struct RawPageRequest {
    #[serde(default = "first_page")]
    page: u32,
    #[serde(default = "default_size")]
    size: u32,
}

fn first_page() -> u32 {
    1
}
fn default_size() -> u32 {
    DEFAULT_PAGE_SIZE
}

/// A page request out of bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagingError {
    /// Pages start at 1.
    #[error("page must be at least 1")]
    PageZero,
    /// Size must be within 1..=MAX_PAGE_SIZE.
    #[error("page size must be between 1 and {MAX_PAGE_SIZE}, got {0}")]
    SizeOutOfRange(u32),
}

impl From<PagingError> for Problem {
    fn from(error: PagingError) -> Self {
        let field = match error {
            PagingError::PageZero => FieldError::new(
                "/page",
                "range",
                Message::new("field-range")
                    .arg("min", 1)
                    .arg("max", u32::MAX),
            ),
            PagingError::SizeOutOfRange(_) => FieldError::new(
                "/size",
                "range",
                Message::new("field-range")
                    .arg("min", 1)
                    .arg("max", MAX_PAGE_SIZE),
            ),
        };
        Problem::new(ProblemType::VALIDATION_FAILED).with_field_error(field)
    }
}

impl TryFrom<RawPageRequest> for PageRequest {
    type Error = PagingError;
    fn try_from(raw: RawPageRequest) -> Result<Self, Self::Error> {
        PageRequest::new(raw.page, raw.size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    /// Page `page` (1-based) of `size` items.
    pub fn new(page: u32, size: u32) -> Result<Self, PagingError> {
        if page == 0 {
            return Err(PagingError::PageZero);
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(PagingError::SizeOutOfRange(size));
        }
        Ok(Self { page, size })
    }

    /// The page number, from 1.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Rows to skip (`OFFSET`).
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.size)
    }

    /// Rows to return (`LIMIT`).
    pub fn limit(&self) -> u32 {
        self.size
    }
}

/// One page of results, with the totals a pager needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    /// The requested page size.
    pub size: u32,
    /// Items across all pages.
    pub total_items: u64,
    /// Number of pages (0 when there are no items).
    pub total_pages: u64,
}

impl<T> Page<T> {
    /// A page of `items` answering `request`, out of `total_items`.
    pub fn new(items: Vec<T>, request: PageRequest, total_items: u64) -> Self {
        Self {
            items,
            page: request.page,
            size: request.size,
            total_items,
            total_pages: total_items.div_ceil(u64::from(request.size)),
        }
    }

    /// The same page with each item transformed.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            size: self.size,
            total_items: self.total_items,
            total_pages: self.total_pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults_apply_when_fields_are_absent() {
        let request: PageRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(request, PageRequest::default());
        assert_eq!(
            (request.page(), request.size(), request.offset()),
            (1, 20, 0)
        );
    }

    #[test]
    fn oversized_and_zero_requests_are_rejected() {
        assert_eq!(
            PageRequest::new(1, MAX_PAGE_SIZE + 1),
            Err(PagingError::SizeOutOfRange(101))
        );
        assert_eq!(PageRequest::new(0, 10), Err(PagingError::PageZero));
        assert!(serde_json::from_str::<PageRequest>(r#"{"size": 1000}"#).is_err());
        let problem = Problem::from(PagingError::SizeOutOfRange(1000));
        assert_eq!(problem.status(), 422);
        assert_eq!(problem.errors()[0].field, "/size");
    }

    #[test]
    fn page_totals() {
        let page = Page::new(vec![1, 2, 3], PageRequest::new(2, 3).unwrap(), 7);
        assert_eq!(page.total_pages, 3);
        assert_eq!(page.map(|n| n * 2).items, vec![2, 4, 6]);
        assert_eq!(
            Page::<u8>::new(vec![], PageRequest::default(), 0).total_pages,
            0
        );
    }

    proptest! {
        #[test]
        fn accepted_requests_are_bounded(page in any::<u32>(), size in any::<u32>()) {
            if let Ok(request) = PageRequest::new(page, size) {
                prop_assert!(request.limit() >= 1 && request.limit() <= MAX_PAGE_SIZE);
                prop_assert_eq!(request.offset(), u64::from(page - 1) * u64::from(size));
            }
        }
    }
}
