//! Lead transactions (sections 5.5.17 – 5.5.23 of the contract) and the Brokermint callbacks
//! (5.5.1, 5.5.2), all under the contract's Leads tag.

mod brokermint;
mod read;
mod write;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write::create_transaction))
        .routes(routes!(read::get_transaction, write::edit_transaction))
        .routes(routes!(read::list_transactions))
        .routes(routes!(write::set_property_address))
        .routes(routes!(read::get_property_address))
        .routes(routes!(read::custom_fields))
        .routes(routes!(brokermint::sync_contact))
        .routes(routes!(brokermint::sync_transaction))
}
