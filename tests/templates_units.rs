//! Template units: what `templates` finds for each engine (modelled on real public
//! templates), the line of every declaration, and manifests that cannot be read.

mod common;

use std::path::Path;

use common::{crate_root, run};
use serde_json::{Value, json};

fn units_of(case: &str) -> Value {
    let out = run(&[
        "templates",
        &format!("testdata/templates/{case}"),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.describe());
    out.json()
}

fn units_at(path: &Path) -> (Value, common::Run) {
    let out = run(&["templates", &path.display().to_string(), "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    (out.json(), out)
}

/// `name = default @ line` of each variable of a unit.
fn variables(unit: &Value) -> Vec<String> {
    unit["variables"]
        .as_array()
        .expect("variables")
        .iter()
        .map(|v| {
            format!(
                "{} = {} @ {}:{}{}",
                v["name"].as_str().expect("a name"),
                v["default"],
                v["origin"]["path"].as_str().expect("a path"),
                v["origin"]["line"],
                if v["computed"] == json!(true) {
                    " (computed)"
                } else {
                    ""
                }
            )
        })
        .collect()
}

fn diagnostics(doc: &Value) -> Vec<String> {
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{}:{} {} {}",
                d["path"].as_str().expect("a path"),
                d["line"],
                d["key"].as_str().unwrap_or("-"),
                d["message"].as_str().expect("a message")
            )
        })
        .collect()
}

#[test]
fn every_fixture_lists_the_same_units() {
    let mut all = serde_json::Map::new();
    for case in [
        "units-cookiecutter",
        "units-cookiecutter-nested",
        "units-copier",
        "units-cargo-generate",
        "units-devcontainer",
        "units-backstage",
        "units-helm",
        "units-plain",
        "units-broken",
    ] {
        all.insert(case.to_owned(), units_of(case));
    }
    insta::assert_json_snapshot!("units", Value::Object(all));
}

#[test]
fn cookiecutter_keys_are_variables_in_the_cookiecutter_namespace() {
    let doc = units_of("units-cookiecutter");
    let units = doc["units"].as_array().expect("units");
    assert_eq!(units.len(), 1, "{doc:#}");
    let u = &units[0];
    assert_eq!(u["engine"], "cookiecutter");
    assert_eq!(u["source_root"], "");
    assert_eq!(u["project_root"], "{{cookiecutter.project_slug}}");
    assert_eq!(u["namespace"], "cookiecutter");
    let vars = variables(u);
    // A choice's default is its first item; a setting's list is kept whole.
    assert!(
        vars.contains(&"open_source_license = \"MIT\" @ cookiecutter.json:6".to_owned()),
        "{vars:#?}"
    );
    assert!(
        vars.contains(
            &"cloud = {\"provider\":\"AWS\",\"region\":\"eu-west-1\"} @ cookiecutter.json:9"
                .to_owned()
        ),
        "{vars:#?}"
    );
    assert!(
        vars.iter()
            .any(|v| v.starts_with("__year = ") && v.ends_with("(computed)")),
        "{vars:#?}"
    );
    assert!(vars.contains(&"_copy_without_render = [\"*.html\",\".github/workflows/*.yml\"] @ cookiecutter.json:11 (computed)".to_owned()), "{vars:#?}");
    assert!(
        !vars.iter().any(|v| v.starts_with("__prompts__")),
        "{vars:#?}"
    );
    assert_eq!(
        u["not_rendered"],
        json!(["*.html", ".github/workflows/*.yml"])
    );
    let license = &u["variables"][4];
    assert_eq!(license["description"], "Which license?");
    for builtin in [
        "cookiecutter",
        "_cookiecutter",
        "cookiecutter._template",
        "cookiecutter._output_dir",
    ] {
        assert!(
            u["builtins"]
                .as_array()
                .expect("builtins")
                .contains(&json!(builtin)),
            "{builtin}"
        );
    }
    // The `.template-config.yaml` beside it gives its metadata; no plain unit of its own.
    assert_eq!(
        u["meta"],
        json!({"name": "django-service", "version": "2.1.0", "channel": "stable"})
    );
    assert_eq!(doc["diagnostics"], json!([]));
}

#[test]
fn nested_cookiecutters_are_one_unit_each_and_the_index_is_none() {
    let doc = units_of("units-cookiecutter-nested");
    let roots: Vec<(&str, &str)> = doc["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| {
            (
                u["manifest"].as_str().expect("m"),
                u["project_root"].as_str().expect("p"),
            )
        })
        .collect();
    assert_eq!(
        roots,
        [
            ("go/cookiecutter.json", "go/{{ cookiecutter.module_name }}"),
            (
                "python/cookiecutter.json",
                "python/{{cookiecutter.package_name}}"
            ),
        ]
    );
    assert_eq!(
        doc["diagnostics"],
        json!([]),
        "the index of nested templates is no error"
    );
}

