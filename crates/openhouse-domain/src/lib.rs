//! openhouse rules with no HTTP and no storage in them: errors, IDs, time formats, lead
//! validation and the lead search model. Pure and unit-tested.

pub mod auth;
pub mod error;
pub mod id;
pub mod lead;
pub mod people;
pub mod search;
pub mod time;
pub mod timeline;

pub use error::{Error, ErrorKind, Result};
