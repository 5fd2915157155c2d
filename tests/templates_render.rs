//! The renderer against golden outputs made once by the real engines (each fixture's
//! `SOURCE.md` says how): file list and contents byte for byte.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Map, Value, json};
use template_validator::templates::render::{ProblemKind, Rendered, render};
use template_validator::templates::{
    Delimiters, Engine, Language, Meta, Origin, Syntax, Unit, Variable,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/templates")
        .join(name)
}

/// Every file under `root`, relative, with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Fails with the first differing file and line.
fn assert_same_tree(got: &Path, expected: &Path) {
    let got = tree(got);
    let want = tree(expected);
    let got_names: Vec<_> = got.keys().collect();
    let want_names: Vec<_> = want.keys().collect();
    assert_eq!(got_names, want_names, "file lists differ");
    for (name, bytes) in &want {
        let mine = &got[name];
        if mine == bytes {
            continue;
        }
        let a = String::from_utf8_lossy(mine);
        let b = String::from_utf8_lossy(bytes);
        let (la, lb): (Vec<_>, Vec<_>) = (
            a.split_inclusive('\n').collect(),
            b.split_inclusive('\n').collect(),
        );
        let line = (0..la.len().max(lb.len()))
            .find(|&i| la.get(i) != lb.get(i))
            .unwrap_or(0);
        panic!(
            "{name} differs at line {}:\n  rendered: {:?}\n  expected: {:?}",
            line + 1,
            la.get(line),
            lb.get(line)
        );
    }
}

fn run(repo: &Path, unit: &Unit, values: &Map<String, Value>, expected: &Path) -> Rendered {
    let out = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let rendered = render(repo, unit, values, out.path()).unwrap();
    println!(
        "render {} ({} files): {:?}",
        unit.engine.name(),
        rendered.files.len(),
        start.elapsed()
    );
    for p in &rendered.problems {
        println!("{p:?}");
    }
    assert_same_tree(out.path(), expected);
    rendered
}

fn variable(name: &str, default: Value, origin: &str) -> Variable {
    Variable {
        name: name.to_string(),
        default: Some(default),
        description: None,
        pattern: None,
        computed: name.starts_with('_'),
        origin: Origin {
            path: origin.to_string(),
            line: 0,
        },
    }
}

fn cookiecutter_unit(repo: &Path) -> Unit {
    let manifest: Map<String, Value> =
        serde_json::from_slice(&std::fs::read(repo.join("cookiecutter.json")).unwrap()).unwrap();
    Unit {
        engine: Engine::Cookiecutter,
        manifest: "cookiecutter.json".into(),
        source_root: String::new(),
        project_root: "{{cookiecutter.project_slug}}".into(),
        variables: manifest
            .iter()
            .map(|(k, v)| {
                let d = match v {
                    Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
                    v => v.clone(),
                };
                variable(k, d, "cookiecutter.json")
            })
            .collect(),
        namespace: Some("cookiecutter".into()),
        builtins: vec!["cookiecutter".into()],
        syntax: Syntax::Tags(Delimiters::standard(Language::Jinja)),
        not_rendered: vec!["*.png".into(), ".github/workflows/ci.yml".into()],
        excluded: vec![],
        templates_suffix: None,
        meta: Meta::default(),
        parameters: Vec::new(),
    }
}

#[test]
fn cookiecutter_defaults_match_the_engine() {
    let dir = fixture("render-cookiecutter");
    let repo = dir.join("template");
    let unit = cookiecutter_unit(&repo);
    let rendered = run(&repo, &unit, &Map::new(), &dir.join("expected"));
    // The hook is not run, and that is said.
    let notes: Vec<_> = rendered
        .problems
        .iter()
        .map(|p| (p.kind, p.source.as_str()))
        .collect();
    assert_eq!(notes, [(ProblemKind::NotRun, "hooks/post_gen_project.py")]);
    let cli = rendered
        .files
        .iter()
        .find(|f| f.path == "src/python_boilerplate/cli.py")
        .unwrap();
    assert!(cli.source.ends_with("cli.py{% endif %}"), "{}", cli.source);
}

#[test]
fn cookiecutter_profile_matches_the_engine() {
    let dir = fixture("render-cookiecutter");
    let repo = dir.join("template");
    let unit = cookiecutter_unit(&repo);
    let values: Map<String, Value> =
        serde_json::from_slice(&std::fs::read(dir.join("profile.json")).unwrap()).unwrap();
    let rendered = run(&repo, &unit, &values, &dir.join("expected-profile"));
    assert_eq!(rendered.problems.len(), 1, "{:#?}", rendered.problems);
}

