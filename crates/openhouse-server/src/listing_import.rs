//! `openhouse listings import`: reads listings from JSON (an array of `ListingItem` objects, or
//! one object a line) or CSV (a header row of `ListingItem` field names; list fields —
//! `listingZipcode`, `propertyTypes`, `pictureList`, `publishedFeeds` — separated by `|`), each
//! row with the line it starts on, so a bad row is reported by line ([`crate::tabular`], which
//! the lead import shares).

use openhouse_api::ListingItem;

pub use crate::tabular::Format;
use crate::tabular::{Columns, csv_rows, fields_of};

/// One row read: the line it starts on and the listing, or why it is not one.
pub type Row = crate::tabular::Row<ListingItem>;

/// Reads JSON: an array of listings, or one listing a line. A document that is neither is one
/// error on line 1.
pub fn read_json(text: &str) -> Result<Vec<Row>, String> {
    crate::tabular::read_json(text, "listings")
}

/// Reads CSV with a header row of `ListingItem` field names. An unknown column refuses the
/// whole file (each of its rows would lose data).
pub fn read_csv(text: &str) -> Result<Vec<Row>, String> {
    let columns = Columns {
        required: "mlsListingId",
        what: "listing",
        ..Default::default()
    };
    Ok(csv_rows(text, &fields_of::<ListingItem>(), &columns)?.collect())
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
