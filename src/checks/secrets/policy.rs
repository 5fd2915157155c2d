//! What is not a secret: placeholders, references to the environment or a template
//! engine, hashes and identifiers. Shared by every detector.

use super::synthetic;
use crate::static_regex;
use crate::util::{ceil_char_boundary, floor_char_boundary};

/// Shannon entropy of `s` in bits per byte.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// `ghp_…(40)`: the first four characters and the length, never more.
pub fn redact(secret: &str) -> String {
    let head: String = secret.chars().take(4).collect();
    format!("{head}…({})", secret.chars().count())
}

/// How far before a key's first base64 line its `-----BEGIN` marker may be.
const PEM_LOOKBACK: usize = 256;
/// How far after a key's first line its `-----END` marker may be.
const PEM_LOOKAHEAD: usize = 64 * 1024;
/// How far before and after a secret its line is read for quotes.
const QUOTE_SCAN: usize = 4096;

/// The bytes to hide for a secret a detector matched at `secret`: the match, extended
/// for a PEM block to its `-----END …-----` marker, then to the end of the string literal
/// it ends in (a key in a one-line JSON string runs to the closing quote; an unterminated
/// literal to the end of the line). Hiding more than the value is safe; less is a leak.
pub fn extent(text: &str, secret: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let bytes = text.as_bytes();
    let mut end = secret.end.min(bytes.len());
    let lookback = secret.start.saturating_sub(PEM_LOOKBACK);
    if memchr::memmem::find(&bytes[lookback..end], b"-----BEGIN").is_some() {
        let hi = (end + PEM_LOOKAHEAD).min(bytes.len());
        if let Some(i) = memchr::memmem::find(&bytes[end..hi], b"-----END") {
            let after = end + i + b"-----END".len();
            end = match memchr::memmem::find(&bytes[after..hi], b"-----") {
                Some(j) if !bytes[after..after + j].contains(&b'\n') => after + j + 5,
                _ => after,
            };
        }
    }
    // The line the secret ends on, and the quote state there.
    let last = end.saturating_sub(1).max(secret.start);
    // Only QUOTE_SCAN bytes either side are looked at, so that many secrets on one long
    // minified line cost linear time. When the line starts further back, the state at the
    // secret is guessed from the byte before it.
    let lo = last.saturating_sub(QUOTE_SCAN).min(secret.start);
    let line_end = {
        let hi = (end + QUOTE_SCAN).min(bytes.len());
        memchr::memchr2(b'\n', b'\r', &bytes[end..hi]).map_or(hi, |i| end + i)
    };
    let (from, mut quote) = match memchr::memrchr2(b'\n', b'\r', &bytes[lo..last]) {
        Some(i) => (lo + i + 1, None),
        None if lo == 0 => (0, None),
        None => {
            let start = secret.start.max(lo);
            let before = start.checked_sub(1).map(|i| bytes[i]);
            (start, before.filter(|b| matches!(b, b'"' | b'\'' | b'`')))
        }
    };
    let mut i = from;
    while i < end {
        let b = bytes[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            None if matches!(b, b'"' | b'\'' | b'`') => quote = Some(b),
            _ => {}
        }
        i += 1;
    }
    if let Some(q) = quote {
        let mut j = end.max(i);
        while j < line_end {
            match bytes[j] {
                b'\\' => j += 2,
                b if b == q => break,
                _ => j += 1,
            }
        }
        end = j.min(line_end);
    }
    floor_char_boundary(text, secret.start.min(end))..ceil_char_boundary(text, end)
}

/// Words that mark a value as a placeholder wherever they appear in it.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "change_this",
    "change-this",
    "replace_me",
    "replaceme",
    "replace-me",
    "replace_with",
    "replace-with",
    "placeholder",
    "your_",
    "your-",
    "yourpassword",
    "yoursecret",
    "yourtoken",
    "yourkey",
    "dummy",
    "redacted",
    "set_me",
    "set me",
    "setme",
    "set-me",
    "fill_me",
    "fillme",
    "insert_",
    "notreal",
    "not_real",
    "not-real",
    "not_a_real",
    "not-a-real",
    "fake",
    "xxxx",
    "****",
    "...",
    "…",
    "todo",
    "fixme",
    "<redacted>",
    "sample",
    "lorem",
    "insecure",
    "foobar",
    "password123",
    "secret123",
    "123456",
    "abcdef",
    "qwerty",
];

