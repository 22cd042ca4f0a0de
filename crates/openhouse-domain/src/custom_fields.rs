//! Custom fields: their types, and what values each takes.

use crate::Error;

/// The custom field types of the contract.
pub const FIELD_TYPES: [&str; 7] = [
    "number",
    "text",
    "date",
    "single_select",
    "multi_select",
    "percentage",
    "currency",
];

/// The options of a select field: `{"option": ["a", "b"]}`.
pub fn select_options(params: Option<&str>) -> Result<Vec<String>, Error> {
    let bad = || Error::invalid(r#"params of a select field must be {"option": ["item1", ...]}"#);
    let v: serde_json::Value = serde_json::from_str(params.ok_or_else(bad)?).map_err(|_| bad())?;
    let opts: Vec<String> = v["option"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|o| o.as_str().map(|s| s.trim().to_string()).ok_or_else(bad))
        .collect::<Result<_, _>>()?;
    if opts.is_empty() || opts.iter().any(String::is_empty) {
        return Err(bad());
    }
    Ok(opts)
}

/// Checks a value against a field's type (and options).
pub fn check_field_value(
    name: &str,
    kind: &str,
    params: Option<&str>,
    value: &str,
) -> Result<(), Error> {
    let v = value.trim();
    let bad = |what: &str| Error::invalid(format!("custom field '{name}': {what}"));
    match kind {
        "number" | "percentage" | "currency" => {
            if !v.is_empty() && v.parse::<f64>().map_or(true, |f| !f.is_finite()) {
                return Err(bad("the value must be a number"));
            }
        }
        "date" => {
            let ok = v.is_empty() || crate::time::is_date(v) || crate::time::is_us_date(v);
            if !ok {
                return Err(bad(
                    "the value must be a date (yyyy-MM-dd) or epoch milliseconds, in the years \
                     1900-9999",
                ));
            }
        }
        "single_select" => {
            let opts = select_options(params)?;
            if !v.is_empty() && !opts.iter().any(|o| o == v) {
                return Err(bad("the value is not one of the field's options"));
            }
        }
        "multi_select" => {
            let opts = select_options(params)?;
            if !v.is_empty() {
                let chosen: Vec<String> = serde_json::from_str(v).map_err(|_| {
                    bad(r#"the value must be a JSON array of options, like ["item1"]"#)
                })?;
                if let Some(c) = chosen.iter().find(|c| !opts.iter().any(|o| o == c.trim())) {
                    return Err(bad(&format!("'{c}' is not one of the field's options")));
                }
            }
        }
        "text" => {
            if v.chars().count() > 5000 {
                return Err(Error::too_long(name, 5000));
            }
        }
        other => {
            return Err(Error::invalid(format!(
                "attributeType '{other}' is not one of {}",
                FIELD_TYPES.join(", ")
            )));
        }
    }
    Ok(())
}