#[test]
fn copier_subdirectory_envops_when_and_includes() {
    let doc = units_of("units-copier");
    let u = &doc["units"][0];
    assert_eq!(doc["units"].as_array().map(Vec::len), Some(1));
    assert_eq!(u["engine"], "copier");
    assert_eq!(u["source_root"], "");
    assert_eq!(u["project_root"], "template");
    assert_eq!(u["templates_suffix"], ".jinja");
    assert_eq!(
        u["syntax"],
        json!({"kind": "tags", "language": "jinja", "block": ["[%", "%]"], "variable": ["[[", "]]"], "comment": ["[#", "#]"]})
    );
    assert_eq!(
        variables(u),
        [
            "project_name = null @ copier.yml:21",
            "project_slug = \"[[ project_name | lower | replace(' ', '-') ]]\" @ copier.yml:26 (computed)",
            "python_version = \"3.12\" @ copier.yml:31",
            "use_ci = true @ copier.yml:36",
            "author_email = \"you@example.com\" @ includes/common.yml:1",
        ]
    );
    assert_eq!(
        u["excluded"],
        json!(["*.pyc", "[% if not use_ci %].github[% endif %]"])
    );
    for builtin in [
        "_copier_conf",
        "_copier_answers",
        "_copier_python",
        "_copier_operation",
        "_folder_name",
        "_src_path",
    ] {
        assert!(
            u["builtins"]
                .as_array()
                .expect("builtins")
                .contains(&json!(builtin)),
            "{builtin}"
        );
    }
}

#[test]
fn cargo_generate_placeholders_and_conditionals() {
    let doc = units_of("units-cargo-generate");
    let u = &doc["units"][0];
    assert_eq!(u["engine"], "cargo-generate");
    assert_eq!(u["syntax"]["language"], "liquid");
    assert_eq!(
        variables(u),
        [
            "description = \"A Rust service\" @ cargo-generate.toml:6",
            "edition = \"2024\" @ cargo-generate.toml:11",
            "port = null @ cargo-generate.toml:17",
            "publish = false @ cargo-generate.toml:22",
        ]
    );
    assert_eq!(u["variables"][2]["pattern"], "^[0-9]+$");
    assert_eq!(
        u["not_rendered"],
        json!(["assets/*.png", ".github/workflows/*"])
    );
    assert_eq!(u["excluded"], json!(["target", ".idea"]));
    assert!(
        u["builtins"]
            .as_array()
            .expect("b")
            .contains(&json!("project-name"))
    );
}

#[test]
fn devcontainer_options_and_their_placeholder() {
    let doc = units_of("units-devcontainer");
    let u = &doc["units"][0];
    assert_eq!(u["engine"], "devcontainer");
    assert_eq!(u["project_root"], "src/postgres");
    assert_eq!(
        u["syntax"],
        json!({"kind": "literal", "placeholder": "${templateOption:{name}}"})
    );
    assert_eq!(
        variables(u),
        [
            "imageVariant = \"3.12-bookworm\" @ src/postgres/devcontainer-template.json:7",
            "postgresVersion = \"latest\" @ src/postgres/devcontainer-template.json:13",
        ]
    );
}

