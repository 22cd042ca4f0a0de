//! Leads (section 5.5 of the contract).

mod create;
mod delete;
mod edit;
pub(crate) mod extras;
mod get;
mod search;

use std::borrow::Borrow;

use openhouse_api::LeadResponse;
use openhouse_domain::Error;
use openhouse_domain::auth::Principal;
use openhouse_domain::lead::Lead;
use openhouse_store::render;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_lead, search::search_leads))
        .routes(routes!(search::search_by_create_time))
        .routes(routes!(search::search_by_update_time))
        .routes(routes!(get::get_lead, edit::edit_lead, delete::delete_lead))
        .routes(routes!(extras::list_activities))
        .routes(routes!(extras::add_activity))
        .routes(routes!(extras::place_inquiry))
        .routes(routes!(extras::place_property))
        .routes(routes!(extras::assign))
        .routes(routes!(extras::find_assignees))
        .routes(routes!(extras::specified_url))
        .routes(routes!(extras::verify_login_token))
}

/// Shows leads as the API does, looking up the names of their assignees in one query.
pub(crate) async fn respond<L: Borrow<Lead>>(
    state: &AppState,
    who: &Principal,
    leads: &[L],
) -> Result<Vec<LeadResponse>, Error> {
    let ids: Vec<i64> = leads
        .iter()
        .flat_map(|l| {
            let l = l.borrow();
            l.assigned_user_id.into_iter().chain(l.lender_user_id)
        })
        .collect();
    let names = crate::user_names(state, who, ids).await?;
    let mut pond_ids: Vec<i64> = leads
        .iter()
        .map(|l| l.borrow().pond_id)
        .filter(|p| *p > 0)
        .collect();
    pond_ids.sort_unstable();
    pond_ids.dedup();
    let ponds = state.store.pond_names(who.team_id, &pond_ids).await?;
    Ok(leads
        .iter()
        .map(|l| render::lead(l.borrow(), &names, &ponds))
        .collect())
}
