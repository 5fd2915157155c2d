//! The filters and functions the Jinja engines add to Jinja itself: cookiecutter's default
//! extensions (`slugify`, `jsonify`, `random_ascii_string`, `uuid4`, the `now` tag) and the
//! Ansible filters copier loads (`to_json`, `to_nice_yaml`, `regex_replace`, `bool`, …).

use std::hash::{BuildHasher, Hasher};

use minijinja::value::{Kwargs, Value, ValueKind};
use minijinja::{Environment, Error, ErrorKind};

use super::json::{Dumps, dumps};

pub(crate) fn add_cookiecutter(env: &mut Environment<'_>) {
    env.add_filter("slugify", slugify);
    env.add_filter("jsonify", jsonify);
    env.add_function("random_ascii_string", random_ascii_string);
    env.add_function("uuid4", uuid4);
    env.add_function("now", now);
}

pub(crate) fn add_ansible(env: &mut Environment<'_>) {
    env.add_filter("to_json", to_json);
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("to_yaml", to_yaml);
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", |s: String| regex::escape(&s));
    env.add_filter("bool", to_bool);
    env.add_filter("quote", quote);
    env.add_filter("basename", |s: String| {
        s.rsplit('/').next().unwrap_or_default().to_string()
    });
    env.add_filter("dirname", |s: String| {
        s.rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string())
    });
    env.add_filter("mandatory", |v: Value| {
        if v.is_undefined() {
            Err(Error::new(
                ErrorKind::UndefinedError,
                "mandatory variable not defined",
            ))
        } else {
            Ok(v)
        }
    });
    env.add_filter(
        "ternary",
        |v: Value, yes: Value, no: Value| {
            if v.is_true() { yes } else { no }
        },
    );
}

fn err(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOperation, msg.into())
}

