//! Python's `json.dumps` for template values, as cookiecutter's `jsonify` and Ansible's
//! `to_json` / `to_nice_json` call it (same separators, key order and escapes).

use minijinja::value::{Value, ValueKind};
use minijinja::{Error, ErrorKind};

/// How `json.dumps` was called.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dumps {
    /// `indent=`: `None` writes one line with `", "` between items.
    pub indent: Option<usize>,
    pub sort_keys: bool,
    pub ensure_ascii: bool,
}

pub(crate) fn dumps(v: &Value, opts: Dumps) -> Result<String, Error> {
    let mut out = String::new();
    write(&mut out, v, opts, 0, 0)?;
    Ok(out)
}

fn newline(out: &mut String, opts: Dumps, level: usize) {
    if let Some(n) = opts.indent {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', n * level));
    }
}

fn write(
    out: &mut String,
    v: &Value,
    opts: Dumps,
    level: usize,
    depth: usize,
) -> Result<(), Error> {
    if depth > 200 {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            "nested too deeply for JSON",
        ));
    }
    let item_sep = if opts.indent.is_some() { "," } else { ", " };
    match v.kind() {
        ValueKind::Undefined | ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if v.is_true() { "true" } else { "false" }),
        ValueKind::Number => {
            let s = v.to_string();
            out.push_str(match s.as_str() {
                "inf" => "Infinity",
                "-inf" => "-Infinity",
                "nan" => "NaN",
                other => other,
            });
        }
        ValueKind::String => string(out, v.as_str().unwrap_or_default(), opts.ensure_ascii),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = v.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, opts, level + 1);
                write(out, item, opts, level + 1, depth + 1)?;
            }
            newline(out, opts, level);
            out.push(']');
        }
        ValueKind::Map => {
            let mut keys: Vec<Value> = v.try_iter()?.collect();
            if keys.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            if opts.sort_keys {
                keys.sort_by_key(|k| k.to_string());
            }
            out.push('{');
            for (i, key) in keys.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                newline(out, opts, level + 1);
                let name = match key.as_str() {
                    Some(s) => s.to_string(),
                    None if key.kind() == ValueKind::Bool => {
                        (if key.is_true() { "true" } else { "false" }).to_string()
                    }
                    None if key.is_none() => "null".to_string(),
                    None => key.to_string(),
                };
                string(out, &name, opts.ensure_ascii);
                out.push_str(": ");
                write(out, &v.get_item(key)?, opts, level + 1, depth + 1)?;
            }
            newline(out, opts, level);
            out.push('}');
        }
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("a {} is not JSON serializable", v.kind()),
            ));
        }
    }
    Ok(())
}

fn string(out: &mut String, s: &str, ensure_ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ensure_ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_python_writes_it() {
        let v = Value::from(minijinja::value::Serde(
            serde_json::json!({"b": [1, 2.5, {}], "a": "é\n", "c": []}),
        ));
        let pretty = Dumps {
            indent: Some(4),
            sort_keys: true,
            ensure_ascii: true,
        };
        assert_eq!(
            dumps(&v, pretty).unwrap(),
            "{\n    \"a\": \"\\u00e9\\n\",\n    \"b\": [\n        1,\n        2.5,\n        {}\n    ],\n    \"c\": []\n}"
        );
        let flat = Dumps {
            indent: None,
            sort_keys: false,
            ensure_ascii: false,
        };
        assert_eq!(
            dumps(&Value::from(vec![true, false]), flat).unwrap(),
            "[true, false]"
        );
    }
}
