//! PyYAML's `yaml.dump` for plain data, as Ansible's `to_yaml` (leaf collections in flow
//! style) and `to_nice_yaml` (block style) call it: keys sorted, sequences in a mapping
//! not indented, the first entry of a sequence item on the dash's line. Long strings are
//! not folded at 80 columns as PyYAML does.

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

const MAX_DEPTH: usize = 100;

pub(crate) fn dump(v: &Value, indent: usize, flow_leaves: bool) -> Result<String, Error> {
    let indent = indent.clamp(2, 9);
    let d = Dumper {
        indent,
        flow_leaves,
    };
    let mut out = String::new();
    if is_collection(v) && !is_empty(v) && !(flow_leaves && is_leaf(v)) {
        d.block(&mut out, v, 0, 0)?;
    } else {
        out.push_str(&d.inline(v, 0)?);
        out.push('\n');
        if !is_collection(v) {
            out.push_str("...\n");
        }
    }
    Ok(out)
}

struct Dumper {
    indent: usize,
    flow_leaves: bool,
}

fn is_collection(v: &Value) -> bool {
    matches!(v.kind(), ValueKind::Map | ValueKind::Seq)
}

fn is_empty(v: &Value) -> bool {
    v.len() == Some(0)
}

/// A collection holding scalars only.
fn is_leaf(v: &Value) -> bool {
    let Ok(iter) = v.try_iter() else { return true };
    match v.kind() {
        ValueKind::Map => iter
            .into_iter()
            .all(|k| !is_collection(&v.get_item(&k).unwrap_or_default())),
        _ => iter.into_iter().all(|i| !is_collection(&i)),
    }
}

fn sorted_keys(v: &Value) -> Result<Vec<Value>, Error> {
    let mut keys: Vec<Value> = v.try_iter()?.collect();
    keys.sort_by_key(|k| k.to_string());
    Ok(keys)
}

impl Dumper {
    /// Whether `v` is written after its key or dash on the same line.
    fn stays_inline(&self, v: &Value) -> bool {
        !is_collection(v) || is_empty(v) || (self.flow_leaves && is_leaf(v))
    }

    /// `v` as the block collection starting at column `col` (the caller wrote the
    /// indentation of the first line).
    fn block(&self, out: &mut String, v: &Value, col: usize, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "nested too deeply for YAML",
            ));
        }
        let pad = " ".repeat(col);
        let mut first = true;
        if v.kind() == ValueKind::Map {
            for key in sorted_keys(v)? {
                if !first {
                    out.push_str(&pad);
                }
                first = false;
                let item = v.get_item(&key)?;
                out.push_str(&scalar(&key));
                out.push(':');
                if self.stays_inline(&item) {
                    out.push(' ');
                    out.push_str(&self.inline(&item, depth)?);
                    out.push('\n');
                } else if item.kind() == ValueKind::Seq {
                    // PyYAML does not indent a sequence inside a mapping.
                    out.push('\n');
                    out.push_str(&pad);
                    self.block(out, &item, col, depth + 1)?;
                } else {
                    out.push('\n');
                    out.push_str(&" ".repeat(col + self.indent));
                    self.block(out, &item, col + self.indent, depth + 1)?;
                }
            }
        } else {
            let dash = format!("-{}", " ".repeat(self.indent - 1));
            for item in v.try_iter()? {
                if !first {
                    out.push_str(&pad);
                }
                first = false;
                if self.stays_inline(&item) {
                    out.push_str("- ");
                    out.push_str(&self.inline(&item, depth)?);
                    out.push('\n');
                } else {
                    // A nested block starts on the dash's line, at the next indentation.
                    out.push_str(&dash);
                    self.block(out, &item, col + self.indent, depth + 1)?;
                }
            }
        }
        Ok(())
    }

    /// A scalar, or a collection in flow style.
    fn inline(&self, v: &Value, depth: usize) -> Result<String, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "nested too deeply for YAML",
            ));
        }
        Ok(match v.kind() {
            ValueKind::Map => {
                let mut parts = Vec::new();
                for k in sorted_keys(v)? {
                    parts.push(format!(
                        "{}: {}",
                        scalar(&k),
                        self.inline(&v.get_item(&k)?, depth + 1)?
                    ));
                }
                format!("{{{}}}", parts.join(", "))
            }
            ValueKind::Seq => {
                let mut parts = Vec::new();
                for i in v.try_iter()? {
                    parts.push(self.inline(&i, depth + 1)?);
                }
                format!("[{}]", parts.join(", "))
            }
            _ => scalar(v),
        })
    }
}

fn scalar(v: &Value) -> String {
    match v.kind() {
        ValueKind::None | ValueKind::Undefined => "null".to_string(),
        ValueKind::Bool => (if v.is_true() { "true" } else { "false" }).to_string(),
        ValueKind::Number => v.to_string(),
        _ => {
            let s = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            if plain_ok(&s) {
                s
            } else if s.chars().any(|c| c.is_control()) {
                double_quoted(&s)
            } else {
                format!("'{}'", s.replace('\'', "''"))
            }
        }
    }
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether PyYAML writes `s` unquoted.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let special_start = "-?:,[]{}#&*!|>'\"%@` ".contains(first);
    let reserved = matches!(
        s.to_ascii_lowercase().as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "~"
    );
    let numeric = s.parse::<f64>().is_ok()
        || s.starts_with("0x")
        || s.starts_with("0o")
        || s.chars()
            .all(|c| c.is_ascii_digit() || c == '_' || c == ':');
    !special_start
        && !reserved
        && !numeric
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(|c| c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(j: serde_json::Value) -> Value {
        Value::from(minijinja::value::Serde(j))
    }

    #[test]
    fn nice_yaml_as_pyyaml_writes_it() {
        let data =
            v(serde_json::json!([{"name": "Jane", "email": "j@x"}, {"tags": ["a", "b"], "n": 1}]));
        assert_eq!(
            dump(&data, 4, false).unwrap(),
            "-   email: j@x\n    name: Jane\n-   n: 1\n    tags:\n    - a\n    - b\n"
        );
        let nested = v(serde_json::json!({"a": {"b": "yes", "c": ""}, "d": []}));
        assert_eq!(
            dump(&nested, 4, false).unwrap(),
            "a:\n    b: 'yes'\n    c: ''\nd: []\n"
        );
        assert_eq!(
            dump(&v(serde_json::json!("x")), 4, false).unwrap(),
            "x\n...\n"
        );
    }

    #[test]
    fn to_yaml_writes_leaf_collections_in_flow_style() {
        let data = v(serde_json::json!({"a": [1, 2], "b": {"c": {"d": true}}}));
        assert_eq!(
            dump(&data, 2, true).unwrap(),
            "a: [1, 2]\nb:\n  c: {d: true}\n"
        );
    }
}
