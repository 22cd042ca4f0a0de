//! `openhouse listings import`: reads listings from JSON (an array of `ListingItem` objects, or
//! one object a line) or CSV (a header row of `ListingItem` field names; list fields —
//! `listingZipcode`, `propertyTypes`, `pictureList`, `publishedFeeds` — separated by `|`), each
//! row with the line it starts on, so a bad row is reported by line.

use openhouse_api::ListingItem;
use serde_json::Value;
use serde_json::value::RawValue;

/// One row read: the line it starts on and the listing, or why it is not one.
pub type Row = (u64, Result<ListingItem, String>);

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Csv,
}

impl Format {
    /// The format a file name says (`.csv`; `.json`, `.jsonl`, `.ndjson`).
    pub fn of_path(path: &str) -> Option<Self> {
        let lower = path.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(Self::Csv)
        } else if [".json", ".jsonl", ".ndjson"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            Some(Self::Json)
        } else {
            None
        }
    }
}

const LIST_FIELDS: [&str; 4] = [
    "listingZipcode",
    "propertyTypes",
    "pictureList",
    "publishedFeeds",
];
const NUMBER_FIELDS: [&str; 9] = [
    "beds",
    "baths",
    "sqft",
    "builtYear",
    "hoaFee",
    "condoFee",
    "chimeMaintenanceFee",
    "garageParkingSpaces",
    "mlsListDateL",
];

fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

fn listing(v: &str) -> Result<ListingItem, String> {
    serde_json::from_str::<ListingItem>(v).map_err(|e| {
        let m = e.to_string();
        // serde's "at line 1 column 9" points into the row, not the file
        match m.find(" at line ") {
            Some(i) => m[..i].to_string(),
            None => m,
        }
    })
}

/// Reads JSON: an array of listings, or one listing a line. A document that is neither is one
/// error on line 1.
pub fn read_json(text: &str) -> Result<Vec<Row>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text)
            .map_err(|e| format!("the file is not a JSON array of listings: {e}"))?;
        let base = text.as_ptr() as usize;
        return Ok(items
            .into_iter()
            .map(|raw| {
                let line = line_of(text, raw.get().as_ptr() as usize - base);
                (line, listing(raw.get()))
            })
            .collect());
    }
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i as u64 + 1, listing(l)))
        .collect())
}

/// Reads CSV with a header row of `ListingItem` field names. An unknown column refuses the
/// whole file (each of its rows would lose data).
pub fn read_csv(text: &str) -> Result<Vec<Row>, String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let known: Vec<String> = match serde_json::to_value(ListingItem {
        listing_id: Some(String::new()),
        ..full_item()
    }) {
        Ok(Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    if let Some(h) = header.iter().find(|h| !known.contains(h)) {
        return Err(format!("line 1: '{h}' is no listing field"));
    }
    if !header.iter().any(|h| h == "mlsListingId") {
        return Err("line 1: the header has no mlsListingId column".into());
    }
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                rows.push((line, Err(e.to_string())));
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let mut obj = serde_json::Map::new();
        let mut bad = None;
        for (h, cell) in header.iter().zip(rec.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let v = if LIST_FIELDS.contains(&h.as_str()) {
                Value::Array(
                    cell.split('|')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                )
            } else if NUMBER_FIELDS.contains(&h.as_str()) {
                match cell.parse::<f64>() {
                    Ok(n) if h == "builtYear" || h == "mlsListDateL" => {
                        if n.fract() != 0.0 {
                            bad = Some(format!("{h} is a whole number, not '{cell}'"));
                            break;
                        }
                        Value::from(n as i64)
                    }
                    Ok(n) => serde_json::Number::from_f64(n)
                        .map(Value::Number)
                        .unwrap_or(Value::Null),
                    Err(_) => {
                        bad = Some(format!("{h} is a number, not '{cell}'"));
                        break;
                    }
                }
            } else {
                Value::String(cell.to_string())
            };
            obj.insert(h.clone(), v);
        }
        let item = match bad {
            Some(e) => Err(e),
            None => {
                serde_json::from_value::<ListingItem>(Value::Object(obj)).map_err(|e| e.to_string())
            }
        };
        rows.push((line, item));
    }
    Ok(rows)
}

/// A listing with every field set, for the names of the fields.
fn full_item() -> ListingItem {
    let s = || Some(String::new());
    let n = || Some(0.0);
    let l = || Some(Vec::new());
    ListingItem {
        listing_id: s(),
        mls_listing_id: String::new(),
        listing_street_name: s(),
        listing_city: s(),
        listing_state: s(),
        listing_zipcode: l(),
        county: s(),
        area: s(),
        chime_area: s(),
        sub_division_name: s(),
        community: s(),
        chime_complex: s(),
        building_name: s(),
        price: s(),
        beds: n(),
        baths: n(),
        sqft: n(),
        built_year: Some(0),
        total_available_acres: s(),
        details_describe: s(),
        listing_status: s(),
        purchase_type: s(),
        property_types: l(),
        property_type_primary: s(),
        property_type_secondary: s(),
        picture_list: l(),
        open_house_schedules: s(),
        open_house_schedules_start: s(),
        open_house_schedules_end: s(),
        agent_id: s(),
        agent_name: s(),
        agent_org_id: s(),
        agent_org_name: s(),
        co_agent_id: s(),
        co_agent_name: s(),
        co_agent_org_id: s(),
        co_agent_org_name: s(),
        hoa_fee: n(),
        hoa_fee_frequency: s(),
        condo_fee: n(),
        condo_fee_frequency: s(),
        chime_maintenance_fee: n(),
        garage_parking_spaces: n(),
        interior_features: s(),
        exterior: s(),
        mls_list_date_l: Some(0),
        sold_price: s(),
        sold_date: s(),
        published_feeds: l(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_arrays_and_lines_carry_line_numbers() {
        let text = "[\n  {\"mlsListingId\": \"A\", \"beds\": 3},\n  {\"mlsListingId\": \"B\",\n   \"beds\": \"three\"}\n]";
        let rows = read_json(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[0].1.as_ref().unwrap().beds, Some(3.0));
        assert_eq!(rows[1].0, 3);
        assert!(rows[1].1.as_ref().unwrap_err().contains("invalid type"));
        let rows = read_json("{\"mlsListingId\": \"A\"}\n\n{oops\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
        assert!(rows[1].1.is_err());
    }

    #[test]
    fn csv_rows_lists_and_numbers() {
        let text = "mlsListingId,price,beds,propertyTypes,listingCity\nA,100000,3,Condo|Townhouse,\"San Jose, CA\"\nB,5,three,,\n";
        let rows = read_csv(text).unwrap();
        assert_eq!(rows[0].0, 2);
        let a = rows[0].1.as_ref().unwrap();
        assert_eq!(
            a.property_types.as_deref(),
            Some(&["Condo".to_string(), "Townhouse".to_string()][..])
        );
        assert_eq!(a.listing_city.as_deref(), Some("San Jose, CA"));
        assert_eq!(rows[1].0, 3);
        assert!(rows[1].1.as_ref().unwrap_err().contains("beds"));
        assert!(
            read_csv("mlsListingId,colour\nA,red\n")
                .unwrap_err()
                .contains("colour")
        );
        assert!(read_csv("price\n5\n").unwrap_err().contains("mlsListingId"));
    }
}
