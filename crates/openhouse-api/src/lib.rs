//! Wire types of the Lofty Open API v1.0 as openhouse serves it.
//!
//! Every request and response body, with the JSON field names of the contract
//! (`shared/seed/lofty-open-api-v1.txt`). No I/O: an API client can depend on this crate.

pub mod calendar;
pub mod common;
pub mod comms;
pub mod features;
pub mod leads;
pub mod listings;
pub mod logs;
pub mod notes;
pub mod people;
pub mod published;
pub mod routing;
pub mod tasks;
pub mod transactions;
pub mod webhooks;

pub use calendar::*;
pub use common::*;
pub use comms::*;
pub use features::*;
pub use leads::*;
pub use listings::*;
pub use logs::*;
pub use notes::*;
pub use people::*;
pub use published::*;
pub use routing::*;
pub use tasks::*;
pub use transactions::*;
pub use webhooks::*;