#[test]
fn cookiecutter_failures_are_all_collected() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    std::fs::write(
        root.join("cookiecutter.json"),
        r#"{"name": "demo", "bad": "{{ cookiecutter.nope }}"}"#,
    )
    .unwrap();
    let project = root.join("{{cookiecutter.name}}");
    std::fs::create_dir_all(project.join(".github/workflows")).unwrap();
    std::fs::write(project.join("ok.txt"), "{{ cookiecutter.name }}\n").unwrap();
    std::fs::write(
        project.join(".github/workflows/ci.yml"),
        "run: echo\n  sha: ${{ github.sha }}\n",
    )
    .unwrap();
    std::fs::write(project.join("syntax.txt"), "a\n{% if x %}\n").unwrap();
    std::fs::write(project.join("pct.txt"), "{{ '%02d' % 3 }}\n").unwrap();
    std::fs::write(project.join("year.txt"), "(c) {% now 'utc', '%Y' %}\n").unwrap();
    let mut unit = cookiecutter_unit_at(root);
    unit.project_root = "{{cookiecutter.name}}".into();
    let out = tempfile::tempdir().unwrap();
    let rendered = render(root, &unit, &Map::new(), out.path()).unwrap();
    let problem = |path: &str| {
        rendered
            .problems
            .iter()
            .find(|p| p.source.ends_with(path))
            .unwrap_or_else(|| panic!("no problem for {path}: {:#?}", rendered.problems))
    };
    let bad = problem("cookiecutter.json");
    assert_eq!(bad.kind, ProblemKind::RenderFailed);
    assert!(bad.message.contains("bad"), "{}", bad.message);
    let ci = problem("ci.yml");
    assert_eq!((ci.kind, ci.line), (ProblemKind::RenderFailed, Some(2)));
    assert_eq!(problem("syntax.txt").kind, ProblemKind::RenderFailed);
    assert_eq!(problem("pct.txt").kind, ProblemKind::NotModelled);
    // The other files are rendered all the same.
    assert_eq!(
        std::fs::read_to_string(out.path().join("ok.txt")).unwrap(),
        "demo\n"
    );
    let year = std::fs::read_to_string(out.path().join("year.txt")).unwrap();
    assert!(year.starts_with("(c) 20") && year.len() == 9, "{year:?}");
}

fn cookiecutter_unit_at(root: &Path) -> Unit {
    let mut unit = cookiecutter_unit(root);
    unit.not_rendered.clear();
    unit
}

#[test]
fn output_must_be_empty() {
    let dir = fixture("render-cookiecutter");
    let repo = dir.join("template");
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("x"), "").unwrap();
    assert!(render(&repo, &cookiecutter_unit(&repo), &Map::new(), out.path()).is_err());
    let _ = json!(null);
}

fn copier_unit(source_root: &str) -> Unit {
    Unit {
        engine: Engine::Copier,
        manifest: super_join(source_root, "copier.yml"),
        source_root: source_root.into(),
        project_root: super_join(source_root, "template"),
        variables: vec![],
        namespace: None,
        builtins: vec!["_copier_conf".into()],
        syntax: Syntax::Tags(Delimiters::standard(Language::Jinja)),
        not_rendered: vec![],
        excluded: vec![],
        templates_suffix: Some(".jinja".into()),
        meta: Meta::default(),
        parameters: Vec::new(),
    }
}

fn super_join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}/{b}")
    }
}

#[test]
fn copier_defaults_match_the_engine() {
    let dir = fixture("render-copier");
    let unit = copier_unit("template");
    let rendered = run(&dir, &unit, &Map::new(), &dir.join("expected"));
    assert_eq!(rendered.problems, vec![]);
}

#[test]
fn copier_profile_matches_the_engine() {
    let dir = fixture("render-copier");
    let unit = copier_unit("template");
    let values: Map<String, Value> =
        serde_json::from_slice(&std::fs::read(dir.join("profile.json")).unwrap()).unwrap();
    let rendered = run(&dir, &unit, &values, &dir.join("expected-profile"));
    assert_eq!(rendered.problems, vec![]);
}

