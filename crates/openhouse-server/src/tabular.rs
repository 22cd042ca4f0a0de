//! Rows of a wire type read from (and written to) files, for the imports and exports of the
//! command line (`listings import`, `import leads`, `export leads`): JSON (an array of objects,
//! or one object a line) and CSV (a header row of the type's field names, list fields
//! separated by `|`), each row with the line it starts on, so a bad row is reported by line.
//!
//! A CSV column's kind comes from the type's own OpenAPI schema: the one description of its
//! fields, so a field added to the type is a column at once.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

/// One row read: the line it starts on and the value, or why it is not one.
pub type Row<T> = (u64, Result<T, String>);

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

/// The list separator of CSV cells.
pub const SEPARATOR: char = '|';

/// What a CSV cell of a field becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// Several texts separated by `|`.
    List,
    /// Several whole numbers separated by `|`.
    Numbers,
    Number,
    WholeNumber,
    Bool,
    /// An object, a list of objects or a named type (an enum): the cell is read as JSON when
    /// it is JSON, else as text.
    Json,
}

fn types(p: &Value) -> Vec<&str> {
    match &p["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The fields the properties of `schemas` name (an `allOf` counts its inline members; a
/// flattened struct's own schema is passed as one more), with their kinds, in name order.
pub fn fields(schemas: &[Value]) -> Vec<(String, Kind)> {
    let mut out: Vec<(String, Kind)> = Vec::new();
    let mut parts: Vec<&Value> = Vec::new();
    for s in schemas {
        parts.push(s);
        if let Some(all) = s["allOf"].as_array() {
            parts.extend(all);
        }
    }
    for part in parts {
        let Some(props) = part["properties"].as_object() else {
            continue;
        };
        for (name, p) in props {
            let t = types(p);
            let kind = if t.contains(&"array") {
                match types(&p["items"]).first().copied() {
                    Some("string") => Kind::List,
                    Some("integer") => Kind::Numbers,
                    _ => Kind::Json,
                }
            } else if t.contains(&"integer") {
                Kind::WholeNumber
            } else if t.contains(&"number") {
                Kind::Number
            } else if t.contains(&"boolean") {
                Kind::Bool
            } else if t.contains(&"string") {
                Kind::Text
            } else {
                Kind::Json
            };
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.clone(), kind));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The fields of a type from its schema (see [`fields`]).
pub fn fields_of<T: utoipa::PartialSchema>() -> Vec<(String, Kind)> {
    fields(&[serde_json::to_value(T::schema()).unwrap_or_default()])
}

fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

fn parse<T: DeserializeOwned>(v: &str) -> Result<T, String> {
    serde_json::from_str::<T>(v).map_err(|e| {
        let m = e.to_string();
        // serde's "at line 1 column 9" points into the row, not the file
        match m.find(" at line ") {
            Some(i) => m[..i].to_string(),
            None => m,
        }
    })
}

/// Reads JSON lazily: an array of objects, or one object a line (blank lines skipped). A
/// document that is neither is one error. `what` names a row in messages ("listings").
pub fn json_rows<'a, T: DeserializeOwned + 'a>(
    text: &'a str,
    what: &str,
) -> Result<Box<dyn Iterator<Item = Row<T>> + 'a>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text)
            .map_err(|e| format!("the file is not a JSON array of {what}: {e}"))?;
        let base = text.as_ptr() as usize;
        // line numbers counted once, forward
        let mut last = (0usize, 1u64);
        return Ok(Box::new(items.into_iter().map(move |raw| {
            let at = raw.get().as_ptr() as usize - base;
            let line = last.1 + line_of(&text[last.0..], at - last.0) - 1;
            last = (at, line);
            (line, parse::<T>(raw.get()))
        })));
    }
    Ok(Box::new(
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i as u64 + 1, parse::<T>(l))),
    ))
}

/// Reads all of a JSON file (see [`json_rows`]).
pub fn read_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<Vec<Row<T>>, String> {
    Ok(json_rows(text, what)?.collect())
}

/// How a CSV file's columns are read.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// Header → field name, for headers that are not the field's name; a field name of ""
    /// leaves the column out.
    pub map: HashMap<String, String>,
    /// The column every file must have.
    pub required: &'static str,
    /// What a row is, in messages ("listing").
    pub what: &'static str,
}

