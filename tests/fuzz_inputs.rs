//! Property tests over every parser entry, on stable Rust: mutated realistic seeds and
//! random bytes go through the Dockerfile, shell (`RUN`, workflow `run:`), YAML,
//! `.dockerignore`, CODEOWNERS, requirements and Rust-source front ends (through
//! [`engine::scan`] on a temporary repository, one thread so that a panic fails the case),
//! the configuration, rule pack and baseline parsers, and tarball extraction (small
//! hostile archives). Every case must end without a panic, in `Ok` or a clean error, with
//! output bounded by the input's size; the main text entries are also checked to grow
//! linearly with their input.
//!
//! `TV_FUZZ_CASES` sets the number of cases per target (default 64) and `TV_FUZZ_SEED` the
//! random seed (fixed by default, so CI is deterministic). Nothing is persisted: a failure
//! prints the shrunk input. A long campaign, see README "Fuzzing":
//! `TV_FUZZ_CASES=100000 cargo test --release --test fuzz_inputs -- --nocapture`.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed, TestCaseError};
use template_validator::audit::tarball::{self, ExtractError, Limits};
use template_validator::baseline::Baseline;
use template_validator::config::Config;
use template_validator::dockerignore::IgnoreFile;
use template_validator::engine::{self, Outcome};
use template_validator::parse::yaml;
use template_validator::report::{self, Format, Report};
use template_validator::rules::RuleSet;
use template_validator::settings::{RuleArgs, load_config, load_rules};
use template_validator::walk::WalkOptions;

// ---------------------------------------------------------------------------------------
// Configuration