#[test]
fn copier_envops_delimiters_match_the_engine() {
    let dir = fixture("render-copier-envops");
    let mut unit = copier_unit("template");
    unit.project_root = "template".into();
    unit.templates_suffix = Some(String::new());
    let rendered = run(&dir, &unit, &Map::new(), &dir.join("expected"));
    assert_eq!(rendered.problems, vec![]);
}

fn cargo_generate_unit() -> Unit {
    Unit {
        engine: Engine::CargoGenerate,
        manifest: "template/cargo-generate.toml".into(),
        source_root: "template".into(),
        project_root: "template".into(),
        variables: vec![],
        namespace: None,
        builtins: vec!["project-name".into(), "crate_name".into()],
        syntax: Syntax::Tags(Delimiters::standard(Language::Liquid)),
        not_rendered: vec![],
        excluded: vec![],
        templates_suffix: None,
        meta: Meta::default(),
        parameters: Vec::new(),
    }
}

#[test]
fn cargo_generate_matches_the_engine() {
    let dir = fixture("render-cargo-generate");
    let values: Map<String, Value> =
        serde_json::from_value(json!({"project-name": "demo-tool"})).unwrap();
    let rendered = run(&dir, &cargo_generate_unit(), &values, &dir.join("expected"));
    // The one name nothing declares is reported, once, where it is used.
    assert_eq!(rendered.problems.len(), 1, "{:#?}", rendered.problems);
    let p = &rendered.problems[0];
    assert_eq!(p.kind, ProblemKind::Undeclared);
    assert_eq!(
        (p.source.as_str(), p.line),
        ("template/src/main.rs", Some(16))
    );
    assert!(p.message.contains("not_declared_anywhere"), "{}", p.message);
}

fn literal_unit(
    engine: Engine,
    manifest: &str,
    placeholder: &str,
    variables: Vec<Variable>,
) -> Unit {
    Unit {
        engine,
        manifest: manifest.into(),
        source_root: "template".into(),
        project_root: "template".into(),
        variables,
        namespace: None,
        builtins: vec![],
        syntax: Syntax::Literal {
            placeholder: placeholder.into(),
        },
        not_rendered: vec![],
        excluded: vec![],
        templates_suffix: None,
        meta: Meta::default(),
        parameters: Vec::new(),
    }
}

#[test]
fn devcontainer_options_are_replaced() {
    let dir = fixture("render-devcontainer");
    let manifest = "template/devcontainer-template.json";
    let unit = literal_unit(
        Engine::Devcontainer,
        manifest,
        "${templateOption:{name}}",
        vec![
            variable("imageVariant", json!("3.12-bookworm"), manifest),
            variable("installTools", json!(true), manifest),
        ],
    );
    let rendered = run(&dir, &unit, &Map::new(), &dir.join("expected"));
    assert_eq!(rendered.problems.len(), 1, "{:#?}", rendered.problems);
    let p = &rendered.problems[0];
    assert_eq!(p.kind, ProblemKind::Undeclared);
    assert_eq!(p.line, Some(10));
    assert!(p.message.contains("notAnOption"), "{}", p.message);
}

#[test]
fn helm_starter_chart_name_is_replaced() {
    let dir = fixture("render-helm-starter");
    let unit = literal_unit(
        Engine::HelmStarter,
        "template/Chart.yaml",
        "<CHARTNAME>",
        vec![variable(
            "CHARTNAME",
            json!("billing"),
            "template/Chart.yaml",
        )],
    );
    // Chart.yaml is the manifest and a file of the chart alike.
    let rendered = run(&dir, &unit, &Map::new(), &dir.join("expected"));
    assert_eq!(rendered.problems, vec![]);
}

