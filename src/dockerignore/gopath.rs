//! Go's `path/filepath` as moby uses it on patterns: `Clean`, and the syntax check of
//! `Match` (Unix), ported so that a pattern is cleaned and rejected exactly as Docker does.

/// Go's `filepath.Clean` (Unix): `//` and `.` segments go, `x/..` cancels, a rooted `..`
/// disappears, a trailing `/` goes; the empty path is `.`.
pub fn go_clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|s| *s != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// The syntax check of Go's `filepath.Match` (Unix), which moby runs on every pattern.
pub(super) fn check_syntax(pattern: &str) -> Result<(), &'static str> {
    let mut rest = pattern.as_bytes();
    while !rest.is_empty() {
        // scanChunk: skip stars, take up to the next star outside a class.
        while rest.first() == Some(&b'*') {
            rest = &rest[1..];
        }
        let mut inrange = false;
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                b'\\' if i + 1 < rest.len() => i += 1,
                b'[' => inrange = true,
                b']' => inrange = false,
                b'*' if !inrange => break,
                _ => {}
            }
            i += 1;
        }
        check_chunk(&rest[..i])?;
        rest = &rest[i..];
    }
    Ok(())
}

fn check_chunk(mut chunk: &[u8]) -> Result<(), &'static str> {
    while let Some(&c) = chunk.first() {
        match c {
            b'[' => {
                chunk = &chunk[1..];
                if chunk.first() == Some(&b'^') {
                    chunk = &chunk[1..];
                }
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    chunk = class_char(chunk)?;
                    if chunk.first() == Some(&b'-') {
                        chunk = class_char(&chunk[1..])?;
                    }
                    nrange += 1;
                }
            }
            b'\\' => {
                chunk = &chunk[1..];
                if chunk.is_empty() {
                    return Err("a trailing `\\` escapes nothing");
                }
                chunk = &chunk[1..];
            }
            _ => chunk = &chunk[1..],
        }
    }
    Ok(())
}

/// Go's `getEsc`: one (possibly escaped) character of a class; something must follow.
fn class_char(chunk: &[u8]) -> Result<&[u8], &'static str> {
    let bad = "unclosed or malformed character class `[…]`";
    let mut chunk = chunk;
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return Err(bad),
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return Err(bad);
            }
        }
        _ => {}
    }
    let len = utf8_len(chunk);
    let rest = &chunk[len.min(chunk.len())..];
    if rest.is_empty() {
        return Err(bad);
    }
    Ok(rest)
}

fn utf8_len(b: &[u8]) -> usize {
    match b.first() {
        Some(&c) if c >= 0xf0 => 4,
        Some(&c) if c >= 0xe0 => 3,
        Some(&c) if c >= 0xc0 => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        for (i, o) in [
            ("a/../b", "b"),
            ("./tmp//cache/", "tmp/cache"),
            ("/../x", "/x"),
            ("../x", "../x"),
            ("!../../x", "x"),
            ("", "."),
            ("/", "/"),
            ("a/b/../../..", ".."),
            ("logs/", "logs"),
        ] {
            assert_eq!(go_clean(i), o, "{i}");
        }
    }

    #[test]
    fn match_syntax() {
        assert!(check_syntax("[").is_err());
        assert!(check_syntax("a\\").is_err());
        assert!(check_syntax("[]a]").is_err());
        assert!(check_syntax("[a-]").is_err());
        assert!(check_syntax("[-a]").is_err());
        assert!(check_syntax("[a-z]*.go").is_ok());
        assert!(check_syntax("\\[x\\]").is_ok());
        assert!(check_syntax("[\\]]").is_ok());
        assert!(check_syntax("[[]").is_ok());
        assert!(check_syntax("**/*.go").is_ok());
    }
}