fn cases() -> u32 {
    std::env::var("TV_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn seed() -> u64 {
    std::env::var("TV_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x7e57_f022)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed()),
        max_shrink_iters: 2048,
        ..ProptestConfig::default()
    }
}

/// Per-target statistics, printed when the target ends (see with `--nocapture`).
struct Stats {
    name: &'static str,
    started: Instant,
    cases: u64,
    slowest: Duration,
    slowest_len: usize,
    largest: usize,
}

impl Stats {
    fn new(name: &'static str) -> Stats {
        Stats {
            name,
            started: Instant::now(),
            cases: 0,
            slowest: Duration::ZERO,
            slowest_len: 0,
            largest: 0,
        }
    }

    fn record(&mut self, len: usize, took: Duration) {
        self.cases += 1;
        self.largest = self.largest.max(len);
        if took > self.slowest {
            self.slowest = took;
            self.slowest_len = len;
        }
    }
}

impl Drop for Stats {
    fn drop(&mut self) {
        eprintln!(
            "fuzz {}: {} cases in {:.1?}; slowest {:.1?} ({} bytes); largest input {} bytes",
            self.name,
            self.cases,
            self.started.elapsed(),
            self.slowest,
            self.slowest_len,
            self.largest
        );
    }
}

/// Run `body` on every generated input of `strategy`, with the shared configuration.
fn fuzz<S: Strategy>(
    name: &'static str,
    strategy: S,
    size: impl Fn(&S::Value) -> usize,
    body: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let stats = std::cell::RefCell::new(Stats::new(name));
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&strategy, |input| {
        let len = size(&input);
        let start = Instant::now();
        let r = body(input);
        stats.borrow_mut().record(len, start.elapsed());
        r
    });
    drop(stats);
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

// ---------------------------------------------------------------------------------------
// Generators: byte-level mutations of realistic seeds, and random input

/// Fragments that tend to break parsers: line ends of every kind, NUL, Unicode line
/// separators, template and expression braces, quotes, escapes, nesting, invalid UTF-8.
const SPECIALS: &[&[u8]] = &[
    b"\r",
    b"\r\n",
    b"\n",
    b"\0",
    "\u{85}".as_bytes(),
    "\u{2028}".as_bytes(),
    "\u{feff}".as_bytes(),
    "\u{1f980}".as_bytes(),
    b"\t",
    b" ",
    b"{{",
    b"}}",
    b"${{",
    b"${",
    b"$(",
    b"`",
    b"\\",
    b"\\\n",
    b"\"",
    b"'",
    b"'''",
    b"\"\"\"",
    b"#",
    b"[[[[",
    b"]]]]",
    b"((((",
    b"))))",
    b"{{{{",
    b"- - - - ",
    b": ",
    b"&a ",
    b"*a",
    b"<<",
    b"<<EOF\n",
    b"EOF\n",
    b"|",
    b">-\n",
    b"@",
    b"@sha256:",
    b"==",
    b"=",
    b",",
    b"*",
    b"**/",
    b"!",
    b"/",
    b"..",
    b"%",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xf0\x9f\xa6",
];

/// One edit of a seed. Positions and lengths are taken modulo the text's current length.
#[derive(Debug, Clone)]
enum Edit {
    Special(usize, usize),
    Delete(usize, usize),
    Duplicate(usize, usize, u8),
    Bytes(usize, Vec<u8>),
    LongLine(usize, u8, usize),
    Nest(usize, u8, usize),
    Splice(usize, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let pos = any::<usize>();
    prop_oneof![
        6 => (pos, 0..SPECIALS.len()).prop_map(|(p, s)| Edit::Special(p, s)),
        3 => (pos, 0usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        3 => (pos, 1usize..64, 1u8..8).prop_map(|(p, n, k)| Edit::Duplicate(p, n, k)),
        2 => (pos, vec(any::<u8>(), 1..16)).prop_map(|(p, b)| Edit::Bytes(p, b)),
        1 => (pos, any::<u8>(), 0usize..20_000).prop_map(|(p, c, n)| Edit::LongLine(p, c, n)),
        1 => (pos, 0u8..6, 0usize..300).prop_map(|(p, k, n)| Edit::Nest(p, k, n)),
        2 => (pos, any::<usize>(), 1usize..200).prop_map(|(p, from, n)| Edit::Splice(p, from, n)),
    ]
}

fn apply(seed: &[u8], edits: &[Edit], donors: &[&str]) -> Vec<u8> {
    let mut t = seed.to_vec();
    for e in edits {
        let at = |p: usize, t: &Vec<u8>| p % (t.len() + 1);
        match e {
            Edit::Special(p, s) => {
                let p = at(*p, &t);
                t.splice(p..p, SPECIALS[*s].iter().copied());
            }
            Edit::Delete(p, n) => {
                let p = at(*p, &t);
                let end = (p + n).min(t.len());
                t.drain(p..end);
            }
            Edit::Duplicate(p, n, k) => {
                let p = at(*p, &t);
                let end = (p + n).min(t.len());
                let span = t[p..end].to_vec();
                for _ in 0..*k {
                    t.splice(end..end, span.iter().copied());
                }
            }
            Edit::Bytes(p, b) => {
                let p = at(*p, &t);
                t.splice(p..p, b.iter().copied());
            }
            Edit::LongLine(p, c, n) => {
                let p = at(*p, &t);
                let c = if *c == b'\n' { b'a' } else { *c & 0x7f };
                t.splice(p..p, std::iter::repeat_n(c, *n));
            }
            Edit::Nest(p, k, n) => {
                let p = at(*p, &t);
                let unit: &[u8] = match k {
                    0 => b"[",
                    1 => b"(",
                    2 => b"{",
                    3 => b"- ",
                    4 => b"  ",
                    _ => b"$(",
                };
                let mut ins = unit.repeat(*n);
                if k % 2 == 0 {
                    ins.extend(std::iter::repeat_n(b"])}"[usize::from(*k / 2 % 3)], *n / 2));
                }
                t.splice(p..p, ins);
            }
            Edit::Splice(p, from, n) => {
                let p = at(*p, &t);
                let donor = donors[from % donors.len()].as_bytes();
                let s = from % (donor.len() + 1);
                let end = (s + n).min(donor.len());
                t.splice(p..p, donor[s..end].iter().copied());
            }
        }
    }
    t
}

/// Tokens for the fully random inputs: the specials plus words of the seeds.
fn tokens(seeds: &'static [&'static str]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = SPECIALS.iter().map(|s| s.to_vec()).collect();
    for s in seeds {
        out.extend(
            s.split(|c: char| c.is_whitespace())
                .filter(|w| !w.is_empty())
                .map(|w| w.as_bytes().to_vec()),
        );
    }
    out.sort();
    out.dedup();
    out
}

/// Inputs for a text parser: mostly mutated seeds, some token soup, some random bytes.
fn input(seeds: &'static [&'static str]) -> impl Strategy<Value = Bytes> {
    raw_input(seeds).prop_map(Bytes)
}

fn raw_input(seeds: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let toks = tokens(seeds);
    let n = toks.len();
    prop_oneof![
        8 => (0..seeds.len(), vec(edit(), 0..10))
            .prop_map(move |(i, edits)| apply(seeds[i].as_bytes(), &edits, seeds)),
        2 => vec((0..n, 0u8..3), 0..120).prop_map(move |picks| {
            let mut out = Vec::new();
            for (i, sep) in picks {
                out.extend_from_slice(&toks[i]);
                out.extend_from_slice([&b" "[..], b"\n", b""][usize::from(sep)]);
            }
            out
        }),
        1 => vec(any::<u8>(), 0..600),
    ]
}

/// Generated bytes, shown as an escaped byte string when a case fails.
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\" ({} bytes)", self.0.escape_ascii(), self.0.len())
    }
}

impl std::ops::Deref for Bytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------------------------------
// Seeds (shortened from `testdata/`)

const DOCKERFILES: &[&str] = &[
    "# syntax=docker/dockerfile:1.10\nARG GO_VERSION=1.22.8\nARG BASE\n\
     ARG RUNTIME=gcr.io/distroless/static@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02\n\
     FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS builder\n\
     RUN go install github.com/swaggo/swag/cmd/swag@v1.16.4 && \\\n    go install golang.org/x/tools/gopls@latest\n\
     COPY --from=tonistiigi/xx:1.5.0 / /\nFROM builder AS test\nFROM ${BASE}\nFROM ${RUNTIME} AS runtime\n\
     FROM scratch\nCOPY --from=builder /out /out\nCOPY --from=0 /out /out2\n",
    "FROM ubuntu\nRUN apt-get update && apt-get install -y curl=7.88.1-10 jq\n\
     ADD https://example.com/install.sh /tmp/install.sh\n\
     ADD --checksum=sha256:c5b0666b4cb676901f90dfcb37106783c5fe2077b04590973b885950611b30ee https://example.com/tini /tini\n\
     RUN sh /tmp/install.sh\nRUN <<EOF\nset -eu\ncurl -fsSL https://example.com/get.sh | bash\nEOF\n\
     RUN pip install --no-cache-dir requests flask==3.0.3 && npm ci\n",
    "FROM alpine:latest\nRUN apk add --no-cache git=2.45.2-r0 curl\n\
     FROM ${REGISTRY}/library/node:22 AS mirrored\nRUN curl -fsSLo /tmp/setup.sh https://example.com/setup.sh\n\
     RUN bash /tmp/setup.sh\nCOPY . /app\nCOPY --chown=1000 src/ /app/src/\nWORKDIR /app\n\
     RUN [\"npm\", \"install\", \"-g\", \"pnpm\"]\nENTRYPOINT [\"node\", \"server.js\"]\n",
];

