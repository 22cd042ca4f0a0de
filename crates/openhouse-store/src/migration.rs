//! The schema, as migrations shipped in the binary. Written once with sea-query and run on
//! SQLite and PostgreSQL alike. Every table carries `team_id` and every index starts with it:
//! that is tenant isolation, and the distribution key for a sharded PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001Initial),
            Box::new(M0002NoteEditor),
            Box::new(M0003Tasks),
            Box::new(M0004Communications),
            Box::new(M0005CoveringLeadIndexes),
            Box::new(M0006OneJournal),
            Box::new(M0007Appointments),
            Box::new(M0008CommunicationWindows),
            Box::new(M0009People),
            Box::new(M0010Transactions),
            Box::new(M0011LeadFeatures),
            Box::new(M0012ServerNodes),
            Box::new(M0013Webhooks),
            Box::new(M0014Routing),
            Box::new(M0015CredentialNames),
            Box::new(M0016OAuth),
            Box::new(M0017SignIn),
            Box::new(M0018Listings),
            Box::new(M0019Messaging),
            Box::new(M0020SetAsideIndexes),
            Box::new(M0021JournalTransactions),
        ]
    }
}

struct M0001Initial;

impl MigrationName for M0001Initial {
    fn name(&self) -> &str {
        "m0001_initial"
    }
}

fn table(name: &'static str) -> TableCreateStatement {
    Table::create().table(name).if_not_exists().take()
}

fn index(table: &'static str, name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table).if_not_exists();
    for c in cols {
        i.col(*c);
    }
    i.take()
}

fn pk(cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    for c in cols {
        i.col(*c);
    }
    i.primary().take()
}

/// A time (epoch milliseconds) or counter column that is never null: 0 means "never" / "none",
/// so sorting is the same on every backend (no NULLS FIRST/LAST differences).
fn ms(name: &'static str) -> ColumnDef {
    big_integer(name).default(0).take()
}