#[test]
fn plain_placeholders_rename_paths_and_answers_win() {
    let repo = tempfile::tempdir().unwrap();
    let t = repo.path().join("template");
    std::fs::create_dir_all(t.join("src/__service__")).unwrap();
    std::fs::write(t.join(".template-config.yaml"), "placeholder: __{name}__\n").unwrap();
    std::fs::write(
        t.join("src/__service__/main.txt"),
        "svc=__service__ team=__team__ x=__other__\n",
    )
    .unwrap();
    std::fs::write(t.join("logo.bin"), b"__service__\0\x01").unwrap();
    let mut unit = literal_unit(
        Engine::Plain,
        "template/.template-config.yaml",
        "__{name}__",
        vec![
            variable(
                "service",
                json!("billing"),
                "template/.template-config.yaml",
            ),
            variable("team", json!("core"), "template/.template-config.yaml"),
        ],
    );
    unit.excluded = vec![];
    let values: Map<String, Value> = serde_json::from_value(json!({"team": "payments"})).unwrap();
    let out = tempfile::tempdir().unwrap();
    let rendered = render(repo.path(), &unit, &values, out.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.path().join("src/billing/main.txt")).unwrap(),
        "svc=billing team=payments x=__other__\n"
    );
    assert_eq!(
        std::fs::read(out.path().join("logo.bin")).unwrap(),
        b"__service__\0\x01"
    );
    assert!(!out.path().join(".template-config.yaml").exists());
    assert_eq!(rendered.problems.len(), 1, "{:#?}", rendered.problems);
    assert_eq!(rendered.problems[0].kind, ProblemKind::Undeclared);
}

#[test]
fn backstage_skeleton_values() {
    let repo = tempfile::tempdir().unwrap();
    let s = repo.path().join("skeleton");
    std::fs::create_dir_all(s.join(".github/workflows")).unwrap();
    std::fs::write(
        s.join("catalog-info.yaml"),
        "name: ${{ values.name }}\nowner: ${{ values.owner | upper }}\n",
    )
    .unwrap();
    std::fs::write(
        s.join(".github/workflows/ci.yml"),
        "sha: ${{ github.sha }}\n",
    )
    .unwrap();
    let unit = Unit {
        engine: Engine::Backstage,
        manifest: "template.yaml".into(),
        source_root: String::new(),
        project_root: "skeleton".into(),
        variables: vec![variable("name", json!("billing"), "template.yaml")],
        namespace: Some("values".into()),
        builtins: vec![],
        syntax: Syntax::Tags(Delimiters {
            language: Language::Nunjucks,
            block: ("{%".into(), "%}".into()),
            variable: ("${{".into(), "}}".into()),
            comment: ("{#".into(), "#}".into()),
        }),
        not_rendered: vec![".github/workflows/*".into()],
        excluded: vec![],
        templates_suffix: None,
        meta: Meta::default(),
        parameters: Vec::new(),
    };
    let values: Map<String, Value> = serde_json::from_value(json!({"owner": "team-a"})).unwrap();
    let out = tempfile::tempdir().unwrap();
    let rendered = render(repo.path(), &unit, &values, out.path()).unwrap();
    assert_eq!(rendered.problems, vec![]);
    assert_eq!(
        std::fs::read_to_string(out.path().join("catalog-info.yaml")).unwrap(),
        "name: billing\nowner: TEAM-A\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join(".github/workflows/ci.yml")).unwrap(),
        "sha: ${{ github.sha }}\n"
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_the_repository_are_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secret.txt"), "TOKEN=outside\n").unwrap();
    let repo = tmp.path().join("repo");
    let project = repo.join("{{cookiecutter.name}}");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(repo.join("cookiecutter.json"), r#"{"name": "demo"}"#).unwrap();
    std::os::unix::fs::symlink("../../secret.txt", project.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(tmp.path(), project.join("outside-dir")).unwrap();
    std::fs::write(project.join("ok.txt"), "fine\n").unwrap();
    let mut unit = cookiecutter_unit_at(&repo);
    unit.project_root = "{{cookiecutter.name}}".into();
    let out = tempfile::tempdir().unwrap();
    let rendered = render(&repo, &unit, &Map::new(), out.path()).unwrap();
    let names: Vec<_> = rendered.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["ok.txt"]);
    let not_read: Vec<_> = rendered
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::NotRead)
        .map(|p| p.source.as_str())
        .collect();
    assert_eq!(
        not_read,
        [
            "{{cookiecutter.name}}/outside-dir",
            "{{cookiecutter.name}}/leak.txt"
        ]
    );
}

#[test]
fn malformed_manifests_and_runaway_templates_do_not_stop_the_run() {
    let repo = tempfile::tempdir().unwrap();
    let t = repo.path().join("t");
    std::fs::create_dir_all(&t).unwrap();
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n";
    std::fs::write(t.join("copier.yml"), bomb).unwrap();
    std::fs::write(
        t.join("loop.txt.jinja"),
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    )
    .unwrap();
    std::fs::write(t.join("ok.txt.jinja"), "ok {{ missing }}\n").unwrap();
    std::fs::write(t.join("bad-utf8.txt.jinja"), b"\xff\xfe{{ x }}").unwrap();
    let mut unit = copier_unit("t");
    unit.project_root = "t".into();
    let out = tempfile::tempdir().unwrap();
    let rendered = render(repo.path(), &unit, &Map::new(), out.path()).unwrap();
    let kinds: Vec<_> = rendered
        .problems
        .iter()
        .map(|p| (p.source.as_str(), p.kind))
        .collect();
    assert!(
        kinds.contains(&("t/copier.yml", ProblemKind::RenderFailed)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("t/loop.txt.jinja", ProblemKind::NotModelled)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("t/bad-utf8.txt.jinja", ProblemKind::RenderFailed)),
        "{kinds:?}"
    );
    // copier renders an undefined name empty.
    assert_eq!(
        std::fs::read_to_string(out.path().join("ok.txt")).unwrap(),
        "ok \n"
    );

    std::fs::write(repo.path().join("cookiecutter.json"), "{\"name\": ").unwrap();
    let unit = cookiecutter_unit_at_manifest_only();
    let out = tempfile::tempdir().unwrap();
    let rendered = render(repo.path(), &unit, &Map::new(), out.path()).unwrap();
    assert_eq!(rendered.problems[0].kind, ProblemKind::RenderFailed);
    assert_eq!(rendered.problems[0].source, "cookiecutter.json");
}

fn cookiecutter_unit_at_manifest_only() -> Unit {
    Unit {
        engine: Engine::Cookiecutter,
        manifest: "cookiecutter.json".into(),
        source_root: String::new(),
        project_root: "t".into(),
        variables: vec![],
        namespace: Some("cookiecutter".into()),
        builtins: vec![],
        syntax: Syntax::Tags(Delimiters::standard(Language::Jinja)),
        not_rendered: vec![],
        excluded: vec![],
        templates_suffix: None,
        meta: Meta::default(),
        parameters: Vec::new(),
    }
}

#[test]
fn copier_answers_leave_out_computed_and_secret_questions() {
    let repo = tempfile::tempdir().unwrap();
    let t = repo.path().join("t");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("copier.yml"),
        "name: demo\nslug:\n  default: \"{{ name }}-x\"\n  when: false\ntoken:\n  type: str\n  secret: true\n  default: s3\n_tasks:\n  - rm -rf /\n",
    )
    .unwrap();
    std::fs::write(
        t.join("answers.txt.jinja"),
        "{{ _copier_answers | to_nice_yaml }}{{ slug }}\n",
    )
    .unwrap();
    let mut unit = copier_unit("t");
    unit.project_root = "t".into();
    let out = tempfile::tempdir().unwrap();
    let rendered = render(repo.path(), &unit, &Map::new(), out.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.path().join("answers.txt")).unwrap(),
        "_src_path: t\nname: demo\ndemo-x\n"
    );
    // Tasks never run, and that is said.
    assert_eq!(rendered.problems.len(), 1, "{:#?}", rendered.problems);
    assert_eq!(rendered.problems[0].line, Some(9));
}