/// Shell as it appears in `RUN` lines and workflow `run:` blocks.
const SHELL: &[&str] = &[
    "curl -fsSL https://example.com/get.sh | bash",
    "set -eu\napt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 jq \\\n  && rm -rf /var/lib/apt/lists/*",
    "pip install --no-cache-dir requests flask==3.0.3 && npm ci && npm install -g pnpm@latest",
    "go install golang.org/x/tools/gopls@latest; cargo install cargo-deny --locked\nwget -qO- https://x.io/i.sh | sh -s -- -y",
    "if [ \"$CI\" = true ]; then\n  docker run --rm alpine:3.20 echo \"${{ github.sha }}\"\nfi\necho $(cat VERSION) > out.txt",
    "npx create-react-app@latest app && uv tool install ruff && gem install bundler -v 2.5.0",
];

const WORKFLOWS: &[&str] = &[
    "name: ci\non:\n  push:\n    branches: [main]\npermissions:\n  contents: read\n\
     x-checkout: &checkout actions/checkout@v4\njobs:\n  build:\n    runs-on: ubuntu-latest\n\
     container:\n      image: node:20-bookworm\n    services:\n      db:\n        image: postgres\n\
     steps:\n      - uses: actions/checkout@692973e3d937129bcbf40652eb9f2f61becf3332 # v4.1.7\n\
     \x20     - uses: 'actions/setup-node@v4.0.2'\n      - { name: flow, uses: golangci/golangci-lint-action@main }\n\
     \x20     - uses: docker://alpine:3.20\n      - uses: ./.github/actions/composite\n      - uses: *checkout\n\
     \x20     - run: echo \"latest is just a word\"\n  reuse:\n    uses: org/shared/.github/workflows/build.yml@v2\n",
    "on: pull_request\njobs:\n  two-steps:\n    runs-on: ubuntu-latest\n    steps:\n\
     \x20     - run: curl -fsSL -o install.sh https://example.com/install.sh\n      - run: sh install.sh\n\
     \x20     - name: multi\n        run: |\n          pip install requests\n          echo \"${{ secrets.TOKEN }}\"\n\
     \x20     - run: >-\n          docker run --rm node:22 npm ci\n",
    "services:\n  db:\n    image: postgres\n  web:\n    image: \"${REGISTRY:-ghcr.io}/acme/web:${TAG:-latest}\"\n\
     \x20   build: .\n  cache:\n    image: redis:7@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
];

const DOCKERIGNORES: &[&str] = &[
    ".git\n.env\ndist\n",
    ".git\n.env\n.env.*\n*.pem\n*.key\n",
    "# comment\n**/node_modules\n!src/keep.env\nbuild[\n/target/\n**/*.log\n!**/important.log\n",
    "*\n!src/\n!Cargo.*\nsrc/**/testdata\n\\#not-a-comment\n[a-c]?/x\n",
];

const CODEOWNERS: &[&str] = &[
    "# Every change to the template is reviewed by the platform team.\n\
     *                @acme-corp/platform-team\n/docs/           @acme-corp/docs-team jane.doe@acme-corp.io\n\
     /.github/        @octocat @acme-corp/platform-team\n",
    "/build/\n*.js @js-owner\n/apps/ @{{ cookiecutter.team }}\ndocs/** @docs\n!negated @x\n[abc].md @y\n",
];

const REQUIREMENTS: &[&str] = &[
    "# pinned tools\n--index-url https://pypi.org/simple\n-r requirements-dev.txt\nmkdocs==1.6.1\n\
     mkdocs-material>=9.5,<10\nrequests\ntomli==2.0.2; python_version < \"3.11\"\n\
     colorama ; sys_platform == \"win32\"\nblack==24.10.0 \\\n    --hash=sha256:a54a8e37995e4ed963b3e82831072d1ad4b005af736bb17b99c2cbd9d41b6e2d\n\
     theme @ git+https://github.com/o/theme@develop\n-e .\n-e git+https://github.com/o/pkg@main#egg=pkg\n# mike>=2.1\n",
    "numpy==1.26.4 --hash=sha256:aaaa\nscipy[extra]~=1.11\n./local/pkg\nhttps://x.io/p.whl\n",
];

const RUST: &[&str] = &[
    "const API_KEY: &str = \"Zx9fQ2mL8vR4tY7wK1pN3sB6hJ0dG5cAqW\";\n\
     fn main() {\n    let db_password = r#\"p4ssW0rd-Kx8vQz2LmN7\"#;\n    println!(\"{}\", db_password);\n}\n",
    "static SECRET_TOKEN: &str = \"hT7kPq2Lz9Xw4Rv8Nm3Bc6Yd1Fg5Js0Ae\";\n\
     struct Creds { client_secret: &'static str }\n\
     fn make() -> Creds { Creds { client_secret: \"Qw8Er5Ty2Ui9Op3As6Df1Gh4Jk7Lz0Xc\" } }\n",
    "mod a { pub fn f() { let token = (\"ghp_placeholder\").to_owned(); let _ = &token; } }\n\
     #[cfg(test)] mod t { const PASSWORD: &str = \"changeme\"; }\n",
];

