//! Leads (section 5.5 of the contract).

mod create;
mod delete;
mod edit;
pub(crate) mod extras;
mod get;
mod search;

use std::borrow::Borrow;
use std::collections::HashMap;

use openhouse_api::{CustomRole, LeadProperty, LeadResponse, UserLeadTagVo};
use openhouse_domain::auth::Principal;
use openhouse_domain::lead::Lead;
use openhouse_domain::{Error, time};
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
        .map(|l| to_response(l.borrow(), &names, &ponds))
        .collect())
}

/// The lead's roles besides its agent: the lender, then the custom roles (Assistant, ...).
fn custom_roles(l: &Lead, names: &HashMap<i64, String>) -> Vec<CustomRole> {
    let lender = l.lender_user_id.map(|id| CustomRole {
        assignee: names.get(&id).cloned(),
        assignee_id: Some(id),
        role: "Lender".into(),
        role_id: extras::ROLE_LENDER,
    });
    lender
        .into_iter()
        .chain(l.doc.custom_roles.iter().cloned())
        .collect()
}

fn to_response(
    l: &Lead,
    names: &HashMap<i64, String>,
    ponds: &HashMap<i64, String>,
) -> LeadResponse {
    let d = l.doc.clone();
    LeadResponse {
        assign_completion_status: l.assigned_user_id.is_some(),
        assign_time: time::format_opt_ms(l.assign_time),
        assigned_user: l.assigned_user_id.and_then(|id| names.get(&id).cloned()),
        assigned_user_id: l.assigned_user_id,
        create_time: time::format_ms(l.create_time),
        custom_attributes: d.custom_attributes,
        custom_role_list: custom_roles(l, names),
        emails: d.emails,
        facebook: None,
        first_name: l.first_name.clone(),
        groups: d.segments.clone(),
        hidden_flag: d.hidden,
        language: l.language,
        last_name: l.last_name.clone(),
        last_touch: time::format_opt_ms(l.stats.last_touch),
        last_update_time: time::format_ms(l.update_time),
        last_visit: time::format_opt_ms(l.stats.last_visit),
        lead_id: l.id,
        lead_inquiry: d.inquiry,
        lead_property_list: d
            .properties
            .into_iter()
            .map(|p| LeadProperty {
                lead_user_id: Some(l.id),
                ..p
            })
            .collect(),
        lead_source: None,
        lead_user_id: l.id,
        lender_user_id: l.lender_user_id,
        opportunity: None,
        ownership_id: l.ownership_id,
        ownership_scope: l.ownership_scope.unwrap_or_default(),
        phone_statuses: d.phones.iter().map(|_| 2).collect(),
        phones: d.phones,
        pond_id: (l.pond_id > 0).then_some(l.pond_id),
        pond_name: ponds.get(&l.pond_id).cloned(),
        score: l.stats.score.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
        segments: d.segments,
        source: l.source.clone(),
        stage: l.stage.clone(),
        stage_id: None,
        tags: d
            .tags
            .into_iter()
            .map(|t| UserLeadTagVo {
                create_time: time::format_ms(t.create_time),
                creator_user_id: t.creator_user_id,
                lead_id: l.id,
                tag_id: t.id,
                tag_name: t.name,
                update_time: time::format_ms(t.create_time),
                visible_type: 0,
            })
            .collect(),
        team_id: l.team_id,
        twitter: None,
        profile: d.profile,
    }
}
