//! Secrets in documentation samples: a fenced block of a Markdown file, a literal block of a
//! reStructuredText file, an `example:` of an OpenAPI/Swagger description. Such a value is
//! usually made up for the reader, so it is reported as a note, unless its own format
//! proves it was issued: a GitHub or npm token whose checksum is valid.

use crate::source::SourceFile;

/// How far above a line an OpenAPI `example:`/`examples:` key that holds it is looked for.
const EXAMPLE_LOOKUP: u32 = 24;

/// Where the samples of a file are, worked out once per file with findings.
pub enum Samples {
    /// Not documentation: nothing is a sample.
    None,
    /// Lines (1-based) inside sample blocks.
    Lines(Vec<bool>),
    /// An OpenAPI/Swagger description: `example` values are samples.
    OpenApi,
}

impl Samples {
    pub fn of(file: &SourceFile) -> Samples {
        let path = file.path().to_ascii_lowercase();
        let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
        match ext {
            "md" | "markdown" | "mdx" => Samples::Lines(markdown_blocks(file.text())),
            "rst" => Samples::Lines(rst_blocks(file.text())),
            "yaml" | "yml" | "json" if openapi(file.text()) => Samples::OpenApi,
            _ => Samples::None,
        }
    }

    /// Whether line `line` (1-based) of `file` is part of a sample.
    pub fn holds(&self, file: &SourceFile, line: u32) -> bool {
        match self {
            Samples::None => false,
            Samples::Lines(lines) => lines.get(line as usize).copied().unwrap_or(false),
            Samples::OpenApi => openapi_example(file, line),
        }
    }
}

/// Whether the head of a YAML or JSON file declares an OpenAPI or Swagger document.
fn openapi(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(4096)];
    [&b"openapi"[..], b"swagger"].iter().any(|k| {
        memchr::memmem::find_iter(head, k).any(|i| {
            let rest = &head[i + k.len()..];
            let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
            rest.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':')
        })
    })
}

/// Whether line `line` is an `example:` value, or lies under an `example:`/`examples:` key
/// (a YAML block less indented above it, or a JSON key).
fn openapi_example(file: &SourceFile, line: u32) -> bool {
    let indent = |s: &str| s.len() - s.trim_start().len();
    let key = |s: &str| {
        let t = s.trim_start().trim_start_matches(['-', ' ', '"']);
        t.starts_with("example") || t.starts_with("x-example")
    };
    let text = file.text();
    let own = &text[file.line_range(line)];
    if key(own) {
        return true;
    }
    let mut depth = indent(own);
    for n in (line.saturating_sub(EXAMPLE_LOOKUP).max(1)..line).rev() {
        let l = &text[file.line_range(n)];
        if l.trim().is_empty() || indent(l) >= depth {
            continue;
        }
        if key(l) {
            return true;
        }
        depth = indent(l);
        if depth == 0 {
            break;
        }
    }
    false
}

/// Per line (index 1-based; index 0 unused): inside a ``` or ~~~ fenced block.
fn markdown_blocks(text: &str) -> Vec<bool> {
    let mut out = vec![false];
    let mut fence: Option<(u8, usize)> = None;
    for line in text.split('\n') {
        let t = line.trim_start();
        let run = |c: u8| t.bytes().take_while(|&b| b == c).count();
        let opener = [b'`', b'~']
            .into_iter()
            .map(|c| (c, run(c)))
            .find(|&(_, n)| n >= 3);
        match (fence, opener) {
            (Some((c, n)), Some((c2, n2))) if c == c2 && n2 >= n && t.trim_end().len() == n2 => {
                fence = None;
                out.push(false);
            }
            (Some(_), _) => out.push(true),
            (None, Some(open)) => {
                fence = Some(open);
                out.push(false);
            }
            (None, None) => out.push(false),
        }
    }
    out
}

/// Per line (index 1-based): inside a literal block (indented under a paragraph ending in
/// `::`, or under a `.. code-block::`/`.. code::`/`.. sourcecode::` directive).
fn rst_blocks(text: &str) -> Vec<bool> {
    let mut out = vec![false];
    // The indentation of the line that opens a block, and of the block's context: the block
    // is what is indented deeper than it.
    let mut opens: Option<usize> = None;
    let mut inside: Option<usize> = None;
    for line in text.split('\n') {
        let indent = line.len() - line.trim_start().len();
        let t = line.trim();
        if t.is_empty() {
            out.push(inside.is_some());
            continue;
        }
        if let Some(base) = inside {
            if indent > base {
                out.push(true);
                continue;
            }
            inside = None;
        }
        if let Some(base) = opens.take()
            && indent > base
        {
            inside = Some(base);
            out.push(true);
            continue;
        }
        let opener =
            t.ends_with("::") || t.starts_with(".. code") || t.starts_with(".. sourcecode");
        opens = opener.then_some(indent);
        out.push(false);
    }
    out
}

/// Whether `secret` carries a checksum of its format that holds: GitHub (`ghp_`, `gho_`,
/// `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens end in six base62 digits
/// (`0-9A-Za-z`, zero-padded) of the CRC-32 of the 30 random characters before them.
pub fn valid_checksum(secret: &str) -> bool {
    let Some((prefix, body)) = secret.split_once('_') else {
        return false;
    };
    if !matches!(prefix, "ghp" | "gho" | "ghu" | "ghs" | "ghr" | "npm")
        || body.len() != 36
        || !body.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return false;
    }
    let (random, check) = body.split_at(30);
    let mut crc = flate2::Crc::new();
    crc.update(random.as_bytes());
    base62(crc.sum(), 6) == check
}

fn base62(mut n: u32, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_of_github_and_npm_tokens() {
        // Split so that this file is not a leak to other scanners.
        for t in [
            concat!("gh", "p_I9EO8CORHCFFz2Nmvh86UKvNzp45zo2KbT71"),
            concat!("np", "m_lvpdRrhXBqQbbmJ6YsmFqCKHvg37oF4VkhrC"),
        ] {
            assert!(valid_checksum(t), "{t}");
        }
        assert!(!valid_checksum(concat!(
            "gh",
            "p_I9EO8CORHCFFz2Nmvh86UKvNzp45zo2KbT72"
        )));
        assert!(!valid_checksum("sk_live_abc"));
    }

    #[test]
    fn sample_blocks() {
        let md = "text\n```sh\ncurl x\n```\nafter\n";
        assert_eq!(
            markdown_blocks(md),
            vec![false, false, false, true, false, false, false]
        );
        let rst = "Run::\n\n    curl x\n\nafter\n";
        assert!(rst_blocks(rst)[3]);
        assert!(!rst_blocks(rst)[5]);
        // A block opened inside a list item ends where the item's text goes on.
        let nested = "  Run::\n\n      curl x\n\n  after\n";
        assert_eq!(
            rst_blocks(nested),
            vec![false, false, false, true, true, false, false]
        );
        assert!(openapi("openapi: 3.0.0\ninfo: {}\n"));
        assert!(openapi("{\n  \"swagger\": \"2.0\"}"));
        assert!(!openapi("name: x\n"));
    }
}