static_regex!(
    /// A name in square brackets, `[PASSWORD]`, `[YOUR_API_KEY]`: a placeholder to fill in.
    BRACKETED_NAME = r"\[[A-Z][A-Z0-9_ \-]{2,}\]"
);

static_regex!(
    /// Values that are a reference, not a literal: environment, template engines, secret stores.
    REFERENCE = concat!(
        r"(?i)^\$[A-Za-z_{(]|\$\{|\$\(|\{\{|\}\}|\{%|%\}|<%|%>|#\{|%\([a-z_]+\)s|^@|",
        r"os\.environ|os\.getenv|getenv\(|process\.env|import\.meta\.env|env::var|env\(|",
        r"ENV\[|environ\[|secrets\.|vars\.|valueFrom|secretKeyRef|(?-u:\b)vault:|(?-u:\b)ssm:|",
        r"arn:aws|^!ref|^!sub|^!getatt|(?-u:\b)SecretsManager|keyvault|^ref\+|^file:|^env:|",
        r"(?-u:\b)(?:lookup\(|var\.|local\.|data\.|module\.)"
    )
);

static_regex!(
    /// Hashes, digests and identifiers that look random but are not credentials.
    NOT_A_KEY = concat!(
        r"(?i)^(?:sha1|sha256|sha384|sha512|md5)[:\-=]|",
        r"^v?\d+(?:\.\d+)+(?:[-+][\w.]+)?$|^\d+$|",
        r"^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-\S+) |",
        r"-----BEGIN (?:CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|PGP PUBLIC KEY)"
    )
);

static_regex!(
    /// A commit or content hash (40, 64 or 128 hex digits) or a UUID: an identifier unless
    /// a secret's name says otherwise.
    HASH_OR_UUID = concat!(
        r"(?i)^(?:[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$|",
        r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )
);

/// Example credentials printed in providers' own documentation (Firebase's SDK reference,
/// Stripe's API reference) or shipped in their SDKs' samples and test resources (the
/// `AIzaSy…` keys of the Firebase Android SDK), copied into tutorials and templates: they
/// were never issued to anyone. AWS's `…EXAMPLE` keys are placeholders by their word.
const DOCUMENTED_EXAMPLES: &[&str] = &[
    "AIzaSyDOCAbC123dEf456GhI789jKl01",
    "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
    "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
    "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",
    "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
    "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A",
    "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c",
    "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4",
    "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY",
    "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM",
    "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ",
    "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g",
    "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU",
    "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw",
    "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",
    "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "sk_test_26PHem9AhJZvU623DfE1x4sd",
];

/// Why `value` is not a secret, or `None` when it may be one. Applies to every detector.
pub fn not_a_secret(value: &str) -> Option<&'static str> {
    if HASH_OR_UUID.is_match(value.trim()) {
        return Some("hash or identifier");
    }
    not_a_secret_value(value)
}

/// [`not_a_secret`], or, where the detector's context says the value is a credential
/// (`hash_shaped`: `Authorization: Bearer <uuid>`, a `.netrc` password), the same without
/// the hash-or-identifier shape test.
pub fn not_a_secret_here(value: &str, hash_shaped: bool) -> Option<&'static str> {
    if hash_shaped {
        not_a_secret_value(value)
    } else {
        not_a_secret(value)
    }
}

/// [`not_a_secret`] for a value bound to a secret's name: a hex string of a hash's length
/// or a UUID is reported there (API keys and tokens come in both shapes), unless the name
/// says it holds a hash or an identifier (see [`credential_like`]).
fn not_a_secret_value(value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.len() < 4 {
        return Some("too short");
    }
    if DOCUMENTED_EXAMPLES.iter().any(|e| v.starts_with(e)) {
        return Some("an example from a provider's documentation");
    }
    let lower = v.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.iter().any(|w| lower.contains(w)) {
        return Some("placeholder");
    }
    if v.starts_with("__") && v.ends_with("__") {
        return Some("placeholder");
    }
    // `<your-token>`, and the same written for HTML or XML: `&lt;YOUR_PASSWORD&gt;`.
    let angled =
        (v.contains('<') && v.contains('>')) || (lower.contains("&lt;") && lower.contains("&gt;"));
    if angled || BRACKETED_NAME.is_match(v) {
        return Some("placeholder");
    }
    if REFERENCE.is_match(v) {
        return Some("reference");
    }
    if NOT_A_KEY.is_match(v) {
        return Some("hash or identifier");
    }
    if phrase(v) {
        return Some("words, not a random value");
    }
    if synthetic::distinct(v.as_bytes()) < 4 {
        return Some("repeated characters");
    }
    // `ghp_FAKEFAKEFAKE…`, `sk_live_0000…`: a real token of this length is far more random.
    if v.len() >= 20 && entropy(v) < 3.0 {
        return Some("repetitive");
    }
    if synthetic::repeated_group(v) {
        return Some("a group typed three times");
    }
    if synthetic::typed_sequence(v) {
        return Some("a typed sequence");
    }
    None
}

