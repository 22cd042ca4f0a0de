//! sea-orm entities, one module per table of [`crate::migration`].

macro_rules! entity {
    ($module:ident, $table:literal, { $( $(#[$meta:meta])* pub $name:ident : $ty:ty ),* $(,)? }) => {
        pub mod $module {
            use sea_orm::entity::prelude::*;

            #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
            #[sea_orm(table_name = $table)]
            pub struct Model {
                $( $(#[$meta])* pub $name: $ty, )*
            }

            impl Model {
                /// The model from a row of a SQLite query that selects every column in the
                /// order of the fields, as sea-orm's own selects do (see [`crate::sqlite_read`]).
                #[allow(dead_code)]
                pub(crate) fn from_sqlite_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                    let mut i = 0usize;
                    let mut next = || {
                        i += 1;
                        i - 1
                    };
                    Ok(Self { $( $name: row.get(next())?, )* })
                }
            }

            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}

            impl ActiveModelBehavior for ActiveModel {}
        }
    };
}

entity!(team, "teams", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub name: String,
    pub create_time: i64,
    /// The broker team this team was created under (0: none).
    pub parent_team_id: i64,
    /// Seats: how many users with a seat the team may have (0: no limit).
    pub seat_limit: i32,
    /// The company record (CompanyOpenVo), as JSON.
    #[sea_orm(column_type = "Text")]
    pub company: String,
    /// When a broker removed the team (0: live).
    pub delete_time: i64,
});

entity!(office, "offices", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// The office it belongs to (0: directly under the team).
    pub parent_id: i64,
    pub name: String,
    pub allow_manage_sub: bool,
    /// Address and contact details (OfficeOpenVo), as JSON.
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(notification, "notifications", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub user_id: i64,
    pub lead_id: i64,
    pub notification_type: i32,
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    pub create_time: i64,
    pub read_time: i64,
});

entity!(user, "users", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub email: String,
    pub email_key: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub role: String,
    pub create_time: i64,
    pub update_time: i64,
    /// The office the user belongs to (0: none, directly under the team).
    pub office_id: i64,
    /// The permission profile (see `openhouse_domain::people::Profile`).
    pub profile_id: i64,
    pub phone: Option<String>,
    /// An IANA time zone.
    pub time_zone: Option<String>,
    /// 1: active.
    pub status: i32,
    pub invitor_user_id: i64,
    /// 1: a user with a seat; 2: display only (no seat).
    pub seat_type: i32,
    /// The rest of the profile (agent info, photos, social media, work info), as JSON.
    #[sea_orm(column_type = "Text")]
    pub doc: String,
});

entity!(credential, "credentials", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub team_id: i64,
    pub user_id: i64,
    pub kind: String,
    pub app_id: Option<i64>,
    pub create_time: i64,
    pub expire_time: i64,
    pub name: String,
    /// The OAuth grant (refresh-token family) an access token belongs to; 0: none.
    pub family_id: i64,
    /// An access token's scopes, space-separated ("": its app's).
    #[sea_orm(column_type = "Text")]
    pub scope: String,
});

entity!(oauth_app, "oauth_apps", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub name: String,
    pub client_id: String,
    pub secret_hash: String,
    pub vendor_key_hash: String,
    #[sea_orm(column_type = "Text")]
    pub redirect_uris: String,
    #[sea_orm(column_type = "Text")]
    pub scopes: String,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(oauth_refresh_token, "oauth_refresh_tokens", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub team_id: i64,
    pub user_id: i64,
    pub app_id: i64,
    pub family_id: i64,
    #[sea_orm(column_type = "Text")]
    pub scope: String,
    pub create_time: i64,
    pub expire_time: i64,
    pub spent_time: i64,
});

entity!(user_password, "user_passwords", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(column_type = "Text")]
    pub password_hash: String,
    pub update_time: i64,
});

entity!(invitation, "invitations", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub team_id: i64,
    pub user_id: i64,
    pub create_time: i64,
    pub expire_time: i64,
    pub used_time: i64,
});

entity!(sign_in_failure, "sign_in_failures", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub failures: i32,
    pub first_time: i64,
    pub locked_until: i64,
});