/// Detection and rendering agree: the unit `templates::units` finds in each fixture renders
/// to the same golden output as the unit written out by hand above.
#[test]
fn detected_units_render_to_the_goldens() {
    use template_validator::walk::{WalkOptions, Walker};
    for name in [
        "render-cookiecutter",
        "render-copier",
        "render-copier-envops",
        "render-cargo-generate",
        "render-devcontainer",
        "render-helm-starter",
    ] {
        let dir = fixture(name);
        let repo = dir.join("template");
        let walker = Walker::new(&repo, &WalkOptions::default()).unwrap();
        let found = template_validator::templates::units(&walker.walk(None));
        assert!(
            found.diagnostics.is_empty(),
            "{name}: {:?}",
            found.diagnostics
        );
        assert_eq!(found.units.len(), 1, "{name}: {:?}", found.units);
        // cargo-generate's golden was made with `--name demo-tool`, the Helm starter's as
        // chart `billing` (neither has a default); the others with defaults.
        let values = match name {
            "render-cargo-generate" => json!({"project-name": "demo-tool"}),
            "render-helm-starter" => json!({"CHARTNAME": "billing"}),
            _ => json!({}),
        };
        let values: Map<String, Value> = serde_json::from_value(values).unwrap();
        run(&repo, &found.units[0], &values, &dir.join("expected"));
    }
}