#[async_trait::async_trait]
impl MigrationTrait for M0001Initial {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("teams")
                .col(big_integer("id").primary_key())
                .col(string("name"))
                .col(ms("create_time"))
                .take(),
        )
        .await?;
        m.create_table(
            table("users")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("email"))
                .col(string("email_key"))
                .col(string("first_name"))
                .col(string_null("last_name"))
                .col(string("role"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(
            index("users", "users_email", &["team_id", "email_key"])
                .unique()
                .take(),
        )
        .await?;
        // Credentials are found by the hash of the secret the caller presents, before the team
        // is known: the one lookup that cannot start with team_id.
        m.create_table(
            table("credentials")
                .col(string("token_hash").primary_key())
                .col(big_integer("team_id"))
                .col(big_integer("user_id"))
                .col(string("kind"))
                .col(big_integer_null("app_id"))
                .col(ms("create_time"))
                .col(ms("expire_time"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "credentials",
            "credentials_user",
            &["team_id", "user_id"],
        ))
        .await?;
        m.create_table(
            table("vendor_keys")
                .col(string("key_hash").primary_key())
                .col(big_integer("team_id"))
                .col(string("name"))
                .col(ms("create_time"))
                .take(),
        )
        .await?;
        m.create_table(
            table("leads")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("first_name"))
                .col(string_null("last_name"))
                .col(string_null("source"))
                .col(string_null("stage"))
                .col(string_null("language"))
                .col(ms("assigned_user_id"))
                .col(ms("lender_user_id"))
                .col(string("ownership_scope"))
                .col(ms("ownership_id"))
                .col(boolean("contacted").default(false))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .col(ms("assign_time"))
                .col(ms("delete_time"))
                .col(ms("last_touch"))
                .col(ms("last_visit"))
                .col(ms("last_call"))
                .col(ms("last_email"))
                .col(ms("last_activity"))
                .col(ms("score"))
                .col(ms("score_v2"))
                .col(ms("inquiry_count"))
                .col(ms("activity_count"))
                .col(ms("activity_search_count"))
                .col(ms("activity_view_count"))
                .col(ms("activity_favorite_count"))
                .col(ms("communication_count"))
                .col(ms("task_count"))
                .col(ms("has_drip"))
                .col(ms("drip_status"))
                .col(ms("drip_open_rate"))
                .col(ms("has_alert"))
                .col(ms("alert_frequency"))
                .col(ms("alert_open_rate"))
                .col(ms("smart_plan_status"))
                .col(text("doc"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        for (name, cols) in [
            (
                "leads_create",
                &["team_id", "delete_time", "create_time", "id"][..],
            ),
            (
                "leads_update",
                &["team_id", "delete_time", "update_time", "id"][..],
            ),
            ("leads_stage", &["team_id", "stage"][..]),
            ("leads_source", &["team_id", "source"][..]),
            ("leads_assigned", &["team_id", "assigned_user_id"][..]),
        ] {
            m.create_index(index("leads", name, cols)).await?;
        }
        for (t, key) in [
            ("lead_emails", "email_key"),
            ("lead_phones", "phone_key"),
            ("lead_segments", "name_key"),
        ] {
            m.create_table(
                table(t)
                    .col(big_integer("team_id"))
                    .col(big_integer("lead_id"))
                    .col(string(key))
                    .primary_key(&mut pk(&["team_id", "lead_id", key]))
                    .take(),
            )
            .await?;
        }
        m.create_index(index(
            "lead_emails",
            "lead_emails_key",
            &["team_id", "email_key", "lead_id"],
        ))
        .await?;
        m.create_index(index(
            "lead_phones",
            "lead_phones_key",
            &["team_id", "phone_key", "lead_id"],
        ))
        .await?;
        m.create_index(index(
            "lead_segments",
            "lead_segments_key",
            &["team_id", "name_key", "lead_id"],
        ))
        .await?;
        m.create_table(
            table("tags")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("name"))
                .col(string("name_key"))
                .col(big_integer_null("creator_user_id"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(
            index("tags", "tags_name", &["team_id", "name_key"])
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            table("lead_tags")
                .col(big_integer("team_id"))
                .col(big_integer("lead_id"))
                .col(big_integer("tag_id"))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "lead_id", "tag_id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "lead_tags",
            "lead_tags_tag",
            &["team_id", "tag_id", "lead_id"],
        ))
        .await?;
        m.create_table(
            table("notes")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(big_integer("lead_id"))
                .col(text("content"))
                .col(boolean("pinned").default(false))
                .col(big_integer_null("creator_user_id"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index("notes", "notes_lead", &["team_id", "lead_id"]))
            .await?;
        m.create_table(
            table("lead_transactions")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(big_integer("lead_id"))
                .col(text("doc"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "lead_transactions",
            "lead_transactions_lead",
            &["team_id", "lead_id"],
        ))
        .await?;
        m.create_table(
            table("system_logs")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(ms("lead_id"))
                .col(big_integer_null("actor_user_id"))
                .col(string("action"))
                .col(text("detail"))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "system_logs",
            "system_logs_lead",
            &["team_id", "lead_id", "create_time"],
        ))
        .await?;
        m.create_table(
            table("outbox_events")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("topic"))
                .col(text("payload"))
                .col(ms("create_time"))
                .col(ms("dispatch_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "outbox_events",
            "outbox_pending",
            &["dispatch_time", "team_id", "id"],
        ))
        .await?;
        Ok(())
    }
}

struct M0002NoteEditor;

impl MigrationName for M0002NoteEditor {
    fn name(&self) -> &str {
        "m0002_note_editor"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0002NoteEditor {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("notes")
                .add_column(big_integer_null("last_editor_user_id"))
                .take(),
        )
        .await
    }
}

struct M0003Tasks;

impl MigrationName for M0003Tasks {
    fn name(&self) -> &str {
        "m0003_tasks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0003Tasks {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("tasks")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(big_integer("lead_id"))
                .col(string("task_type"))
                .col(text("content"))
                .col(string("assigned_role"))
                .col(big_integer_null("assigned_user_id"))
                .col(big_integer_null("creator_user_id"))
                .col(ms("deadline"))
                .col(boolean("finished").default(false))
                .col(ms("finish_time"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "tasks",
            "tasks_lead",
            &["team_id", "lead_id", "deadline"],
        ))
        .await
    }
}

struct M0004Communications;

impl MigrationName for M0004Communications {
    fn name(&self) -> &str {
        "m0004_communications"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0004Communications {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("communications")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(big_integer("lead_id"))
                .col(string("channel"))
                .col(boolean("manual").default(false))
                .col(string("direction"))
                .col(text("content"))
                .col(string_null("outcome"))
                .col(string_null("lead_phone"))
                .col(string_null("email_subject"))
                .col(string_null("from_email"))
                .col(string_null("to_email"))
                .col(boolean("pinned").default(false))
                .col(big_integer_null("agent_user_id"))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "communications",
            "communications_lead",
            &["team_id", "lead_id", "channel", "id"],
        ))
        .await?;
        m.create_index(index(
            "communications",
            "communications_time",
            &["team_id", "channel", "create_time", "id"],
        ))
        .await
    }
}

/// The lead search counts its matches through these indexes alone: each carries the lead id
/// (which the tag, segment, email and phone filters test) and the trash marker, so counting
/// never reads the lead rows.
struct M0005CoveringLeadIndexes;

impl MigrationName for M0005CoveringLeadIndexes {
    fn name(&self) -> &str {
        "m0005_covering_lead_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0005CoveringLeadIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in ["leads_stage", "leads_source", "leads_assigned"] {
            m.drop_index(
                Index::drop()
                    .name(name)
                    .table("leads")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        }
        for (name, cols) in [
            (
                "leads_stage_live",
                &["team_id", "delete_time", "stage", "id"][..],
            ),
            (
                "leads_source_live",
                &["team_id", "delete_time", "source", "id"][..],
            ),
            (
                "leads_assigned_live",
                &["team_id", "delete_time", "assigned_user_id", "id"][..],
            ),
            ("leads_live", &["team_id", "delete_time", "id"][..]),
        ] {
            m.create_index(index("leads", name, cols)).await?;
        }
        Ok(())
    }
}

/// The system log is the outbox too: one row per change, which webhook delivery marks as
/// dispatched, instead of the same change written to two tables.
struct M0006OneJournal;

impl MigrationName for M0006OneJournal {
    fn name(&self) -> &str {
        "m0006_one_journal"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0006OneJournal {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("system_logs")
                .add_column(ms("dispatch_time"))
                .take(),
        )
        .await?;
        m.drop_table(Table::drop().table("outbox_events").if_exists().take())
            .await
    }
}

/// Appointments are rows of `tasks` with `kind` = 'appointment': the calendar lists tasks and
/// appointments in one order with one page, which one table gives from one index range (see
/// docs/DESIGN.md). `deadline` is the start; `end_time` 0 means none (tasks made through
/// `/v1.0/tasks`). The assignee index serves the calendar of the caller.
struct M0007Appointments;

impl MigrationName for M0007Appointments {
    fn name(&self) -> &str {
        "m0007_appointments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0007Appointments {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // one column per statement: SQLite's ALTER TABLE adds one at a time
        for col in [
            string("kind").default("task").take(),
            ms("end_time"),
            boolean("all_day").default(false).take(),
            text_null("address"),
            string_null("time_zone"),
        ] {
            m.alter_table(Table::alter().table("tasks").add_column(col).take())
                .await?;
        }
        m.create_index(index(
            "tasks",
            "tasks_assignee",
            &["team_id", "assigned_user_id", "deadline"],
        ))
        .await
    }
}

/// Communications are searched by time window across channels (`POST /v1.0/agent/communication`
/// with type ALL), for one agent or the whole team: indexes that start with the time (after the
/// agent) instead of the channel. A lead's history keeps `communications_lead`.
struct M0008CommunicationWindows;

impl MigrationName for M0008CommunicationWindows {
    fn name(&self) -> &str {
        "m0008_communication_windows"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0008CommunicationWindows {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("communications_time")
                .table("communications")
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "communications",
            "communications_team_time",
            &["team_id", "create_time", "id"],
        ))
        .await?;
        m.create_index(index(
            "communications",
            "communications_agent_time",
            &["team_id", "agent_user_id", "create_time", "id"],
        ))
        .await
    }
}

/// The people of a team and its structure: offices (nested by `parent_id`), each user's office,
/// permission profile, contact details and profile document; the team's company record, seat
/// limit and the broker team it belongs to.
struct M0009People;

impl MigrationName for M0009People {
    fn name(&self) -> &str {
        "m0009_people"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0009People {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let user_cols = [
            ms("office_id"),
            ms("profile_id"),
            string_null("phone").take(),
            string_null("time_zone").take(),
            integer("status").default(1).take(),
            ms("invitor_user_id"),
            integer("seat_type").default(1).take(),
            text("doc").default("{}").take(),
        ];
        // SQLite alters one column per statement
        for c in user_cols {
            m.alter_table(Table::alter().table("users").add_column(c).take())
                .await?;
        }
        let team_cols = [
            ms("parent_team_id"),
            integer("seat_limit").default(0).take(),
            text("company").default("{}").take(),
            ms("delete_time"),
        ];
        for c in team_cols {
            m.alter_table(Table::alter().table("teams").add_column(c).take())
                .await?;
        }
        m.create_index(index(
            "users",
            "users_office",
            &["team_id", "office_id", "id"],
        ))
        .await?;
        // vendors: each key gets an id in its team and the user who connected it
        for c in [ms("id"), ms("user_id")] {
            m.alter_table(Table::alter().table("vendor_keys").add_column(c).take())
                .await?;
        }
        // keys made before: the team's first admin connected them; the creation time is an id
        // that is unique in the team
        m.get_connection()
            .execute_unprepared(
                "UPDATE vendor_keys SET id = create_time, user_id = COALESCE((SELECT MIN(u.id) \
                 FROM users u WHERE u.team_id = vendor_keys.team_id AND u.role = 'admin'), 0) \
                 WHERE id = 0",
            )
            .await?;
        m.create_index(index("vendor_keys", "vendor_keys_team", &["team_id", "id"]))
            .await?;
        m.create_index(index("teams", "teams_parent", &["parent_team_id", "id"]))
            .await?;
        m.create_table(
            table("offices")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(ms("parent_id"))
                .col(string("name"))
                .col(boolean("allow_manage_sub").default(false))
                .col(text("doc").default("{}"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_table(
            table("notifications")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(big_integer("user_id"))
                .col(big_integer("lead_id"))
                .col(integer("notification_type"))
                .col(text("doc").default("{}"))
                .col(ms("create_time"))
                .col(ms("read_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "notifications",
            "notifications_user",
            &["team_id", "user_id", "id"],
        ))
        .await
    }
}

/// Transactions: the team's transaction custom fields (`transaction_custom_fields`), and what
/// Brokermint's ids are in openhouse (`brokermint_links`: a contact's external id → a lead, a
/// Brokermint transaction id → a transaction), the keys of its idempotent upserts.
struct M0010Transactions;

impl MigrationName for M0010Transactions {
    fn name(&self) -> &str {
        "m0010_transactions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0010Transactions {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("transaction_custom_fields")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("name"))
                .col(string("field_type"))
                .col(text_null("params"))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_table(
            table("brokermint_links")
                .col(big_integer("team_id"))
                .col(string("kind"))
                .col(string("external_id"))
                .col(big_integer("target_id"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "kind", "external_id"]))
                .take(),
        )
        .await
    }
}

/// What hangs on a lead besides notes, tasks and communications: its activities on the website,
/// the team's custom fields and lead ponds, the lead's pond, and the server's signing secrets.
struct M0011LeadFeatures;

impl MigrationName for M0011LeadFeatures {
    fn name(&self) -> &str {
        "m0011_lead_features"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0011LeadFeatures {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("lead_activities")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(big_integer("lead_id"))
                .col(string("kind"))
                .col(text("doc"))
                .col(ms("created"))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "lead_activities",
            "lead_activities_lead",
            &["team_id", "lead_id", "created", "id"],
        ))
        .await?;
        m.create_table(
            table("custom_fields")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("name"))
                .col(string("name_key"))
                .col(string("kind"))
                .col(text_null("params"))
                .col(big_integer_null("creator_user_id"))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "custom_fields",
                "custom_fields_name",
                &["team_id", "name_key"],
            )
            .unique()
            .take(),
        )
        .await?;
        m.create_table(
            table("lead_ponds")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("name"))
                .col(big_integer("owner_user_id"))
                .col(text("agent_ids").default("[]"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        // the pond and the assistant widen who sees a lead: columns, so the search can test them
        for c in [ms("pond_id"), ms("assistant_user_id")] {
            m.alter_table(Table::alter().table("leads").add_column(c).take())
                .await?;
        }
        m.create_table(
            table("server_secrets")
                .col(string("name").primary_key())
                .col(string("value"))
                .col(ms("create_time"))
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// The serving processes of the database, one row per node id: `/readyz` proves the database
/// takes writes by writing its own row (a beat), which also shows operators when each node was
/// last alive. Not a team's data, so no `team_id`.
struct M0012ServerNodes;

impl MigrationName for M0012ServerNodes {
    fn name(&self) -> &str {
        "m0012_server_nodes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0012ServerNodes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("server_nodes")
                .col(integer("node_id").primary_key())
                .col(ms("beat_time"))
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// Webhooks and durable jobs.
///
/// - `system_logs.resource`: the resource a change left behind, kept with the entry (the event
///   payload; a later change does not rewrite it). `dispatch_time` 0 marks the entries webhook
///   dispatch has not taken yet; entries written before webhooks existed are marked taken (no
///   subscription could want them), so the first start does not walk the whole journal.
/// - `webhook_subscriptions`: a team's subscriptions (5.12), with the signing secret and the
///   counter of the current 30-minute delivery window.
/// - `jobs`: the one durable job mechanism (webhook deliveries, routing's timed offers): claimed
///   under a lease, retried with a backoff, kept as the delivery log once done.
/// - `leases`: named leases that one process holds at a time (the webhook dispatcher).
struct M0013Webhooks;

impl MigrationName for M0013Webhooks {
    fn name(&self) -> &str {
        "m0013_webhooks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0013Webhooks {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("system_logs")
                .add_column(text_null("resource"))
                .take(),
        )
        .await?;
        m.exec_stmt(
            Query::update()
                .table("system_logs")
                .value("dispatch_time", Expr::col("create_time").add(1))
                .and_where(Expr::col("dispatch_time").eq(0))
                .take(),
        )
        .await?;
        // the outbox is read across teams, oldest first: the one index not led by team_id
        m.create_index(index(
            "system_logs",
            "system_logs_undispatched",
            &["dispatch_time", "id"],
        ))
        .await?;
        m.create_table(
            table("webhook_subscriptions")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(integer("list_id"))
                .col(big_integer("user_id"))
                .col(big_integer_null("vendor_id"))
                .col(string("callback_url"))
                .col(integer("limit_per_window"))
                .col(integer("permission_mode"))
                .col(string("secret"))
                .col(ms("window_start"))
                .col(integer("window_count").default(0))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_table(
            table("jobs")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("kind"))
                // what the job is for: a subscription id, a lead id
                .col(ms("subject_id"))
                // jobs of one kind, subject and key run one at a time, in id order
                .col(string("order_key").default(""))
                // the journal entry the job comes from (0: none)
                .col(ms("event_id"))
                .col(text("payload").default("{}"))
                // 0 pending, 1 done, 2 failed (gave up), 3 cancelled
                .col(integer("state").default(0))
                .col(integer("attempts").default(0))
                .col(ms("run_at"))
                .col(ms("lease_until"))
                .col(integer("lease_owner").default(0))
                .col(integer("last_status").default(0))
                .col(text("last_error").default(""))
                .col(text("history").default("[]"))
                .col(ms("create_time"))
                .col(ms("done_time"))
                // when retrying stops (0: never)
                .col(ms("deadline"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        // claiming: the due pending jobs of a kind, in the order they are claimed (so a claim
        // reads only as far as it takes)
        m.create_index(index(
            "jobs",
            "jobs_due",
            &["kind", "state", "run_at", "id"],
        ))
        .await?;
        // ordering (an earlier pending job of a subject and key) and a subject's log
        m.create_index(index(
            "jobs",
            "jobs_subject",
            &["team_id", "subject_id", "order_key", "state", "id"],
        ))
        .await?;
        m.create_table(
            table("leases")
                .col(string("name").primary_key())
                .col(integer("owner").default(0))
                .col(ms("until_time"))
                .take(),
        )
        .await?;
        Ok(())
    }
}

/// Lead routing: a team's rules per business type (and role), in priority order, each with the
/// position of its rotation (Round Robin, Next Up); the default (supplement) rule per type; the
/// team's routing settings; offers waiting for a claim (their timeouts are jobs).
struct M0014Routing;

impl MigrationName for M0014Routing {
    fn name(&self) -> &str {
        "m0014_routing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0014Routing {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("routing_rules")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(integer("business_type"))
                .col(integer("role_id"))
                .col(integer("priority"))
                // the rule as RoutingRule shows it, without id, priority and updateTime
                .col(text("doc"))
                // leads the rule has handed out: where its rotation stands
                .col(ms("position"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "routing_rules",
            "routing_rules_order",
            &["team_id", "business_type", "role_id", "priority", "id"],
        ))
        .await?;
        m.create_table(
            table("routing_defaults")
                .col(big_integer("team_id"))
                .col(integer("business_type"))
                .col(integer("role_id"))
                .col(integer("strategy_type"))
                .col(integer("touch_minutes").default(0))
                .col(ms("agent_id"))
                .col(ms("group_id"))
                .col(ms("position"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "business_type", "role_id"]))
                .take(),
        )
        .await?;
        m.create_table(
            table("routing_settings")
                .col(big_integer("team_id").primary_key())
                .col(string("time_zone"))
                // bumped by every change of the team's rules, default rules or settings: the
                // key of each process's cache of them
                .col(ms("version"))
                .col(ms("update_time"))
                .take(),
        )
        .await?;
        m.create_table(
            table("routing_offers")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(big_integer("lead_id"))
                .col(integer("business_type"))
                .col(integer("role_id"))
                // the rule that made it (0: the default rule)
                .col(ms("rule_id"))
                .col(integer("strategy_type"))
                .col(integer("touch_minutes"))
                // every member the offer goes to in turn (Next Up) or at once (Blast Alert)
                .col(text("candidates"))
                // Next Up: the candidate offered now
                .col(integer("step").default(0))
                // 0 open, 1 claimed, 2 ran out, 3 withdrawn
                .col(integer("state").default(0))
                .col(ms("claimed_by"))
                .col(ms("expires_at"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "routing_offers",
            "routing_offers_lead",
            &["team_id", "lead_id", "state"],
        ))
        .await?;
        m.create_index(index(
            "routing_offers",
            "routing_offers_open",
            &["team_id", "state", "id"],
        ))
        .await
    }
}

/// A credential's name, as the one who created it calls it (`openhouse key create --name`).
struct M0015CredentialNames;

impl MigrationName for M0015CredentialNames {
    fn name(&self) -> &str {
        "m0015_credential_names"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0015CredentialNames {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("credentials")
                .add_column(string("name").default(""))
                .take(),
        )
        .await
    }
}

/// OAuth 2.0: the apps of a team (clients), the refresh tokens they hold, and the family (one
/// grant) each access token belongs to, so that a refresh token used twice revokes the grant.
struct M0016OAuth;

impl MigrationName for M0016OAuth {
    fn name(&self) -> &str {
        "m0016_oauth"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0016OAuth {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("oauth_apps")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("name"))
                .col(string("client_id"))
                .col(string("secret_hash"))
                .col(string("vendor_key_hash"))
                // JSON arrays of strings
                .col(text("redirect_uris"))
                .col(text("scopes"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(
            index("oauth_apps", "oauth_apps_client", &["client_id"])
                .unique()
                .take(),
        )
        .await?;
        m.create_table(
            table("oauth_refresh_tokens")
                .col(string("token_hash").primary_key())
                .col(big_integer("team_id"))
                .col(big_integer("user_id"))
                .col(big_integer("app_id"))
                .col(big_integer("family_id"))
                .col(text("scope"))
                .col(ms("create_time"))
                .col(ms("expire_time"))
                // when it was exchanged for a new pair (0: not yet)
                .col(ms("spent_time"))
                .take(),
        )
        .await?;
        m.create_index(index(
            "oauth_refresh_tokens",
            "oauth_refresh_tokens_family",
            &["family_id"],
        ))
        .await?;
        m.alter_table(
            Table::alter()
                .table("credentials")
                .add_column(ms("family_id"))
                .take(),
        )
        .await
    }
}

/// People sign in: members' passwords (argon2 hashes, apart from the profile rows the API
/// renders), single-use invitations to set one, failed sign-ins counted per account and per
/// address, and the authorization codes of the OAuth code flow.
struct M0017SignIn;

impl MigrationName for M0017SignIn {
    fn name(&self) -> &str {
        "m0017_sign_in"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0017SignIn {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("user_passwords")
                .col(big_integer("team_id"))
                .col(big_integer("user_id"))
                // a PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash
                .col(text("password_hash"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "user_id"]))
                .take(),
        )
        .await?;
        m.create_table(
            table("invitations")
                .col(string("token_hash").primary_key())
                .col(big_integer("team_id"))
                .col(big_integer("user_id"))
                .col(ms("create_time"))
                .col(ms("expire_time"))
                // when it was accepted (0: not yet)
                .col(ms("used_time"))
                .take(),
        )
        .await?;
        m.create_table(
            table("sign_in_failures")
                // "account:<team>:<email>" or "address:<ip>"
                .col(string("key").primary_key())
                .col(integer("failures").default(0))
                .col(ms("first_time"))
                .col(ms("locked_until"))
                .take(),
        )
        .await?;
        m.create_table(
            table("oauth_codes")
                .col(string("code_hash").primary_key())
                .col(big_integer("team_id"))
                .col(big_integer("app_id"))
                .col(big_integer("user_id"))
                // as the authorization request gave it ("" when it named none)
                .col(text("redirect_uri"))
                .col(text("scope"))
                // the PKCE S256 challenge
                .col(string("challenge"))
                // the grant the code's tokens belong to (revoked if the code comes back)
                .col(big_integer("family_id"))
                .col(ms("create_time"))
                .col(ms("expire_time"))
                .col(ms("used_time"))
                .take(),
        )
        .await?;
        // an access token's own scopes (space-separated; "": the app's), narrower than its
        // app's when the member approved fewer
        m.alter_table(
            Table::alter()
                .table("credentials")
                .add_column(text("scope").default(""))
                .take(),
        )
        .await
    }
}

/// The team's listings (section 5.15): the listing as imported (`doc`, the API's
/// `ListingItem`), and the lower-cased keys and numbers it is searched by.
struct M0018Listings;

impl MigrationName for M0018Listings {
    fn name(&self) -> &str {
        "m0018_listings"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0018Listings {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("listings")
                .col(big_integer("team_id"))
                .col(big_integer("id"))
                .col(string("mls_key"))
                .col(string("status"))
                // 1 on the market, 2 sold, 3 off the market
                .col(integer("market"))
                .col(ms("price"))
                .col(double("beds").default(0.0))
                .col(double("baths").default(0.0))
                .col(double("sqft").default(0.0))
                .col(string("city_key").default(""))
                .col(string("state_key").default(""))
                .col(string("zip_key").default(""))
                .col(string("county_key").default(""))
                .col(text("street_key").default(""))
                .col(text("building_key").default(""))
                .col(text("property_key").default(""))
                .col(string("purchase_key").default(""))
                .col(integer("built_year").default(0))
                // mlsListDateL (0: unknown)
                .col(ms("list_date"))
                .col(ms("agent_id"))
                .col(ms("co_agent_id"))
                .col(string("feeds").default(""))
                .col(text("doc"))
                .col(ms("create_time"))
                .col(ms("update_time"))
                .primary_key(&mut pk(&["team_id", "id"]))
                .take(),
        )
        .await?;
        m.create_index(
            index("listings", "listings_mls", &["team_id", "mls_key"])
                .unique()
                .take(),
        )
        .await?;
        // who lists each listing (its agent and co-agent), one row each: searches by agent go
        // through here, where every row is a real link (most listings have no agent of the
        // team, and an index over a column that is mostly 0 is planned as useless)
        m.create_table(
            table("listing_agents")
                .col(big_integer("team_id"))
                .col(big_integer("user_id"))
                .col(big_integer("listing_id"))
                .primary_key(&mut pk(&["team_id", "user_id", "listing_id"]))
                .take(),
        )
        .await?;
        m.create_index(index(
            "listing_agents",
            "listing_agents_listing",
            &["team_id", "listing_id"],
        ))
        .await?;
        m.create_index(index(
            "listings",
            "listings_market",
            &["team_id", "market", "id"],
        ))
        .await
    }
}

/// Lofty's published document's additions: a call's recording (`GET /v1.0/call/url/{callId}`)
/// and the tags of agents (`POST /v1.0/agent/{agentId}/tag/add`), which are the team's tags.
struct M0019Messaging;

impl MigrationName for M0019Messaging {
    fn name(&self) -> &str {
        "m0019_messaging"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0019Messaging {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("communications")
                .add_column(text_null("recording_url"))
                .take(),
        )
        .await?;
        m.create_table(
            table("agent_tags")
                .col(big_integer("team_id"))
                .col(big_integer("user_id"))
                .col(big_integer("tag_id"))
                .col(ms("create_time"))
                .primary_key(&mut pk(&["team_id", "user_id", "tag_id"]))
                .take(),
        )
        .await
    }
}

/// The definitions of indexes a bulk import set aside (SQLite), kept until they are built again
/// (see `bulk_indexes.rs`).
struct M0020SetAsideIndexes;

impl MigrationName for M0020SetAsideIndexes {
    fn name(&self) -> &str {
        "m0020_set_aside_indexes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0020SetAsideIndexes {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table("set_aside_indexes")
                .col(string("name"))
                .col(text("definition"))
                .primary_key(&mut pk(&["name"]))
                .take(),
        )
        .await
    }
}

/// PostgreSQL only: the transaction that wrote each journal entry (`xid`, set by the column's
/// default), so that every process can follow the journal in commit order (see
/// `journal_tail.rs`). Entries written before have none: they are older than any process that
/// follows. SQLite has one writing process, which follows its own commits.
struct M0021JournalTransactions;

impl MigrationName for M0021JournalTransactions {
    fn name(&self) -> &str {
        "m0021_journal_transactions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M0021JournalTransactions {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        // a nullable column, its default set apart: adding a volatile default in one step would
        // rewrite every existing row
        let c = m.get_connection();
        c.execute_unprepared("ALTER TABLE system_logs ADD COLUMN xid xid8")
            .await?;
        c.execute_unprepared(
            "ALTER TABLE system_logs ALTER COLUMN xid SET DEFAULT pg_current_xact_id()",
        )
        .await?;
        c.execute_unprepared(
            "CREATE INDEX system_logs_xid ON system_logs (xid, id) WHERE xid IS NOT NULL",
        )
        .await?;
        Ok(())
    }
}