entity!(oauth_code, "oauth_codes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub team_id: i64,
    pub app_id: i64,
    pub user_id: i64,
    #[sea_orm(column_type = "Text")]
    pub redirect_uri: String,
    #[sea_orm(column_type = "Text")]
    pub scope: String,
    pub challenge: String,
    pub family_id: i64,
    pub create_time: i64,
    pub expire_time: i64,
    pub used_time: i64,
});

entity!(vendor_key, "vendor_keys", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_hash: String,
    pub team_id: i64,
    pub name: String,
    pub create_time: i64,
    /// The vendor's id in the team (`VendorInfo.id`).
    pub id: i64,
    /// The user who connected it.
    pub user_id: i64,
});

entity!(lead, "leads", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub source: Option<String>,
    pub stage: Option<String>,
    pub language: Option<String>,
    pub assigned_user_id: i64,
    pub lender_user_id: i64,
    pub ownership_scope: String,
    pub ownership_id: i64,
    pub contacted: bool,
    pub create_time: i64,
    pub update_time: i64,
    pub assign_time: i64,
    pub delete_time: i64,
    pub last_touch: i64,
    pub last_visit: i64,
    pub last_call: i64,
    pub last_email: i64,
    pub last_activity: i64,
    pub score: i64,
    pub score_v2: i64,
    pub inquiry_count: i64,
    pub activity_count: i64,
    pub activity_search_count: i64,
    pub activity_view_count: i64,
    pub activity_favorite_count: i64,
    pub communication_count: i64,
    pub task_count: i64,
    pub has_drip: i64,
    pub drip_status: i64,
    pub drip_open_rate: i64,
    pub has_alert: i64,
    pub alert_frequency: i64,
    pub alert_open_rate: i64,
    pub smart_plan_status: i64,
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    /// The lead pond it sits in (0: none).
    pub pond_id: i64,
    /// The member in the lead's Assistant role (0: none), kept from the lead's custom roles.
    pub assistant_user_id: i64,
});

entity!(tag, "tags", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub creator_user_id: Option<i64>,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(note, "notes", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub lead_id: i64,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub pinned: bool,
    pub creator_user_id: Option<i64>,
    pub last_editor_user_id: Option<i64>,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(lead_transaction, "lead_transactions", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub lead_id: i64,
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(system_log, "system_logs", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub lead_id: i64,
    pub actor_user_id: Option<i64>,
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub create_time: i64,
    /// When webhook delivery took the entry (0: not yet).
    pub dispatch_time: i64,
    /// The resource as the change left it (JSON), kept for the webhook event.
    #[sea_orm(column_type = "Text")]
    pub resource: Option<String>,
});

entity!(webhook_subscription, "webhook_subscriptions", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub list_id: i32,
    pub user_id: i64,
    pub vendor_id: Option<i64>,
    pub callback_url: String,
    pub limit_per_window: i32,
    pub permission_mode: i32,
    pub secret: String,
    pub window_start: i64,
    pub window_count: i32,
    pub create_time: i64,
});

entity!(job, "jobs", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub kind: String,
    pub subject_id: i64,
    pub order_key: String,
    pub event_id: i64,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub state: i32,
    pub attempts: i32,
    pub run_at: i64,
    pub lease_until: i64,
    pub lease_owner: i32,
    pub last_status: i32,
    #[sea_orm(column_type = "Text")]
    pub last_error: String,
    #[sea_orm(column_type = "Text")]
    pub history: String,
    pub create_time: i64,
    pub done_time: i64,
    pub deadline: i64,
});

entity!(lease, "leases", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub owner: i32,
    pub until_time: i64,
});

entity!(task, "tasks", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub lead_id: i64,
    pub task_type: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub assigned_role: String,
    pub assigned_user_id: Option<i64>,
    pub creator_user_id: Option<i64>,
    pub deadline: i64,
    pub finished: bool,
    pub finish_time: i64,
    pub create_time: i64,
    pub update_time: i64,
    /// `task` or `appointment` (see `openhouse_domain::calendar::EntryKind`).
    pub kind: String,
    /// The end, epoch ms (0: none); `deadline` is the start.
    pub end_time: i64,
    pub all_day: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub address: Option<String>,
    /// The IANA zone the entry was made in.
    pub time_zone: Option<String>,
});

