//! Values someone typed rather than generated: a group written three times in a row, letters
//! or digits in sequence. A random credential does either by chance too rarely to matter,
//! so the not-a-secret policy ([`super::policy`]) sets such values aside as placeholders.

/// `xoxp-1234-1234-1234-…`, `dapiabcd1234abcd1234abcd1234…`: a group of three to eight
/// characters, three of them different, written three times in a row (separators aside) is
/// typed, not generated; a random token repeats so long a group by chance too rarely to
/// matter. Keys and certificates encoded from binary (`AAAAAAAA…`, `QEBAQEBA…`) can repeat
/// themselves, so only values of a token's length are judged this way.
pub(super) fn repeated_group(v: &str) -> bool {
    if v.len() > 128 {
        return false;
    }
    let b: Vec<u8> = v
        .bytes()
        .filter(|c| !matches!(c, b'-' | b'_' | b'.'))
        .collect();
    (3..=8).any(|n| {
        b.windows(3 * n).any(|w| {
            let group = &w[..n];
            group == &w[n..2 * n] && group == &w[2 * n..] && distinct(group) >= 3
        })
    })
}

/// How many different bytes `b` holds.
pub(super) fn distinct(b: &[u8]) -> usize {
    let mut seen = [false; 256];
    b.iter()
        .filter(|&&c| !std::mem::replace(&mut seen[c as usize], true))
        .count()
}

/// `a1b2c3d4e5f6g7h8…`, `px-dep-d4c3b2a1-f6e5-h8g7-…`, `12345678`: letters read alone run
/// through the alphabet (six or more, past `f` so that hex digits never qualify by chance),
/// or digits read alone count up or down seven in a row. Someone typed a pattern.
pub(super) fn typed_sequence(v: &str) -> bool {
    let run = |chars: &[u8], min: usize, past: u8| {
        let (mut up, mut down) = (1, 1);
        chars.windows(2).any(|w| {
            up = if w[1] == w[0].wrapping_add(1) {
                up + 1
            } else {
                1
            };
            down = if w[1].wrapping_add(1) == w[0] {
                down + 1
            } else {
                1
            };
            let top = w[0].max(w[1]);
            (up >= min || down >= min) && top > past
        })
    };
    let letters: Vec<u8> = v
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let digits: Vec<u8> = v.bytes().filter(u8::is_ascii_digit).collect();
    run(&letters, 6, b'f') || run(&digits, 7, b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_are_found_and_random_ones_are_not() {
        assert!(repeated_group("xoxp-1234-1234-1234-4ddbc191d40ee098"));
        assert!(repeated_group("dapiabcd1234abcd1234abcd1234abcd1234"));
        assert!(typed_sequence("a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8NRAL"));
        assert!(typed_sequence(
            "px-dep-d4c3b2a1-f6e5-h8g7-j1i8-p5o0n5m3l2k1"
        ));
        assert!(typed_sequence("token-12345678"));
        for random in [
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB",
            "9f4c2e71b0d85a36c4e19b7d02fa6538c1e7d940",
            "abcdef0123fedcba4e19b7d02fa6538c1e7d9405",
            concat!("gl", "pat-tFrjFXD7soVU2fqxuDMh"),
        ] {
            assert!(
                !repeated_group(random) && !typed_sequence(random),
                "{random}"
            );
        }
    }
}