static_regex!(
    /// Identifiers (`self.password`, `config.db.secret`, `PASSWORD_FILE`) are not literal values.
    IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*(?:(?:\.|::|->)[A-Za-z_][A-Za-z0-9_]*)*(?:\(\))?$"
);

static_regex!(
    /// Words in a value that mark it as prose or a file name rather than a credential.
    NOT_A_CREDENTIAL = concat!(
        r"(?i)^(?:true|false|null|none|nil|undefined|required|optional|string|bool|int|yes|no)$|",
        r"^https?://[^:@/\s]+(?:[/?#]|$)|^[./~]*/[\w./-]+$|\.(?:pem|key|crt|json|ya?ml|txt|env|p12|pfx|jks)$|",
        r"^\w+(?:\s+\w+){2,}"
    )
);

/// `my_super_secret_key`, `sensitive-property-value`, `Win32_System`: words joined by
/// separators are a name or a phrase, not a random credential; so are `StorageEncrypted`
/// and `InsufficientScopeError`, capitalised words of three letters or more.
fn phrase(v: &str) -> bool {
    camel_words(v) || separated_words(v)
}

fn camel_words(v: &str) -> bool {
    let mut words = 0;
    let mut rest = v.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if !first.is_ascii_uppercase() {
            return false;
        }
        let lower = tail.iter().take_while(|c| c.is_ascii_lowercase()).count();
        let digits = tail[lower..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if lower < 2 {
            return false;
        }
        words += 1;
        rest = &tail[lower + digits..];
    }
    words >= 2
}

fn separated_words(v: &str) -> bool {
    let parts: Vec<&str> = v
        .split(['_', '-', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            let b = p.as_bytes();
            let letters = b.iter().take_while(|c| c.is_ascii_alphabetic()).count();
            let rest = &b[letters..];
            letters >= 2
                && rest.iter().all(u8::is_ascii_digit)
                && (b[1..letters].iter().all(u8::is_ascii_lowercase)
                    || b[..letters].iter().all(u8::is_ascii_uppercase))
        })
}

/// Words a random credential does not contain; a value with one is a description or a
/// development default (`test_password`, `my-secret-token`).
const DICTIONARY: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "credential",
    "test",
    "sensitive",
    "private",
];

static_regex!(PERCENT_ENCODED = r"%[0-9A-Fa-f]{2}");

/// The character classes (lower, upper, digit, other) a value uses.
pub fn classes(v: &str) -> u32 {
    let mut c = [false; 4];
    for b in v.bytes() {
        let i = if b.is_ascii_lowercase() {
            0
        } else if b.is_ascii_uppercase() {
            1
        } else if b.is_ascii_digit() {
            2
        } else {
            3
        };
        c[i] = true;
    }
    c.iter().filter(|&&x| x).count() as u32
}

