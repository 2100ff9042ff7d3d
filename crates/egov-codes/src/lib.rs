//! # egov-codes
//!
//! Common code tables (공통코드). Work in progress (issue 5).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