const CONFIGS: &[&str] = &[
    "# Loads the organisation's pack and checks only its rules.\nselect = [\"org\"]\npacks = [\"org-pack.toml\"]\n",
    "select = [\"pinning\", \"secrets\"]\nignore = [\"pinning/action-unpinned\"]\nstrict = true\n\
     exclude = [\"vendor/**\"]\n\n[rules.\"pinning\"]\nseverity = \"warning\"\n\n\
     [rules.\"secrets/generic-assignment\"]\nseverity = \"off\"\n",
    "[rules.\"required-files/license\"]\nseverity = \"error\"\n[rules.\"required-files/license\".params]\nnames = [\"LICENSE\", \"COPYING\"]\n",
];

const PACKS: &[&str] = &[
    "[[rule]]\nid = \"org/changelog\"\nkind = \"file-exists\"\nseverity = \"error\"\n\
     title = \"The repository has a changelog\"\nhelp = \"\"\"\nAdd a `CHANGELOG.md` at the root.\n\"\"\"\n\
     [rule.params]\nnames = [\"CHANGELOG.md\"]\n",
    "[[rule]]\nid = \"org/no-dotenv\"\nkind = \"file-absent\"\nseverity = \"error\"\n\
     title = \"No .env files are committed\"\nhelp = \"Delete it.\"\n[rule.params]\n\
     paths = [\"**/.env\"]\ncase_sensitive = true\nmessage = \"`{path}` must not be committed\"\n",
    "[[rule]]\nid = \"org/readme-usage\"\nkind = \"file-contains\"\nseverity = \"warning\"\n\
     title = \"The README has a usage section\"\nhelp = \"Add one.\"\n[rule.params]\n\
     paths = [\"README.md\"]\npattern = \"(?m)^## Usage\"\n",
];

const BASELINES: &[&str] = &[
    "{\"version\": 2, \"findings\": [{\"fingerprint\": \"0123456789abcdef\", \"rule_id\": \"pinning/action-unpinned\", \
     \"path\": \".github/workflows/ci.yml\", \"message\": \"`actions/checkout@v4` is not pinned\"}]}",
    "{\"version\": 1, \"findings\": []}",
];

// ---------------------------------------------------------------------------------------
// Scanning a generated repository

/// The built-in rules with `select` (cached per selection).
fn rules(select: &'static str) -> &'static RuleSet {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(&'static str, &'static RuleSet)>>> =
        OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().expect("the rule cache");
    if let Some((_, r)) = cache.iter().find(|(s, _)| *s == select) {
        return r;
    }
    let args = RuleArgs {
        select: Some(vec![select.to_owned()]),
        ..RuleArgs::default()
    };
    let config = load_config(&args, None).expect("the default configuration");
    let set: &'static RuleSet = Box::leak(Box::new(
        load_rules(&args, &config).expect("the built-in rules"),
    ));
    cache.push((select, set));
    set
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, bytes).expect("write a file");
}

/// What a scan produced, and the size of its reports.
struct Scanned {
    outcome: Outcome,
    report_bytes: usize,
}

/// Scan a temporary repository holding `files` with the rules `select` names, on the
/// calling thread, and render the report in every format.
fn scan(select: &'static str, files: &[(&str, &[u8])]) -> Result<Scanned, TestCaseError> {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (rel, bytes) in files {
        write(dir.path(), rel, bytes);
    }
    let rules = rules(select);
    let walk = WalkOptions {
        threads: 1,
        ..WalkOptions::default()
    };
    let outcome = engine::scan(dir.path(), rules, &walk)
        .map_err(|e| TestCaseError::fail(format!("the scan failed: {e}")))?;
    let mut report_bytes = 0;
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let report = Report {
            rules,
            outcome: &outcome,
            strict: false,
            quiet: false,
            sarif: Default::default(),
            repo_prefix: String::new(),
        };
        let mut out = Vec::new();
        report::write(format, &report, &mut out)
            .map_err(|e| TestCaseError::fail(format!("{format:?} report: {e}")))?;
        if format == Format::Json {
            report_bytes = out.len();
        }
    }
    Ok(Scanned {
        outcome,
        report_bytes,
    })
}

/// Most bytes of a finding's snippet and message.
const MAX_SNIPPET: usize = 1024;
const MAX_MESSAGE: usize = 1024;

/// Findings and diagnostics bounded by the input's size, each of bounded size.
fn assert_bounded(s: &Scanned, input_len: usize) -> Result<(), TestCaseError> {
    let o = &s.outcome;
    let limit = 2 * input_len + 16;
    prop_assert!(
        o.findings.len() <= limit,
        "{} findings for {input_len} bytes",
        o.findings.len()
    );
    prop_assert!(o.diagnostics.len() <= 16, "{:?}", o.diagnostics);
    for f in &o.findings {
        // The YAML parser threads turn a panic into this finding: report it as one.
        prop_assert!(
            !f.message.contains("the YAML parser failed"),
            "{}",
            f.message
        );
        prop_assert!(
            f.message.len() <= MAX_MESSAGE,
            "a {} byte message: {:.200}",
            f.message.len(),
            f.message
        );
        if let Some(snippet) = &f.snippet {
            prop_assert!(
                snippet.text.len() <= MAX_SNIPPET,
                "a {} byte snippet",
                snippet.text.len()
            );
            prop_assert!(
                snippet.highlight.start <= snippet.highlight.end
                    && snippet.text.is_char_boundary(snippet.highlight.start)
                    && snippet.text.is_char_boundary(snippet.highlight.end),
                "highlight {:?} of {:?}",
                snippet.highlight,
                snippet.text
            );
        }
    }
    prop_assert!(
        s.report_bytes <= 4096 + o.findings.len() * 8192,
        "{} report bytes for {} findings",
        s.report_bytes,
        o.findings.len()
    );
    Ok(())
}