/// Whether the value of a secret-named assignment looks like a real credential: long
/// enough, random enough, not a placeholder, reference, hash or dotted identifier. (A bare
/// word in code is a variable: callers never ask about one.) `hash_name`: the name says the
/// value is a hash or an identifier (`*_hash`, `integrity`, `nonce`), so a hex digest or a
/// UUID there is one; under any other secret name it is reported like any random value.
pub fn credential_like(value: &str, min_len: usize, min_entropy: f64, hash_name: bool) -> bool {
    let v = value.trim();
    if v.chars().count() < min_len || v.len() > 400 {
        return false;
    }
    if v.chars().any(char::is_whitespace) || phrase(v) {
        return false;
    }
    // `test_password`, `my-secret-token`; but `sk_test_…` and `secret_…` followed by a
    // random part are a provider's prefix and a credential.
    if worded(v) {
        return false;
    }
    // URL-encoded test data (`%20!%22…`), or a value shorter than the minimum once decoded.
    // A value without escapes is judged as written (a non-ASCII letter is no reason to
    // drop it).
    let escapes = PERCENT_ENCODED.find_iter(v).count();
    if escapes >= 3 || (escapes > 0 && !printable_when_decoded(v, min_len)) {
        return false;
    }
    let excused = if hash_name {
        not_a_secret(v)
    } else {
        not_a_secret_value(v)
    };
    if excused.is_some() || NOT_A_CREDENTIAL.is_match(v) {
        return false;
    }
    // A JWT is the JWT detector's to judge: it knows the documented samples and the
    // public (`anon`) role tokens.
    if v.starts_with("eyJ") && v.matches('.').count() == 2 {
        return false;
    }
    // `config.db.password`, `Settings::TOKEN`; a dotted value with a random part
    // (`Xk9mQ2vL8p.Rw3ZtY7q`) is a token, not a path of names.
    if IDENTIFIER.is_match(v)
        && v.contains(['.', ':'])
        && !v.split(['.', ':', '-', '>']).any(random_part)
    {
        return false;
    }
    if classes(v) < 2 {
        return false;
    }
    if der_public(v) {
        return false;
    }
    if let Some(decoded) = base64_text(v)
        && (decoded.len() < 6
            || not_a_secret(&decoded).is_some()
            || DICTIONARY
                .iter()
                .any(|w| decoded.to_ascii_lowercase().contains(w)))
    {
        // A Kubernetes Secret's `cGFzc3dvcmQ=` is `password`.
        return false;
    }
    entropy(v) >= entropy_floor(v, min_entropy)
}

/// Whether `v`, with its `%XX` escapes decoded, is printable ASCII of at least `min_len`
/// bytes: a password is typed; `%C3%89t%C3%A9`, an emoji or `%5B%7F` are the test vectors of
/// URL parsers.
pub fn printable_when_decoded(v: &str, min_len: usize) -> bool {
    let b = v.as_bytes();
    let mut decoded = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                decoded.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                decoded.push(c);
                i += 1;
            }
        }
    }
    decoded.len() >= min_len && decoded.iter().all(|c| (0x21..0x7f).contains(c))
}

/// The entropy a random value of `v`'s alphabet and length reaches: `min_entropy`, at most
/// 3.0 for hex and UUIDs (16 symbols give at most 4 bits, a random 32-hex key about 3.7), and never
/// more than a random string of its length usually has (a 12-character key cannot reach
/// 3.58 bits unless every character differs).
pub fn entropy_floor(v: &str, min_entropy: f64) -> f64 {
    let hex = v.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    let floor = if hex {
        min_entropy.min(3.0)
    } else {
        min_entropy
    };
    floor.min((v.len() as f64).log2() * 0.92)
}

/// A value made of words with no random part: one of its `_`/`-`/`.` separated parts
/// holds a [`DICTIONARY`] word, and none of the others is random (see [`random_part`]).
fn worded(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    DICTIONARY.iter().any(|w| lower.contains(w)) && !v.split(['_', '-', '.']).any(random_part)
}

/// A part of a value that reads as random rather than as a word or a name: at least eight
/// characters, no [`DICTIONARY`] word, letters and digits (or both cases) changing often —
/// at least one change of class for every four characters (`Xk9mQ2vL`, not `clientSecret`,
/// `version2` or `Abcdefgh1`).
fn random_part(p: &str) -> bool {
    if p.len() < 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let lower = p.to_ascii_lowercase();
    if DICTIONARY.iter().any(|w| lower.contains(w)) || camel_words(p) {
        return false;
    }
    let class = |b: u8| {
        if b.is_ascii_digit() {
            0
        } else if b.is_ascii_uppercase() {
            1
        } else {
            2
        }
    };
    let changes = p
        .as_bytes()
        .windows(2)
        .filter(|w| class(w[0]) != class(w[1]))
        .count();
    classes(p) >= 2 && changes * 4 >= p.len()
}

/// Base64 of DER public material: a certificate or a `SubjectPublicKeyInfo` (`MIIBIjAN…`,
/// `MFkwEwYH…`, `MCowBQYD…`) is a SEQUENCE whose first element is a SEQUENCE; a private key
/// (PKCS#1, PKCS#8, SEC1) starts with an INTEGER instead.
pub fn der_public(v: &str) -> bool {
    let Some(bytes) = base64_bytes(v) else {
        return false;
    };
    if bytes.len() < 16 || bytes[0] != 0x30 {
        return false;
    }
    // The outer length: short form, or 0x81/0x82/0x83 and that many length bytes.
    let inner = match bytes[1] {
        n if n < 0x80 => 2,
        n @ 0x81..=0x83 => 2 + usize::from(n - 0x80),
        _ => return false,
    };
    bytes.get(inner) == Some(&0x30)
}