entity!(communication, "communications", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub lead_id: i64,
    pub channel: String,
    pub manual: bool,
    pub direction: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub outcome: Option<String>,
    pub lead_phone: Option<String>,
    pub email_subject: Option<String>,
    pub from_email: Option<String>,
    pub to_email: Option<String>,
    pub pinned: bool,
    pub agent_user_id: Option<i64>,
    pub create_time: i64,
    /// Where the call's recording can be downloaded (calls only; none: not recorded).
    #[sea_orm(column_type = "Text", nullable)]
    pub recording_url: Option<String>,
});

entity!(lead_activity, "lead_activities", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub lead_id: i64,
    pub kind: String,
    /// The activity as it was reported (LeadActivityReq), as JSON.
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    /// When it happened (epoch ms, as reported).
    pub created: i64,
    pub create_time: i64,
});

entity!(custom_field, "custom_fields", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub name: String,
    pub name_key: String,
    pub kind: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub params: Option<String>,
    pub creator_user_id: Option<i64>,
    pub create_time: i64,
});

entity!(lead_pond, "lead_ponds", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub name: String,
    pub owner_user_id: i64,
    /// The agents who may work the pond's leads, as a JSON array of user ids.
    #[sea_orm(column_type = "Text")]
    pub agent_ids: String,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(server_secret, "server_secrets", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub value: String,
    pub create_time: i64,
});

entity!(transaction_custom_field, "transaction_custom_fields", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub name: String,
    /// As the API shows it: DATE, TEXT, …, Single-Select, Multi-Select.
    pub field_type: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub params: Option<String>,
    pub create_time: i64,
});

entity!(brokermint_link, "brokermint_links", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    /// `contact` (target: a lead) or `transaction` (target: a transaction).
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub external_id: String,
    pub target_id: i64,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(routing_rule, "routing_rules", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub business_type: i32,
    pub role_id: i32,
    pub priority: i32,
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    pub position: i64,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(routing_default, "routing_defaults", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub business_type: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub role_id: i32,
    pub strategy_type: i32,
    pub touch_minutes: i32,
    pub agent_id: i64,
    pub group_id: i64,
    pub position: i64,
    pub update_time: i64,
});

entity!(routing_setting, "routing_settings", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    pub time_zone: String,
    pub version: i64,
    pub update_time: i64,
});

entity!(routing_offer, "routing_offers", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub lead_id: i64,
    pub business_type: i32,
    pub role_id: i32,
    pub rule_id: i64,
    pub strategy_type: i32,
    pub touch_minutes: i32,
    #[sea_orm(column_type = "Text")]
    pub candidates: String,
    pub step: i32,
    pub state: i32,
    pub claimed_by: i64,
    pub expires_at: i64,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(listing, "listings", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub mls_key: String,
    pub status: String,
    /// 1 on the market, 2 sold, 3 off the market.
    pub market: i32,
    pub price: i64,
    pub beds: f64,
    pub baths: f64,
    pub sqft: f64,
    pub city_key: String,
    pub state_key: String,
    pub zip_key: String,
    pub county_key: String,
    #[sea_orm(column_type = "Text")]
    pub street_key: String,
    #[sea_orm(column_type = "Text")]
    pub building_key: String,
    #[sea_orm(column_type = "Text")]
    pub property_key: String,
    pub purchase_key: String,
    pub built_year: i32,
    pub list_date: i64,
    pub agent_id: i64,
    pub co_agent_id: i64,
    pub feeds: String,
    /// The listing as the API shows it (`ListingItem`), without its id.
    #[sea_orm(column_type = "Text")]
    pub doc: String,
    pub create_time: i64,
    pub update_time: i64,
});

entity!(listing_agent, "listing_agents", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub listing_id: i64,
});

// An agent's tags (`POST /v1.0/agent/{agentId}/tag/add`): the team's tags, by id.
entity!(agent_tag, "agent_tags", {
    #[sea_orm(primary_key, auto_increment = false)]
    pub team_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tag_id: i64,
    pub create_time: i64,
});