impl Columns {
    /// Reads `column=field` options (`column=` leaves the column out).
    pub fn parse_map(&mut self, options: &[String]) -> Result<(), String> {
        for o in options {
            let (c, f) = o
                .split_once('=')
                .ok_or_else(|| format!("--map takes column=field, not '{o}'"))?;
            self.map.insert(c.trim().to_string(), f.trim().to_string());
        }
        Ok(())
    }
}

/// A CSV cell as the JSON value of a field of `kind`.
fn cell_value(h: &str, kind: Kind, cell: &str) -> Result<Value, String> {
    let list = || {
        cell.split(SEPARATOR)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    Ok(match kind {
        Kind::List => Value::Array(list().map(|s| Value::String(s.to_string())).collect()),
        Kind::Numbers => Value::Array(
            list()
                .map(|s| {
                    s.parse::<i64>()
                        .map(Value::from)
                        .map_err(|_| format!("{h} takes whole numbers, not '{s}'"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Kind::Text => Value::String(cell.to_string()),
        Kind::Bool => match cell.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Value::Bool(true),
            "false" | "no" | "0" => Value::Bool(false),
            _ => return Err(format!("{h} is true or false, not '{cell}'")),
        },
        Kind::Json => serde_json::from_str(cell).unwrap_or_else(|_| Value::String(cell.into())),
        Kind::Number | Kind::WholeNumber => match cell.parse::<f64>() {
            Ok(n) if kind == Kind::WholeNumber => {
                if n.fract() != 0.0 {
                    return Err(format!("{h} is a whole number, not '{cell}'"));
                }
                Value::from(n as i64)
            }
            Ok(n) => serde_json::Number::from_f64(n)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Err(_) => return Err(format!("{h} is a number, not '{cell}'")),
        },
    })
}

/// Reads CSV lazily with a header row of field names (after `columns.map`). An unknown column
/// refuses the whole file (each of its rows would lose data), as does a header without the
/// required column.
pub fn csv_rows<'a, T: DeserializeOwned + 'a>(
    text: &'a str,
    known: &[(String, Kind)],
    columns: &Columns,
) -> Result<impl Iterator<Item = Row<T>> + 'a, String> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    // per column: the field and its kind, or None to leave it out
    let mut cols: Vec<Option<(String, Kind)>> = Vec::with_capacity(header.len());
    for h in &header {
        let name = columns.map.get(h).unwrap_or(h);
        if name.is_empty() {
            cols.push(None);
            continue;
        }
        match known.iter().find(|(n, _)| n == name) {
            Some((n, k)) => cols.push(Some((n.clone(), *k))),
            None if name == h => {
                return Err(format!(
                    "line 1: '{h}' is no {} field (--map '{h}=FIELD' reads it as FIELD, \
                     --map '{h}=' leaves it out)",
                    columns.what
                ));
            }
            None => return Err(format!("line 1: '{name}' is no {} field", columns.what)),
        }
    }
    if !cols.iter().flatten().any(|(n, _)| n == columns.required) {
        return Err(format!(
            "line 1: the header has no {} column",
            columns.required
        ));
    }
    Ok(r.into_records().map(move |rec| {
        let rec = match rec {
            Ok(rec) => rec,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return (line, Err(e.to_string()));
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let mut obj = serde_json::Map::new();
        for (col, cell) in cols.iter().zip(rec.iter()) {
            let Some((name, kind)) = col else { continue };
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            match cell_value(name, *kind, cell) {
                Ok(v) => {
                    obj.insert(name.clone(), v);
                }
                Err(e) => return (line, Err(e)),
            }
        }
        let row = serde_json::from_value::<T>(Value::Object(obj)).map_err(|e| e.to_string());
        (line, row)
    }))
}

/// A field's JSON value as a CSV cell, the way [`csv_rows`] reads it back: texts as they are,
/// lists of texts or numbers joined by `|`, objects and lists of objects as JSON.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if items.iter().all(|i| i.is_string() || i.is_number()) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(&SEPARATOR.to_string()),
        other => other.to_string(),
    }
}
