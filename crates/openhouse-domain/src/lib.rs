//! openhouse rules with no HTTP and no storage in them: errors, IDs, time formats, lead
//! validation, the lead search model and the calendar's rules. Pure and unit-tested.

pub mod auth;
pub mod brokermint;
pub mod calendar;
pub mod custom_fields;
pub mod error;
pub mod event;
pub mod id;
pub mod lead;
pub mod listing;
pub mod people;
pub mod routing;
pub mod search;
pub mod time;
pub mod timeline;
pub mod transaction;
pub mod visibility;

pub use error::{Error, ErrorKind, Result};
