//! `openhouse import leads` and `openhouse export leads`: the file side. A row is a
//! `LeadRequest`, the body of `POST /v1.0/leads`, read from JSON (an array of them, or one a
//! line) or CSV (a header row of its field names — `--map` renames others — list fields
//! separated by `|`, objects as JSON), through [`crate::tabular`], which the listing import
//! shares. Each row is checked by [`LeadPatch::from_create`], the rules `POST /v1.0/leads`
//! applies; what the database decides (members, offices, custom fields) the store checks as a
//! create does. The export writes the same columns, so its file imports again.

use openhouse_api::{LeadProfile, LeadRequest};
use openhouse_domain::lead::{Lead, LeadPatch};
use serde_json::Value;

use crate::tabular::{self, Columns, Format, Kind, Row};

/// The fields of a row: `LeadRequest` and the `LeadProfile` fields flattened into it.
pub fn fields() -> Vec<(String, Kind)> {
    use utoipa::PartialSchema;
    tabular::fields(&[
        serde_json::to_value(LeadRequest::schema()).unwrap_or_default(),
        serde_json::to_value(LeadProfile::schema()).unwrap_or_default(),
    ])
}

/// The columns an export writes: the lead's own fields first, then the rest of the profile,
/// then the JSON ones. What names members or offices of the team (`assignedUserId`,
/// `ownershipId`, `ownershipScope`) is left out, so that the file imports into another team;
/// so are what only a create does (`content`, `leadTransaction`, routing, emails sent).
pub fn export_columns() -> Vec<String> {
    const FIRST: [&str; 9] = [
        "firstName",
        "lastName",
        "emails",
        "phones",
        "tags",
        "segments",
        "source",
        "stage",
        "language",
    ];
    const LEFT_OUT: [&str; 14] = [
        "assignGroupId",
        "assignedUserId",
        "content",
        "groups",
        "isPin",
        "leadAlert",
        "leadRouting",
        "leadTransaction",
        "ownershipId",
        "ownershipScope",
        "tagsAdd",
        "welcomeEmail",
        "customAttributeList",
        "inquiry",
    ];
    let all = fields();
    let mut cols: Vec<String> = FIRST.iter().map(|s| s.to_string()).collect();
    let mut json = Vec::new();
    for (name, kind) in all {
        if FIRST.contains(&name.as_str()) || LEFT_OUT.contains(&name.as_str()) {
            continue;
        }
        if kind == Kind::Json && name != "language" {
            json.push(name);
        } else {
            cols.push(name);
        }
    }
    cols.extend(json);
    cols.push("customAttributeList".into());
    cols.push("inquiry".into());
    cols
}

/// The rows of a file, lazily.
pub fn rows<'a>(
    text: &'a str,
    format: Format,
    map: &[String],
) -> Result<Box<dyn Iterator<Item = Row<LeadRequest>> + 'a>, String> {
    match format {
        Format::Json => tabular::json_rows(text, "leads"),
        Format::Csv => {
            let mut columns = Columns {
                required: "firstName",
                what: "lead",
                ..Default::default()
            };
            columns.parse_map(map)?;
            Ok(Box::new(tabular::csv_rows(text, &fields(), &columns)?))
        }
    }
}

/// A row checked as `POST /v1.0/leads` checks its body.
pub fn patch_of((line, row): Row<LeadRequest>) -> Row<LeadPatch> {
    (
        line,
        row.and_then(|r| LeadPatch::from_create(&r, None).map_err(|e| e.message)),
    )
}

/// A lead as a row of the export: the `LeadRequest` that creates it again (in any team).
/// Server-made parts of the inquiry and the property (ids, times) are left out; of several
/// properties, the first (a `LeadRequest` carries one).
pub fn request_of(l: &Lead) -> LeadRequest {
    let some = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    LeadRequest {
        first_name: l.first_name.clone(),
        last_name: l.last_name.clone(),
        emails: some(&l.doc.emails),
        phones: some(&l.doc.phones),
        segments: some(&l.doc.segments),
        tags: some(&l.doc.tags.iter().map(|t| t.name.clone()).collect()),
        source: l.source.clone(),
        stage: l.stage.clone(),
        language: l.language,
        custom_attribute_list: (!l.doc.custom_attributes.is_empty())
            .then(|| l.doc.custom_attributes.clone()),
        inquiry: l
            .doc
            .inquiry
            .as_ref()
            .and_then(|i| strip(serde_json::to_value(i).ok()?)),
        property: l
            .doc
            .properties
            .first()
            .and_then(|p| strip(serde_json::to_value(p).ok()?)),
        profile: l.doc.profile.clone(),
        ..Default::default()
    }
}

/// A server-made record as a client sends it: without ids and times.
fn strip<T: serde::de::DeserializeOwned>(v: Value) -> Option<T> {
    match v {
        Value::Object(mut m) => {
            for k in [
                "id",
                "leadUserId",
                "createTime",
                "updateTime",
                "defaultValue",
            ] {
                m.remove(k);
            }
            serde_json::from_value(Value::Object(m)).ok()
        }
        _ => None,
    }
}

/// A row of the CSV export, in `columns`' order.
pub fn csv_record(r: &LeadRequest, columns: &[String]) -> Vec<String> {
    let v = serde_json::to_value(r).unwrap_or_default();
    columns.iter().map(|c| tabular::cell(&v[c])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_map_columns_and_lists() {
        let text = "First,lastName,emails,tags,leadTypes,cannotCall,Notes\n\
                    Ann,Lee,a@x.test|b@x.test,vip|buyer,1|2,true,hello\n\
                    ,NoFirst,,,,,\n\
                    Bo,,bad-email,,x,,\n";
        let map = vec!["First=firstName".to_string(), "Notes=".to_string()];
        let rows: Vec<_> = rows(text, Format::Csv, &map)
            .unwrap()
            .map(patch_of)
            .collect();
        assert_eq!(rows.len(), 3);
        let (line, p) = &rows[0];
        assert_eq!(*line, 2);
        let p = p.as_ref().unwrap();
        assert_eq!(p.first_name.as_deref(), Some("Ann"));
        assert_eq!(
            p.emails.as_deref(),
            Some(&["a@x.test".to_string(), "b@x.test".to_string()][..])
        );
        assert_eq!(p.profile.lead_types.as_deref(), Some(&[1, 2][..]));
        assert_eq!(p.profile.cannot_call, Some(true));
        assert_eq!(rows[1].0, 3);
        assert!(rows[1].1.is_err());
        assert_eq!(rows[2].0, 4);
        assert!(rows[2].1.as_ref().unwrap_err().contains("leadTypes"));
        // an unknown column refuses the file, naming --map
        let e = rows_err("firstName,colour\nA,red\n");
        assert!(e.contains("colour") && e.contains("--map"), "{e}");
        assert!(rows_err("lastName\nX\n").contains("firstName"));
    }

    fn rows_err(text: &str) -> String {
        match rows(text, Format::Csv, &[]) {
            Ok(_) => panic!("accepted"),
            Err(e) => e,
        }
    }

    #[test]
    fn export_columns_read_back() {
        let cols = export_columns();
        let known = fields();
        for c in &cols {
            assert!(known.iter().any(|(n, _)| n == c), "{c}");
        }
        assert_eq!(cols[0], "firstName");
        assert!(!cols.iter().any(|c| c == "assignedUserId"));
    }
}
