//! A data value that keeps the order of mapping keys as written (Python dicts keep it, and
//! templates iterate them), read from JSON or YAML manifests and turned into template
//! values.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A template map of `pairs`, in their order.
pub(crate) fn map_value<K: Into<String>>(
    pairs: impl IntoIterator<Item = (K, minijinja::Value)>,
) -> minijinja::Value {
    let map: IndexMap<minijinja::Value, minijinja::Value> = pairs
        .into_iter()
        .map(|(k, v)| (minijinja::Value::from(k.into()), v))
        .collect();
    minijinja::Value::from(map)
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum Ordered {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    List(Vec<Ordered>),
    Map(IndexMap<String, Ordered>),
}

impl Ordered {
    pub fn from_json(v: &serde_json::Value) -> Ordered {
        match v {
            serde_json::Value::Null => Ordered::Null,
            serde_json::Value::Bool(b) => Ordered::Bool(*b),
            serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Ordered::Int(i),
                (_, Some(u), _) => Ordered::UInt(u),
                (_, _, f) => Ordered::Float(f.unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(s) => Ordered::Str(s.clone()),
            serde_json::Value::Array(a) => {
                Ordered::List(a.iter().map(Ordered::from_json).collect())
            }
            serde_json::Value::Object(o) => Ordered::Map(
                o.iter()
                    .map(|(k, v)| (k.clone(), Ordered::from_json(v)))
                    .collect(),
            ),
        }
    }

    pub fn to_value(&self) -> minijinja::Value {
        minijinja::Value::from(minijinja::value::Serde(self))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Ordered::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&IndexMap<String, Ordered>> {
        match self {
            Ordered::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Python's `str()` of a scalar (`None` for containers).
    pub fn python_str(&self) -> Option<String> {
        Some(match self {
            Ordered::Null => "None".to_string(),
            Ordered::Bool(true) => "True".to_string(),
            Ordered::Bool(false) => "False".to_string(),
            Ordered::Int(i) => i.to_string(),
            Ordered::UInt(u) => u.to_string(),
            Ordered::Float(f) => python_float(*f),
            Ordered::Str(s) => s.clone(),
            Ordered::List(_) | Ordered::Map(_) => return None,
        })
    }
}

/// Python's `repr` of a float (`1.0`, `0.5`, `1e+20`).
pub(crate) fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if f == f.trunc() && f.abs() < 1e16 {
        return format!("{f:.1}");
    }
    let s = format!("{f}");
    if f.abs() >= 1e16 || (f != 0.0 && f.abs() < 1e-4) {
        let e = format!("{f:e}");
        // Rust writes `1e20`, Python `1e+20`.
        if let Some((m, x)) = e.split_once('e') {
            let (sign, digits) = x.strip_prefix('-').map_or(("+", x), |d| ("-", d));
            return format!("{m}e{sign}{digits:0>2}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order() {
        let v: Ordered = serde_json::from_str(r#"{"b": 1, "a": [true, null, 1.5, "x"]}"#).unwrap();
        let keys: Vec<_> = v.as_map().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(
            v.to_value().to_string(),
            "{'b': 1, 'a': [True, None, 1.5, 'x']}"
        );
    }

    #[test]
    fn floats_as_python_writes_them() {
        assert_eq!(python_float(1.0), "1.0");
        assert_eq!(python_float(0.5), "0.5");
        assert_eq!(python_float(1e20), "1e+20");
        assert_eq!(python_float(1.5e-7), "1.5e-07");
    }
}