/// The bytes of a standard base64 value (padded, no line breaks).
fn base64_bytes(v: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    if !v.len().is_multiple_of(4)
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return None;
    }
    base64::engine::general_purpose::STANDARD.decode(v).ok()
}

/// The text a base64 value encodes, when it is printable text.
fn base64_text(v: &str) -> Option<String> {
    let text = String::from_utf8(base64_bytes(v)?).ok()?;
    text.chars()
        .all(|c| !c.is_control() || c == '\n')
        .then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_extent_runs_to_the_closing_quote_even_far_into_a_long_line() {
        for prefix in ["", &"x".repeat(10_000)] {
            let text = format!("{prefix} \"key\": \"MIIEsecretpartREST\\nMORE\", \"n\": 1\n");
            let at = text.find("MIIE").expect("the value");
            let e = extent(&text, at..at + 14);
            assert_eq!(&text[e], "MIIEsecretpartREST\\nMORE");
        }
    }

    #[test]
    fn placeholders_and_references_are_not_secrets() {
        for v in [
            "AKIAIOSFODNN7EXAMPLE",
            "changeme",
            "<your-token>",
            "xxxxxxxxxxxxxxxxxxxx",
            "REPLACE_ME",
            "***",
            "${DB_PASSWORD}",
            "$DB_PASSWORD",
            "${{ secrets.NPM_TOKEN }}",
            "{{ .Values.password }}",
            "{{cookiecutter.secret_key}}",
            "{% raw %}",
            "os.environ['X']",
            "process.env.X",
            "0123456789abcdef0123456789abcdef01234567",
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "123e4567-e89b-12d3-a456-426614174000",
            "__secret__",
            "!!!SET ME!!!",
            "changethis",
            "[PASSWORD]",
            "sk_live_[YOUR_KEY]",
            "abcd1234efgh5678...",
            "Xk9mQ2vL8pR4wZ7t…",
            "&lt;YOUR_PASSWORD&gt;",
            "xoxp-1234-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d",
            "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
            "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8NRAL",
            "px-dep-d4c3b2a1-f6e5-h8g7-j1i8-p5o0n5m3l2k1",
        ] {
            assert!(not_a_secret(v).is_some(), "{v}");
        }
        assert!(not_a_secret(concat!("gh", "p_I9EO8CORHCFFz2Nmvh86UKvNzp45zo2KbT71")).is_none());
    }

    #[test]
    fn credentials_need_entropy_and_a_literal() {
        assert!(credential_like("A2!~k_POu0zENZo8pBAc", 8, 3.0, false));
        assert!(!credential_like("password", 8, 3.0, false));
        assert!(!credential_like("self.password", 8, 3.0, false));
        assert!(!credential_like("dbPassword", 8, 3.0, false));
        assert!(!credential_like(
            "Please enter your password",
            8,
            3.0,
            false
        ));
        assert!(!credential_like(
            "my_super_secret_webhook_key",
            8,
            3.0,
            false
        ));
        assert!(!credential_like("Win32_System", 8, 3.0, false));
        assert!(!credential_like("sensitive-property-value", 8, 3.0, false));
        assert!(!credential_like("StorageEncrypted", 8, 3.0, false));
        assert!(!credential_like("InsufficientScopeError", 8, 3.0, false));
        assert!(credential_like("Kx9mQ2vL8pR4wZ7t", 8, 3.0, false));
        assert!(credential_like("HqVnKxLmPzWbNcRt", 8, 3.0, false));
        assert!(credential_like("APYIHMk-S8K^kL*HXstT", 8, 3.0, false));
        // A non-ASCII letter in a random value; a percent-encoded value decoded first.
        assert!(credential_like("Pä9sQ2vL8xR4wZ7t", 8, 3.0, false));
        assert!(!credential_like("ab%2F%3A", 8, 3.0, false));
        // base64 of `password` and of `changeme`, then of a random string.
        assert!(!credential_like("cGFzc3dvcmQ=", 8, 3.0, false));
        assert!(!credential_like("Y2hhbmdlbWU=", 8, 3.0, false));
        assert!(credential_like(
            "fk8hNmt3Q0ZYZnMyQW5EUk1oOTZTem1x",
            8,
            3.0,
            false
        ));
    }

    #[test]
    fn redaction_keeps_four_characters_and_the_length() {
        assert_eq!(redact("ghp_I9EO8CORHCFF"), "ghp_…(16)");
        assert_eq!(redact("ab"), "ab…(2)");
    }
}