/// python-slugify with its defaults: transliterated to ASCII, lower case, every run of
/// characters other than letters and digits (apostrophes too) becomes one separator, no
/// separator at the ends.
fn slugify(value: String, kwargs: Kwargs) -> Result<String, Error> {
    let separator: String = kwargs
        .get::<Option<String>>("separator")?
        .unwrap_or("-".into());
    let max_length: usize = kwargs.get::<Option<usize>>("max_length")?.unwrap_or(0);
    let lowercase: bool = kwargs.get::<Option<bool>>("lowercase")?.unwrap_or(true);
    let allow_unicode: bool = kwargs
        .get::<Option<bool>>("allow_unicode")?
        .unwrap_or(false);
    for ignored in [
        "entities",
        "decimal",
        "hexadecimal",
        "word_boundary",
        "save_order",
    ] {
        let _: Option<Value> = kwargs.get(ignored)?;
    }
    if kwargs.has("stopwords") || kwargs.has("regex_pattern") || kwargs.has("replacements") {
        return Err(Error::new(
            ErrorKind::UnknownFilter,
            "slugify with stopwords, regex_pattern or replacements is not supported",
        ));
    }
    kwargs.assert_all_used()?;
    // Without `allow_unicode`, python-slugify transliterates to ASCII first (`Café` is
    // `cafe`, `Straße` `strasse`) and keeps only ASCII letters and digits.
    let value = if allow_unicode {
        value
    } else {
        deunicode::deunicode(&value)
    };
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in value.chars() {
        if c.is_alphanumeric() && (allow_unicode || c.is_ascii()) {
            if lowercase {
                current.extend(c.to_lowercase());
            } else {
                current.push(c);
            }
        } else if !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let mut slug = words.join(&separator);
    if max_length > 0 && slug.chars().count() > max_length {
        slug = slug.chars().take(max_length).collect();
        slug = slug.trim_matches(|c| separator.contains(c)).to_string();
    }
    Ok(slug)
}

fn jsonify(v: Value, indent: Option<Value>) -> Result<String, Error> {
    let indent = match indent {
        None => Some(4),
        Some(i) if i.is_none() => None,
        Some(i) => Some(usize::try_from(i.as_i64().unwrap_or(4)).unwrap_or(0)),
    };
    dumps(
        &v,
        Dumps {
            indent,
            sort_keys: true,
            ensure_ascii: true,
        },
    )
}

fn to_json(v: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    let sort_keys: bool = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(false);
    let ensure_ascii: bool = kwargs.get::<Option<bool>>("ensure_ascii")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    dumps(
        &v,
        Dumps {
            indent,
            sort_keys,
            ensure_ascii,
        },
    )
}

fn to_nice_json(v: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: usize = kwargs.get::<Option<usize>>("indent")?.unwrap_or(4);
    let sort_keys: bool = kwargs.get::<Option<bool>>("sort_keys")?.unwrap_or(true);
    kwargs.assert_all_used()?;
    dumps(
        &v,
        Dumps {
            indent: Some(indent),
            sort_keys,
            ensure_ascii: true,
        },
    )
}

fn to_yaml(v: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: usize = kwargs.get::<Option<usize>>("indent")?.unwrap_or(2);
    let _: Option<Value> = kwargs.get("width")?;
    kwargs.assert_all_used()?;
    super::yaml_dump::dump(&v, indent, true)
}

fn to_nice_yaml(v: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: usize = kwargs.get::<Option<usize>>("indent")?.unwrap_or(4);
    let _: Option<Value> = kwargs.get("width")?;
    kwargs.assert_all_used()?;
    super::yaml_dump::dump(&v, indent, false)
}

fn regex_search(s: String, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let re = build_regex(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(re
        .find(&s)
        .map_or(Value::from(()), |m| Value::from(m.as_str())))
}

fn regex_findall(s: String, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let re = build_regex(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(Value::from(
        re.find_iter(&s)
            .map(|m| m.as_str().to_string())
            .collect::<Vec<_>>(),
    ))
}

fn regex_replace(
    s: String,
    pattern: String,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let re = build_regex(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    // Python writes groups as `\1` or `\g<name>`, the regex crate as `${1}` / `${name}`.
    let py = regex::Regex::new(r"\\(\d+)|\\g<(\w+)>|\$").map_err(|e| err(e.to_string()))?;
    let replacement = py.replace_all(
        replacement.as_deref().unwrap_or(""),
        |c: &regex::Captures<'_>| match (c.get(1), c.get(2)) {
            (Some(n), _) | (_, Some(n)) => format!("${{{}}}", n.as_str()),
            _ => "$$".to_string(),
        },
    );
    Ok(re.replace_all(&s, replacement.as_ref()).into_owned())
}

fn build_regex(pattern: &str, kwargs: &Kwargs) -> Result<regex::Regex, Error> {
    let ignorecase: bool = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let multiline: bool = kwargs.get::<Option<bool>>("multiline")?.unwrap_or(false);
    regex::RegexBuilder::new(pattern)
        .case_insensitive(ignorecase)
        .multi_line(multiline)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| err(format!("invalid regular expression: {e}")))
}

/// Ansible's `bool`: yes/on/1/true/y (any case) are true.
fn to_bool(v: Value) -> bool {
    match v.kind() {
        ValueKind::Bool => v.is_true(),
        ValueKind::Number => v.as_i64() == Some(1),
        _ => matches!(
            v.to_string().trim().to_lowercase().as_str(),
            "yes" | "on" | "1" | "true" | "y"
        ),
    }
}

/// Python's `shlex.quote`.
fn quote(s: String) -> String {
    if s.is_empty() {
        return "''".to_string();
    }
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        return s;
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

fn random_ascii_string(length: usize, punctuation: Option<bool>) -> Result<String, Error> {
    if length > 1 << 20 {
        return Err(err("random_ascii_string: length too large"));
    }
    let mut corpus: String = ('a'..='z').chain('A'..='Z').collect();
    if punctuation.unwrap_or(false) {
        corpus.push_str("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~");
    }
    let chars: Vec<char> = corpus.chars().collect();
    Ok((0..length)
        .map(|_| chars[(random_u64() % chars.len() as u64) as usize])
        .collect())
}

fn uuid4() -> String {
    let a = random_u64();
    let b = random_u64();
    let hi = (a & 0xffff_ffff_ffff_0fff) | 0x4000;
    let lo = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

/// cookiecutter's `{% now 'utc', '%Y' %}` (rewritten to a call before parsing). Every
/// time zone is taken as UTC.
fn now(_tz: Value, format: Option<String>) -> Result<String, Error> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    strftime(secs, format.as_deref().unwrap_or("%Y-%m-%d"))
}

/// `strftime` of a UTC time for the common directives.
pub(crate) fn strftime(secs: i64, format: &str) -> Result<String, Error> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = (days + 3).rem_euclid(7) as usize;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let month_name = MONTHS[(month - 1) as usize];
        match chars.next() {
            Some('Y') => out.push_str(&year.to_string()),
            Some('y') => out.push_str(&format!("{:02}", year.rem_euclid(100))),
            Some('m') => out.push_str(&format!("{month:02}")),
            Some('d') => out.push_str(&format!("{day:02}")),
            Some('H') => out.push_str(&format!("{h:02}")),
            Some('M') => out.push_str(&format!("{m:02}")),
            Some('S') => out.push_str(&format!("{s:02}")),
            Some('B') => out.push_str(month_name),
            Some('b') => out.push_str(&month_name[..3]),
            Some('A') => out.push_str(DAYS[weekday]),
            Some('a') => out.push_str(&DAYS[weekday][..3]),
            Some('%') => out.push('%'),
            other => {
                return Err(Error::new(
                    ErrorKind::UnknownFunction,
                    format!(
                        "now: the strftime directive %{} is not supported",
                        other.unwrap_or(' ')
                    ),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> String {
        slugify(
            s.to_string(),
            Kwargs::from_iter(std::iter::empty::<(&str, Value)>()),
        )
        .unwrap()
    }

    #[test]
    fn slugify_as_python_slugify() {
        assert_eq!(slug("Python Boilerplate"), "python-boilerplate");
        assert_eq!(slug("  Data-Tools Kit!! "), "data-tools-kit");
        // As python-slugify 9 (what cookiecutter installs) gives them.
        assert_eq!(slug("Jack's app_2"), "jack-s-app-2");
        assert_eq!(slug("Café Déjà Vu"), "cafe-deja-vu");
        assert_eq!(slug("Straße Ölmühle"), "strasse-olmuhle");
        assert_eq!(slug("北京 app"), "bei-jing-app");
        assert_eq!(slug("naïve—résumé"), "naive-resume");
    }

    #[test]
    fn dates() {
        // 2024-02-29T13:05:09Z, a Thursday.
        assert_eq!(
            strftime(1_709_211_909, "%Y-%m-%d %H:%M:%S %a %B %y %%").unwrap(),
            "2024-02-29 13:05:09 Thu February 24 %"
        );
        assert!(strftime(0, "%Q").is_err());
    }

    #[test]
    fn uuid_shape() {
        let u = uuid4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn python_helpers() {
        assert_eq!(quote("a b".into()), "'a b'");
        assert_eq!(quote("ab".into()), "ab");
        assert!(to_bool(Value::from("Yes")));
        assert!(!to_bool(Value::from("no")));
    }
}
