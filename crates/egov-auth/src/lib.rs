//! # egov-auth
//!
//! Accounts, passwords, tokens and authorization. Work in progress (issue 6).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