fn scan_one(select: &'static str, rel: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let s = scan(select, &[(rel, bytes)])?;
    assert_bounded(&s, bytes.len())
}

// ---------------------------------------------------------------------------------------
// Text entries through the engine

#[test]
fn fuzz_dockerfile() {
    fuzz(
        "dockerfile",
        input(DOCKERFILES),
        |b| b.len(),
        |bytes| scan_one("pinning", "Dockerfile", &bytes),
    );
}

#[test]
fn fuzz_dockerfile_run_shell() {
    fuzz(
        "shell (RUN)",
        input(SHELL),
        |b| b.len(),
        |bytes| {
            let mut file = b"FROM alpine:3.20\nRUN ".to_vec();
            file.extend_from_slice(&bytes);
            file.extend_from_slice(b"\nRUN <<EOF\n");
            file.extend_from_slice(&bytes);
            file.extend_from_slice(b"\nEOF\n");
            scan_one("pinning", "Dockerfile", &file)
        },
    );
}

#[test]
fn fuzz_workflow_run_shell() {
    fuzz(
        "shell (run:)",
        input(SHELL),
        |b| b.len(),
        |bytes| {
            let mut file =
                b"on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n"
                    .to_vec();
            for line in bytes.split(|&b| b == b'\n') {
                file.extend_from_slice(b"          ");
                file.extend_from_slice(line);
                file.push(b'\n');
            }
            file.extend_from_slice(b"      - run: ");
            file.extend(bytes.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
            file.push(b'\n');
            scan_one("pinning", ".github/workflows/ci.yml", &file)
        },
    );
}

#[test]
fn fuzz_yaml_parse() {
    fuzz(
        "yaml::parse",
        input(WORKFLOWS),
        |b| b.len(),
        |bytes| {
            let text = lossy(&bytes);
            match yaml::parse(&text) {
                Ok(docs) => {
                    for d in &docs {
                        prop_assert!(d.span.end <= text.len(), "a span past the end");
                    }
                }
                // The parser threads turn a panic into this message: report it as one.
                Err(e) => prop_assert_ne!(e.message.as_str(), "the YAML parser failed"),
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_yaml_files() {
    fuzz(
        "yaml files",
        input(WORKFLOWS),
        |b| b.len(),
        |bytes| {
            let s = scan(
                "pinning",
                &[
                    (".github/workflows/ci.yml", &bytes),
                    ("compose.yaml", &bytes),
                    (".github/actions/a/action.yml", &bytes),
                ],
            )?;
            assert_bounded(&s, 3 * bytes.len())
        },
    );
}

#[test]
fn fuzz_dockerignore() {
    fuzz(
        "dockerignore",
        input(DOCKERIGNORES),
        |b| b.len(),
        |bytes| {
            let ignore = IgnoreFile::parse(&bytes);
            for path in [
                "src/main.rs",
                ".env",
                "a/b/c/.git/config",
                "build[",
                "node_modules/x",
                "",
            ] {
                // Ok or a clean error; only no panic matters here.
                let _ = ignore.decide(path);
                let _ = ignore.excluded(path);
            }
            let s = scan(
                "dockerignore",
                &[
                    (".dockerignore", &bytes),
                    ("Dockerfile", b"FROM alpine:3.20\nCOPY . /app\n"),
                    ("src/main.rs", b"fn main() {}\n"),
                    (".env", b"A=1\n"),
                    ("target/debug/x", b"x"),
                ],
            )?;
            assert_bounded(&s, bytes.len())
        },
    );
}

#[test]
fn fuzz_codeowners() {
    fuzz(
        "codeowners",
        input(CODEOWNERS),
        |b| b.len(),
        |bytes| scan_one("required-files", ".github/CODEOWNERS", &bytes),
    );
}

#[test]
fn fuzz_requirements() {
    fuzz(
        "requirements",
        input(REQUIREMENTS),
        |b| b.len(),
        |bytes| scan_one("pinning", "requirements.txt", &bytes),
    );
}

#[test]
fn fuzz_rust_secrets() {
    fuzz(
        "rust secrets",
        input(RUST),
        |b| b.len(),
        |bytes| scan_one("secrets", "src/main.rs", &bytes),
    );
}

// ---------------------------------------------------------------------------------------
// Configuration, rule packs, baselines

/// An error message a person can read: a few lines, not the whole input.
fn assert_short_error(message: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        message.len() <= 4096,
        "a {} byte error: {:.300}",
        message.len(),
        message
    );
    Ok(())
}

#[test]
fn fuzz_config() {
    fuzz(
        "config",
        input(CONFIGS),
        |b| b.len(),
        |bytes| {
            let text = lossy(&bytes);
            match Config::parse(Path::new(".template-validator.toml"), &text) {
                Ok(mut config) => {
                    // Packs are files: leave them out, the rest is resolved against the
                    // built-ins.
                    config.packs.clear();
                    if let Err(e) = load_rules(&RuleArgs::default(), &config) {
                        assert_short_error(&e.to_string())?;
                    }
                }
                Err(e) => assert_short_error(&e.to_string())?,
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_rule_pack() {
    let builtin = RuleSet::builtin().expect("the built-in rules");
    fuzz(
        "rule pack",
        input(PACKS),
        |b| b.len(),
        |bytes| {
            let text = lossy(&bytes);
            let mut rules = builtin.clone();
            match rules.add_pack("fuzz-pack.toml", &text) {
                Ok(()) => {
                    if let Err(e) = template_validator::checks::build(&rules, |r| !r.builtin) {
                        assert_short_error(&e.to_string())?;
                    }
                }
                Err(e) => assert_short_error(&e.to_string())?,
            }
            Ok(())
        },
    );
}

#[test]
fn fuzz_baseline() {
    fuzz(
        "baseline",
        input(BASELINES),
        |b| b.len(),
        |bytes| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let path = dir.path().join("baseline.json");
            std::fs::write(&path, bytes.as_slice()).expect("write the baseline");
            if let Err(message) = Baseline::load(&path) {
                assert_short_error(
                    &message
                        .to_string()
                        .replace(&*path.to_string_lossy(), "PATH"),
                )?;
            }
            Ok(())
        },
    );
}

// ---------------------------------------------------------------------------------------
// Tarball extraction

/// One generated tar entry. Paths may hold `@OUT@`, replaced by a folder beside the
/// destination, so that an absolute path aims at a place the test checks.
#[derive(Debug, Clone)]
struct TarEntry {
    kind: u8,
    path: Vec<u8>,
    target: Vec<u8>,
    data: Vec<u8>,
    declared: Option<u64>,
}

fn tar_path() -> impl Strategy<Value = Vec<u8>> {
    // Mostly ordinary names, so that an archive gets past its first entries.
    let part = prop_oneof![
        8 => Just(b"top".to_vec()),
        4 => Just(b"a".to_vec()),
        4 => Just(b"b".to_vec()),
        3 => Just(b"link".to_vec()),
        1 => Just(b"..".to_vec()),
        1 => Just(b".".to_vec()),
        1 => Just(b"".to_vec()),
        1 => Just(b"@OUT@".to_vec()),
        1 => Just(b"x\\..\\y".to_vec()),
        1 => Just("\u{2028}".as_bytes().to_vec()),
        1 => Just(vec![b'n'; 300]),
        1 => vec(any::<u8>(), 1..6),
    ];
    (prop::bool::weighted(0.1), vec(part, 1..5)).prop_map(|(absolute, parts)| {
        let mut p = if absolute { b"/".to_vec() } else { Vec::new() };
        p.extend(parts.join(&b'/'));
        p
    })
}

/// Known ways out, as entry sequences: a link out and an entry through it, a hard link
/// out, a folder replaced by a link, a file replaced by a link, duplicates.
fn escape() -> impl Strategy<Value = Vec<TarEntry>> {
    let e = |kind: u8, path: &str, target: &str| TarEntry {
        kind,
        path: path.as_bytes().to_vec(),
        target: target.as_bytes().to_vec(),
        data: b"pwned".to_vec(),
        declared: None,
    };
    let out = prop_oneof![
        Just("@OUT@"),
        Just("../outside"),
        Just("../../outside"),
        Just("top/../../outside"),
        Just("a/../.."),
        Just("/"),
    ];
    (0u8..6, out).prop_map(move |(k, out)| match k {
        0 => vec![e(3, "top/link", out), e(0, "top/link/pwned", "")],
        1 => vec![e(4, "top/h", out), e(0, "top/h", "")],
        2 => vec![e(2, "top/d", ""), e(3, "top/d", out), e(0, "top/d/f", "")],
        3 => vec![
            e(0, "top/f", ""),
            e(3, "top/f", out),
            e(0, "top/f", ""),
            e(4, "top/g", "top/f"),
        ],
        4 => vec![
            e(3, "top/a", "b"),
            e(3, "top/b", "a"),
            e(3, "top/c", "a/../../x"),
            e(0, "top/a/x", ""),
        ],
        _ => vec![
            e(3, "top/l1", "l2/.."),
            e(3, "top/l2", out),
            e(0, "top/l1/x", ""),
        ],
    })
}

fn tar_entry() -> impl Strategy<Value = TarEntry> {
    (
        prop_oneof![
            8 => 0u8..2,
            3 => Just(2u8),
            3 => Just(3u8),
            2 => Just(4u8),
            2 => 5u8..10,
        ],
        tar_path(),
        tar_path(),
        vec(any::<u8>(), 0..64),
        prop_oneof![
            12 => Just(None),
            1 => Just(Some(1u64 << 40)),
            1 => Just(Some(8u64 << 30)),
            1 => (0u64..4096).prop_map(Some),
        ],
    )
        .prop_map(|(kind, path, target, data, declared)| TarEntry {
            kind,
            path,
            target,
            data,
            declared,
        })
}

fn build_tar(entries: &[TarEntry], outside: &Path, corrupt: &[(usize, u8)], gzip: bool) -> Vec<u8> {
    let out = outside.as_os_str().as_encoded_bytes();
    let fill = |p: &[u8]| -> Vec<u8> {
        let mut v = Vec::new();
        let mut i = 0;
        while i < p.len() {
            if p[i..].starts_with(b"@OUT@") {
                v.extend_from_slice(out);
                i += 5;
            } else {
                v.push(p[i]);
                i += 1;
            }
        }
        v
    };
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let path = fill(&e.path);
        let target = fill(&e.target);
        let mut data = e.data.clone();
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_mtime(0);
        let kind = match e.kind {
            0 | 1 => tar::EntryType::Regular,
            2 => tar::EntryType::Directory,
            3 => tar::EntryType::Symlink,
            4 => tar::EntryType::Link,
            5 => tar::EntryType::Fifo,
            6 => tar::EntryType::Char,
            7 => {
                // A pax header naming the next entry's path (and maybe its size).
                data = format!(
                    "{} path={}\n",
                    7 + path.len() + digits(7 + path.len()),
                    String::from_utf8_lossy(&path)
                )
                .into_bytes();
                tar::EntryType::XHeader
            }
            8 => {
                data = path.clone();
                data.push(0);
                tar::EntryType::GNULongName
            }
            _ => tar::EntryType::XGlobalHeader,
        };
        h.set_entry_type(kind);
        {
            let name = &mut h.as_old_mut().name;
            let n = path.len().min(name.len());
            name[..n].copy_from_slice(&path[..n]);
            let link = &mut h.as_old_mut().linkname;
            let n = target.len().min(link.len());
            link[..n].copy_from_slice(&target[..n]);
        }
        if matches!(kind, tar::EntryType::Symlink | tar::EntryType::Link) || e.kind == 5 {
            data.clear();
        }
        h.set_size(e.declared.unwrap_or(data.len() as u64));
        h.set_cksum();
        // A declared size past the data leaves a truncated archive: that is the point.
        b.append(&h, data.as_slice()).expect("append to a Vec");
    }
    let mut bytes = b.into_inner().expect("finish the tar");
    for (at, x) in corrupt {
        if !bytes.is_empty() {
            let n = bytes.len();
            bytes[at % n] ^= x;
        }
    }
    if !gzip {
        return bytes;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &bytes).expect("gzip into a Vec");
    gz.finish().expect("finish the gzip stream")
}

fn digits(n: usize) -> usize {
    n.to_string().len()
}

/// Every path under `root` (not following links), relative, with the target of each link.
fn tree(root: &Path) -> Vec<(std::path::PathBuf, Option<std::path::PathBuf>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in rd.flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let rel = path.strip_prefix(root).expect("under the root").to_owned();
            if meta.file_type().is_symlink() {
                out.push((rel, Some(std::fs::read_link(&path).expect("a link"))));
            } else {
                if meta.is_dir() {
                    stack.push(path);
                }
                out.push((rel, None));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fuzz_tarball() {
    let strategy = (
        prop_oneof![
            3 => vec(tar_entry(), 0..12),
            1 => (vec(tar_entry(), 0..4), escape(), vec(tar_entry(), 0..4)).prop_map(
                |(mut a, b, c)| {
                    a.extend(b);
                    a.extend(c);
                    a
                }
            ),
        ],
        prop_oneof![
            5 => Just(Vec::new()),
            1 => vec((any::<usize>(), any::<u8>()), 1..3),
        ],
        prop_oneof![9 => Just(true), 1 => Just(false)],
    );
    let outcomes = std::sync::Mutex::new(std::collections::BTreeMap::<&str, u64>::new());
    fuzz(
        "tarball",
        strategy,
        |(e, _, _)| {
            e.iter()
                .map(|e| e.path.len() + e.target.len() + e.data.len())
                .sum()
        },
        |(entries, corrupt, gzip)| {
            let tmp = tempfile::tempdir().expect("a temporary folder");
            let base = tmp.path().canonicalize().expect("canonical");
            let dest = base.join("dest");
            let outside = base.join("outside");
            std::fs::create_dir(&dest).expect("dest");
            std::fs::create_dir(&outside).expect("outside");
            let archive = build_tar(&entries, &outside, &corrupt, gzip);
            let limits = Limits {
                max_compressed_bytes: 1 << 20,
                max_unpacked_bytes: 64 * 1024,
                max_entries: 64,
            };
            let result = tarball::extract(archive.as_slice(), &dest, &limits);
            // Nothing is written beside the destination.
            prop_assert!(
                tree(&outside).is_empty(),
                "written outside: {:?}",
                tree(&outside)
            );
            let top: Vec<_> = std::fs::read_dir(&base)
                .expect("read the base")
                .flatten()
                .map(|e| e.file_name())
                .collect();
            prop_assert_eq!(top.len(), 2, "{:?}", top);
            // Every link resolves inside the destination, and the files fit the limit.
            let mut bytes = 0;
            for (rel, link) in tree(&dest) {
                let path = dest.join(&rel);
                if link.is_some() {
                    if let Ok(real) = path.canonicalize() {
                        prop_assert!(real.starts_with(&dest), "{rel:?} -> {real:?}");
                    }
                } else if let Ok(meta) = std::fs::metadata(&path) {
                    bytes += if meta.is_file() { meta.len() } else { 0 };
                }
            }
            prop_assert!(bytes <= limits.max_unpacked_bytes, "{bytes} bytes written");
            let outcome = match &result {
                Ok(x) => {
                    prop_assert!(x.root.starts_with(&dest), "root {:?}", x.root);
                    "extracted"
                }
                Err(ExtractError::Unsafe { .. }) => "unsafe",
                Err(ExtractError::TooManyEntries { .. }) => "too many entries",
                Err(ExtractError::TooLarge { .. }) => "too large",
                Err(ExtractError::Read { .. }) => "unreadable",
                Err(ExtractError::Write { .. }) => "not written",
            };
            *outcomes
                .lock()
                .expect("the tally")
                .entry(outcome)
                .or_insert(0) += 1;
            Ok(())
        },
    );
    eprintln!("fuzz tarball: {:?}", outcomes.lock().expect("the tally"));
}

// ---------------------------------------------------------------------------------------
// Linearity: 10× the input gives at most ~10× the output

/// Findings and report bytes of a scan of `unit` repeated `times` times (after `head`).
/// Other files of the repository go in `extra`.
fn measure(
    select: &'static str,
    (rel, head): (&str, &str),
    unit: &[u8],
    times: usize,
    extra: &[(&str, &[u8])],
) -> Result<(usize, usize), TestCaseError> {
    let mut file = head.as_bytes().to_vec();
    for _ in 0..times {
        file.extend_from_slice(unit);
    }
    let mut files = vec![(rel, file.as_slice())];
    files.extend_from_slice(extra);
    let s = scan(select, &files)?;
    assert_bounded(&s, file.len())?;
    Ok((s.outcome.findings.len(), s.report_bytes))
}

fn assert_linear(
    select: &'static str,
    file: (&str, &str),
    unit: &[u8],
    extra: &[(&str, &[u8])],
) -> Result<(), TestCaseError> {
    let rel = file.0;
    let (f1, b1) = measure(select, file, unit, 20, extra)?;
    let (f10, b10) = measure(select, file, unit, 200, extra)?;
    prop_assert!(
        f10 <= 12 * f1 + 12,
        "{f1} findings at 1×, {f10} at 10× ({rel})"
    );
    prop_assert!(
        b10 <= 12 * b1 + 4096,
        "{b1} report bytes at 1×, {b10} at 10× ({rel})"
    );
    Ok(())
}

/// A generated unit: one mutated seed line block, ending in a line break.
fn unit(seeds: &'static [&'static str]) -> impl Strategy<Value = Bytes> {
    raw_input(seeds).prop_map(|mut u| {
        u.truncate(2048);
        u.push(b'\n');
        Bytes(u)
    })
}

fn linear_config() -> ProptestConfig {
    ProptestConfig {
        cases: cases().div_ceil(8),
        ..config()
    }
}

proptest! {
    #![proptest_config(linear_config())]

    #[test]
    fn linear_dockerfile(u in unit(DOCKERFILES)) {
        assert_linear("pinning", ("Dockerfile", ""), &u, &[])?;
    }

    #[test]
    fn linear_shell(u in unit(SHELL)) {
        let line: Vec<u8> = u.iter().map(|&b| if b == b'\n' { b' ' } else { b }).collect();
        let mut run = b"RUN ".to_vec();
        run.extend_from_slice(&line);
        run.push(b'\n');
        assert_linear("pinning", ("Dockerfile", "FROM alpine:3.20\n"), &run, &[])?;
    }

    #[test]
    fn linear_yaml(u in unit(WORKFLOWS)) {
        assert_linear("pinning", ("compose.yaml", ""), &u, &[])?;
    }

    #[test]
    fn linear_dockerignore(u in unit(DOCKERIGNORES)) {
        assert_linear("dockerignore", (".dockerignore", ""), &u, &[
            ("Dockerfile", b"FROM alpine:3.20\nCOPY . /app\n"),
            (".env", b"A=1\n"),
            ("src/main.rs", b"fn main() {}\n"),
        ])?;
    }

    #[test]
    fn linear_codeowners(u in unit(CODEOWNERS)) {
        assert_linear("required-files", (".github/CODEOWNERS", ""), &u, &[])?;
    }
}

// ---------------------------------------------------------------------------------------
// Regressions found by the campaigns

/// A requirement after `-e ` was underlined three bytes short of its end: inside the
/// last character when that is multi-byte, and the human report panicked slicing it.
#[test]
fn editable_requirement_ending_in_a_wide_character() {
    let text =
        "-e git+https://github.com/o/pkg@main#egg=pk\u{1f980}g\nflask>=3 \\\n  --hash=sha256:aa\n";
    let s = scan("pinning", &[("requirements.txt", text.as_bytes())]).expect("the scan");
    assert_bounded(&s, text.len()).expect("bounded");
    let spans: Vec<_> = s
        .outcome
        .findings
        .iter()
        .filter_map(|f| f.snippet.as_ref())
        .map(|s| &s.text[s.highlight.clone()])
        .collect();
    assert_eq!(
        spans,
        [
            "-e git+https://github.com/o/pkg@main#egg=pk\u{1f980}g",
            "flask>=3"
        ]
    );
}

/// A finding quoting a very long token (a CODEOWNERS owner, a requirement) has a
/// bounded message that keeps its beginning and end.
#[test]
fn message_quoting_a_long_token_is_clipped() {
    let text = format!("* {}\n", "$".repeat(50_000));
    let s = scan("required-files", &[(".github/CODEOWNERS", text.as_bytes())]).expect("the scan");
    assert_bounded(&s, text.len()).expect("bounded");
    assert!(!s.outcome.findings.is_empty());
    for f in &s.outcome.findings {
        assert!(f.message.len() <= 1024, "{}", f.message.len());
    }
    let long = s
        .outcome
        .findings
        .iter()
        .find(|f| f.message.starts_with("`$"))
        .expect("the owner's finding");
    assert!(long.message.contains("$…$"), "{}", long.message);
    assert!(
        long.message.ends_with("or an e-mail address)"),
        "{}",
        long.message
    );
}