#[test]
fn backstage_one_unit_per_local_fetch_template_step() {
    let doc = units_of("units-backstage");
    let units = doc["units"].as_array().expect("units");
    assert_eq!(
        units.len(),
        2,
        "the step fetching a URL is not a unit: {doc:#}"
    );
    let (base, docs) = (&units[0], &units[1]);
    assert_eq!(base["project_root"], "skeleton");
    assert_eq!(docs["project_root"], "docs-skeleton");
    assert_eq!(base["namespace"], "values");
    assert_eq!(base["syntax"]["variable"], json!(["${{", "}}"]));
    assert_eq!(
        variables(base),
        [
            "name = \"${{ parameters.name }}\" @ template.yaml:37",
            "owner = \"${{ parameters.owner }}\" @ template.yaml:38",
        ]
    );
    assert_eq!(base["not_rendered"], json!([".github/workflows/*"]));
    assert_eq!(docs["templates_suffix"], ".njk");
    assert_eq!(base["templates_suffix"], Value::Null);
    let params: Vec<&str> = base["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .map(|p| p["name"].as_str().expect("n"))
        .collect();
    assert_eq!(params, ["name", "owner", "repoUrl"]);
    assert_eq!(base["parameters"][0]["pattern"], "^[a-z0-9-]+$");
    assert_eq!(base["parameters"][0]["origin"]["line"], 13);
}

#[test]
fn helm_starters_only() {
    let doc = units_of("units-helm");
    let units = doc["units"].as_array().expect("units");
    assert_eq!(
        units.len(),
        1,
        "a chart with a real name is no starter: {doc:#}"
    );
    assert_eq!(units[0]["project_root"], "starters/web");
    assert_eq!(units[0]["syntax"]["placeholder"], "<{name}>");
    assert_eq!(
        variables(&units[0]),
        ["CHARTNAME = null @ starters/web/Chart.yaml:2"]
    );
}

#[test]
fn plain_template_config() {
    let doc = units_of("units-plain");
    let u = &doc["units"][0];
    assert_eq!(u["engine"], "plain");
    assert_eq!(
        u["syntax"],
        json!({"kind": "literal", "placeholder": "__{name}__"})
    );
    assert_eq!(
        u["meta"],
        json!({"name": "service-template", "version": "3.0.1-security.1", "channel": "security"})
    );
    assert_eq!(u["excluded"], json!(["docs/adr/**"]));
    assert_eq!(
        variables(u),
        [
            "SERVICE_NAME = \"my-service\" @ .template-config.yaml:7",
            "TEAM = null @ .template-config.yaml:11",
        ]
    );
    assert_eq!(doc["diagnostics"], json!([]));
}

#[test]
fn broken_manifests_are_diagnostics_with_file_and_line() {
    let doc = units_of("units-broken");
    let manifests: Vec<&str> = doc["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| u["manifest"].as_str().expect("m"))
        .collect();
    // A broken manifest declares no unit; a bad version still leaves the unit (the
    // version itself is `template/version-invalid`'s finding, not a diagnostic).
    assert_eq!(manifests, ["plain-version/.template-config.yaml"]);
    let d = diagnostics(&doc);
    let expect = [
        "backstage/template.yaml:6 - not valid YAML",
        "cargo/cargo-generate.toml:4 regex not a valid cargo-generate.toml",
        "cookie/cookiecutter.json:4 - not valid JSON",
        "copier/copier.yml:3 - not valid YAML",
        "devcontainer/devcontainer-template.json:",
        "helm/Chart.yaml:3 - not valid YAML",
        "plain-unknown/.template-config.yaml:3 colour unknown field `colour`",
        "plain-version/.template-config.yaml:6 pattern not a regular expression",
    ];
    assert_eq!(d.len(), expect.len(), "{d:#?}");
    for (got, want) in d.iter().zip(expect) {
        assert!(got.starts_with(want), "{got} does not start with {want}");
    }
}

#[test]
fn unreadable_and_hostile_manifests_do_not_panic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, bytes: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    };
    write("utf8/cookiecutter.json", b"{\"a\": \"\xff\xfe\"}\n");
    write("utf8/{{cookiecutter.a}}/x", b"x");
    write("bin/copier.yml", b"a: 1\n\x00\x01\x02");
    write(
        "deep/devcontainer-template.json",
        "[".repeat(100_000).as_bytes(),
    );
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    write("bomb/copier.yaml", bomb.as_bytes());
    write(
        "bomb/.template-config.yaml",
        bomb.replace("a0:", "name: x\na0:").as_bytes(),
    );
    write("loop/copier.yml", b"q: 1\n---\n!include copier.yml\n");
    write("cargo/cargo-generate.toml", b"[placeholders\n");
    let (doc, out) = units_at(root);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let d = diagnostics(&doc);
    let has =
        |prefix: &str, text: &str| d.iter().any(|l| l.starts_with(prefix) && l.contains(text));
    assert!(
        has("utf8/cookiecutter.json:null", "invalid UTF-8"),
        "{d:#?}"
    );
    assert!(has("bin/copier.yml:null", "binary"), "{d:#?}");
    assert!(
        has("deep/devcontainer-template.json:1", "nested too deeply"),
        "{d:#?}"
    );
    assert!(has("bomb/copier.yaml", "not valid YAML"), "{d:#?}");
    assert!(
        has("bomb/.template-config.yaml", "not valid YAML"),
        "{d:#?}"
    );
    assert!(has("loop/copier.yml:3", "nested too deeply"), "{d:#?}");
    assert!(
        has(
            "cargo/cargo-generate.toml:1",
            "not a valid cargo-generate.toml"
        ),
        "{d:#?}"
    );
    assert_eq!(doc["units"], json!([]), "{doc:#}");
}

