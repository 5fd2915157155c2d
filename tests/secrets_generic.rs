//! Generic secrets detectors: documentation samples are notes unless a checksum proves the
//! token was issued; long lines are searched around their keywords.

mod common;

use std::path::Path;

use common::{arg, findings, verify_json};
use serde_json::Value;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, text).expect("write the file");
}

/// (line, rule, severity) of every finding in `rel`.
fn at(doc: &Value, rel: &str) -> Vec<(u64, String, String)> {
    findings(doc)
        .iter()
        .filter(|f| f["path"] == rel)
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["rule_id"].as_str().unwrap_or_default().to_owned(),
                f["severity"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Split so that this file is not itself a leak to other scanners: a GitHub token whose
/// checksum holds, and the same with its last character changed.
const VALID: &str = concat!("gh", "p_I9EO8CORHCFFz2Nmvh86UKvNzp45zo2KbT71");
const INVALID: &str = concat!("gh", "p_I9EO8CORHCFFz2Nmvh86UKvNzp45zo2KbT72");

#[test]
fn markdown_samples_are_notes_unless_the_checksum_holds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let md = format!(
        "# Setup\n\napi_secret: WRwr2quvSquety6W3d0dej5uPg\n\n```sh\nexport API_SECRET=ePCUg1AeWyKPAIvS857M49VDtR\nexport GH_TOKEN={VALID}\nexport GH_TOKEN={INVALID}\n```\n"
    );
    write(tmp.path(), "docs/setup.md", &md);
    let (_, doc) = verify_json(arg(tmp.path()), &["--select", "secrets"]);
    let got = at(&doc, "docs/setup.md");
    let sev = |line: u64| {
        got.iter()
            .find(|(l, _, _)| *l == line)
            .map(|(_, _, s)| s.as_str())
    };
    // Outside a block: reported as usual.
    assert_eq!(sev(3), Some("warning"), "{got:?}");
    // In a block: a note; a GitHub token with a valid checksum stays an error.
    assert_eq!(sev(6), Some("note"), "{got:?}");
    assert_eq!(sev(7), Some("error"), "{got:?}");
    assert_eq!(sev(8), Some("note"), "{got:?}");
}

#[test]
fn rst_literal_blocks_and_openapi_examples_are_notes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "docs/usage.rst",
        // Split so that this file is not itself a finding of the project's own scan.
        concat!(
            "Usage\n=====\n\nCall it::\n\n    curl -H \"X-Api",
            "-Key: pzXcIDea0a9ImohupuCbMDIH0B\" https://api\n\nX-Api",
            "-Key: FgghYwS7texxkS1PitdBPuELgE\n"
        ),
    );
    write(
        tmp.path(),
        "api/openapi.yaml",
        concat!(
            "openapi: 3.0.3\ncomponents:\n  schemas:\n    Login:\n      properties:\n        password:\n          type: string\n          example:\n            api_secret: XrP3Ix8WSq8pBSnq5cYEB48vUA\n  securitySchemes:\n    key:\n      x-api",
            "-key: wgAcyf6gocckP4PYyuJVqflfBM\n"
        ),
    );
    let (_, doc) = verify_json(arg(tmp.path()), &["--select", "secrets"]);
    let rst = at(&doc, "docs/usage.rst");
    assert!(
        rst.contains(&(6, "secrets/authorization-header".into(), "note".into())),
        "{rst:?}"
    );
    assert!(
        rst.contains(&(8, "secrets/authorization-header".into(), "error".into())),
        "{rst:?}"
    );
    let api = at(&doc, "api/openapi.yaml");
    assert!(
        api.iter().any(|(l, _, s)| *l == 9 && s == "note"),
        "{api:?}"
    );
    assert!(
        api.iter().any(|(l, _, s)| *l == 12 && s == "error"),
        "{api:?}"
    );
}

#[test]
fn a_long_line_is_searched_around_its_keywords() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pad: String = (0..2000).map(|i| format!("\"k{i}\":{i},")).collect();
    let line = format!(
        "{{{pad}\"db_password\":\"NrV5x5AYUYjPyCLSdU0c6v\",{pad}\"api_key\":\"<your-api-key>\",{pad}\"n\":1}}\n"
    );
    assert!(line.len() > 50_000);
    write(tmp.path(), "config/settings.json", &line);
    let (_, doc) = verify_json(arg(tmp.path()), &["--select", "secrets"]);
    let got = at(&doc, "config/settings.json");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "secrets/generic-password");
    let column = findings(&doc)[0]["column"].as_u64().unwrap_or(0) as usize;
    assert_eq!(&line[column - 1..column + 3], "NrV5");
}
