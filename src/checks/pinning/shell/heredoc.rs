//! Heredocs: whether the body of `<<EOF` … `EOF` is code (read by a shell, or the body of a
//! Dockerfile `RUN <<EOF`), text (`cat <<EOF`, `kubectl apply -f - <<EOF`), or a file
//! written (`cat <<EOF > install.sh`), which is code only once something runs the file.

use super::lex::{Logical, SHELLS, heredoc_at, program, redirection, segments, unquote, words};

/// What the body of a heredoc is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Body {
    Code,
    Text,
    /// Written to this file.
    Written(String),
}

/// Programs that run the commands they read on standard input.
fn runs_input(w: &str) -> bool {
    let p = program(w);
    SHELLS.contains(&p.as_str()) || matches!(p.as_str(), "ssh" | "su" | "source" | "." | "eval")
}

/// What the body of the heredoc that `opener` reads is.
pub(super) fn body(opener: &Logical) -> Body {
    let t = opener.text.as_str();
    let Some(at) = heredoc_at(t) else {
        return Body::Code;
    };
    let segs = segments(t);
    let Some(k) = segs.iter().position(|s| s.start <= at && at < s.end) else {
        return Body::Code;
    };
    let ws = words(&t[segs[k].clone()]);
    let mut command: Vec<&str> = Vec::new();
    let mut target: Option<&str> = None;
    let mut i = 0;
    while i < ws.len() {
        let w = ws[i].0.as_str();
        i += 1;
        let Some(target_next) = redirection(w) else {
            command.push(w);
            continue;
        };
        let to = if target_next {
            i += 1;
            ws.get(i - 1).map(|(n, _)| n.as_str())
        } else {
            Some(w.trim_start_matches(|c: char| "0123456789&<>|-".contains(c)))
        };
        if w.trim_start_matches(|c: char| c.is_ascii_digit())
            .starts_with('>')
        {
            target = to;
        }
    }
    // `RUN <<EOF` in a Dockerfile, `bash <<EOF`, `docker exec -i db sh <<EOF`, `ssh host <<EOF`.
    if command.is_empty() || command.iter().any(|w| runs_input(w)) {
        return Body::Code;
    }
    // `cat <<EOF | sh`
    if let Some(next) = segs.get(k + 1)
        && t[segs[k].end..next.start].trim() == "|"
        && words(&t[next.clone()]).iter().any(|(w, _)| runs_input(w))
    {
        return Body::Code;
    }
    if program(command[0]) == "tee" {
        target = command[1..].iter().copied().find(|w| !w.starts_with('-'));
    }
    match target.map(unquote) {
        Some(p) if !p.is_empty() && !p.starts_with("/dev/") && !p.starts_with('&') => {
            Body::Written(p.to_owned())
        }
        _ => Body::Text,
    }
}

#[cfg(test)]
mod tests {
    use super::super::lex::logical_lines;
    use super::*;

    fn of(t: &str) -> Body {
        let lines = logical_lines(t, 0..t.len());
        body(&lines[0])
    }

    #[test]
    fn bodies() {
        assert_eq!(of("<<EOF\nx\nEOF\n"), Body::Code);
        assert_eq!(of("bash -s <<'EOF'\nx\nEOF\n"), Body::Code);
        assert_eq!(of("sudo docker exec -i c sh <<EOF\nx\nEOF\n"), Body::Code);
        assert_eq!(of("cat <<EOF | sudo bash\nx\nEOF\n"), Body::Code);
        assert_eq!(of("cat <<EOF | bash\nx\nEOF\n"), Body::Code);
        assert_eq!(of("cat <<EOF\nx\nEOF\n"), Body::Text);
        assert_eq!(of("kubectl apply -f - <<EOF\nx\nEOF\n"), Body::Text);
        assert_eq!(
            of("cat > /tmp/i.sh <<-\"EOF\"\nx\nEOF\n"),
            Body::Written("/tmp/i.sh".into())
        );
        assert_eq!(
            of("cat <<EOF >>notes.md\nx\nEOF\n"),
            Body::Written("notes.md".into())
        );
        assert_eq!(
            of("tee -a run.sh <<EOF >/dev/null\nx\nEOF\n"),
            Body::Written("run.sh".into())
        );
        assert_eq!(of("cat <<EOF > /dev/stderr\nx\nEOF\n"), Body::Text);
    }

    #[test]
    fn heredoc_lines() {
        let t = "cat <<EOF > a.txt\ncurl x | sh # c\nEOF\necho $((1<<3))\nx <<<here\ny\n";
        let lines = logical_lines(t, 0..t.len());
        let of: Vec<Option<usize>> = lines.iter().map(|l| l.heredoc_of).collect();
        assert_eq!(of, [None, Some(0), None, None, None]);
    }
}