#[test]
fn human_listing_and_exit_codes() {
    let out = run(&["templates", "testdata/templates/units-copier"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert!(
        out.stdout.starts_with("copier.yml (copier)\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  project: template\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("  use_ci = true  [copier.yml:36]\n"),
        "{}",
        out.stdout
    );

    let out = run(&["templates", "testdata/templates/units-broken"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert!(
        out.stderr
            .contains("warning: cookie/cookiecutter.json:4: not valid JSON"),
        "{}",
        out.stderr
    );

    let out = run(&["templates", "testdata/templates/no-such-folder"]);
    assert_eq!(out.code, 2, "{}", out.describe());
    assert!(out.stderr.contains("does not exist"), "{}", out.stderr);
    let out = run(&["templates", "testdata/templates/units-plain/README.md"]);
    assert_eq!(out.code, 2, "{}", out.describe());

    let out = run(&["templates", "testdata/templates/units-helm/chart"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    assert_eq!(out.stdout, "no template units\n");
}

#[test]
fn the_template_config_schema_accepts_the_fixtures_and_rejects_unknown_keys() {
    let out = run(&["schema", "template-config"]);
    assert_eq!(out.code, 0, "{}", out.describe());
    let schema: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let v = jsonschema::draft7::new(&schema).expect("a draft-07 schema");
    let yaml = |rel: &str| -> Value {
        let text = std::fs::read_to_string(crate_root().join(rel)).expect("read");
        serde_saphyr::from_str(&text).expect("YAML")
    };
    for ok in [
        "testdata/templates/units-plain/.template-config.yaml",
        "testdata/templates/units-cookiecutter/.template-config.yaml",
    ] {
        let doc = yaml(ok);
        let errors: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{ok}: {errors:?}");
    }
    assert!(!v.is_valid(&yaml(
        "testdata/templates/units-broken/plain-unknown/.template-config.yaml"
    )));
    assert!(!v.is_valid(&yaml(
        "testdata/templates/units-broken/plain-version/.template-config.yaml"
    )));
    assert!(!v.is_valid(&json!({"channel": "beta"})));
    assert!(!v.is_valid(&json!({"placeholder": "__NAME__"})));
}

#[test]
fn audit_summary_lists_each_repository_s_units() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repos = dir.path().join("repos");
    for case in ["units-backstage", "units-plain", "units-helm"] {
        common::copy_dir(
            &crate_root().join("testdata/templates").join(case),
            &repos.join(case),
        );
    }
    let out_dir = dir.path().join("out");
    let out = run(&[
        "audit",
        "--dir",
        &repos.display().to_string(),
        "--out",
        &out_dir.display().to_string(),
        "--fail-on",
        "none",
    ]);
    assert_eq!(out.code, 0, "{}", out.describe());
    let text = std::fs::read_to_string(out_dir.join("summary.json")).expect("summary.json");
    let summary: Value = serde_json::from_str(&text).expect("JSON");
    let templates: Vec<(String, Value)> = summary["repositories"]
        .as_array()
        .expect("repositories")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_owned(),
                r["templates"].clone(),
            )
        })
        .collect();
    assert_eq!(
        templates,
        [
            (
                "units-backstage".to_owned(),
                json!([
                    {"engine": "backstage", "root": "skeleton", "version": null, "channel": null},
                    {"engine": "backstage", "root": "docs-skeleton", "version": null, "channel": null},
                ])
            ),
            (
                "units-helm".to_owned(),
                json!([{"engine": "helm-starter", "root": "starters/web", "version": null, "channel": null}])
            ),
            (
                "units-plain".to_owned(),
                json!([{"engine": "plain", "root": "", "version": "3.0.1-security.1", "channel": "security"}])
            ),
        ]
    );
}

#[test]
fn copier_default_exclusions_apply_only_without_a_subdirectory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write("flat/copier.yaml", "name: x\n");
    write("sub/copier.yml", "_subdirectory: project\nname: x\n");
    let (doc, _) = units_at(dir.path());
    let excluded: Vec<(&str, &Value)> = doc["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|u| (u["manifest"].as_str().expect("m"), &u["excluded"]))
        .collect();
    assert_eq!(excluded.len(), 2, "{doc:#}");
    assert_eq!(excluded[0].0, "flat/copier.yaml");
    assert!(
        excluded[0]
            .1
            .as_array()
            .expect("a list")
            .contains(&json!("copier.yml"))
    );
    assert_eq!(excluded[1], ("sub/copier.yml", &json!([])));
}
