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

/// What a CSV cell of a listing field becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// Several values separated by `|`.
    List,
    Number,
    WholeNumber,
}

/// Every field of `ListingItem` with its kind, from the type's own OpenAPI schema: the one
/// description of the fields, so a field added to the type is a CSV column at once.
fn fields() -> Vec<(String, Kind)> {
    use utoipa::PartialSchema;
    let schema = serde_json::to_value(ListingItem::schema()).unwrap_or_default();
    let Some(props) = schema["properties"].as_object() else {
        return Vec::new();
    };
    props
        .iter()
        .map(|(name, p)| {
            let types: Vec<&str> = match &p["type"] {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let kind = if types.contains(&"array") {
                Kind::List
            } else if types.contains(&"integer") {
                Kind::WholeNumber
            } else if types.contains(&"number") {
                Kind::Number
            } else {
                Kind::Text
            };
            (name.clone(), kind)
        })
        .collect()
}

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
    let known = fields();
    let mut kinds = Vec::with_capacity(header.len());
    for h in &header {
        match known.iter().find(|(n, _)| n == h) {
            Some((_, k)) => kinds.push(*k),
            None => return Err(format!("line 1: '{h}' is no listing field")),
        }
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
        for ((h, kind), cell) in header.iter().zip(&kinds).zip(rec.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let v = match kind {
                Kind::List => Value::Array(
                    cell.split('|')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_string()))
                        .collect(),
                ),
                Kind::Text => Value::String(cell.to_string()),
                Kind::Number | Kind::WholeNumber => match cell.parse::<f64>() {
                    Ok(n) if *kind == Kind::WholeNumber => {
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
                },
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
