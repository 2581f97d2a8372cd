//! Canonical JSON: the byte-exact form of a spec that is hashed into the run ID.

use serde_json::Value;

/// Serialises `value` with object keys sorted (byte order), no whitespace, and numbers as
/// serde_json writes them (integers exactly, floats in shortest round-trip form).
///
/// Key order is imposed here rather than relying on serde_json's map type, which a dependency
/// could switch to insertion order through the `preserve_order` feature.
#[must_use]
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_at_every_level_without_whitespace() {
        let v: Value = serde_json::from_str(r#"{"b": 1, "a": {"z": [1, 2.5], "c": null}}"#).expect("json");
        assert_eq!(canonical_json(&v), r#"{"a":{"c":null,"z":[1,2.5]},"b":1}"#);
    }

    #[test]
    fn floats_use_shortest_round_trip_form() {
        let v = serde_json::json!({"tol": 1e-4, "x": 0.1 + 0.2});
        assert_eq!(canonical_json(&v), r#"{"tol":0.0001,"x":0.30000000000000004}"#);
    }
}
