//! Notes (section 5.7 of the contract).

mod read;
mod write;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(write::create_note, read::list_notes))
        .routes(routes!(
            read::get_note,
            write::edit_note,
            write::delete_note
        ))
}
