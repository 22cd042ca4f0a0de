//! Lead routing (5.4): the rules' operations, openhouse's own (create, order, delete rules; the
//! routing time zone; offers and claims), and the worker that runs offers out of time.

pub mod routes;
pub mod worker;
