//! Lead routing (5.4): the rules' operations, and openhouse's own (create, order, delete rules;
//! the routing time zone; offers and claims). Offers out of time are run by [`crate::jobs`].

pub mod routes;
