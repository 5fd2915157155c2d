#!/usr/bin/env bash
# Benchmark: `template-validator audit --github-org` over N generated template
# repositories served by a local fake GitHub API (bench/fake_github.py: paginated listing,
# 302 to codeload, tarballs with a pax SHA header), with --jobs = cores, against
# `template-validator verify` run on the same N repositories, extracted locally, one after
# another. Reports repositories per second and peak RSS of both, and the speed ratio.
# A benchmark, not a test: nothing is asserted about timings.
#
# Usage (from anywhere):  bench/audit.sh
#
# Environment:
#   BENCH_REPOS=200      repositories audited (the listing has 5 archived ones besides)
#   BENCH_FILES=40       source files per repository (plus ~10 community files)
#   BENCH_JOBS=<nproc>   audit --jobs
#   BENCH_KEEP=1         keep the work folder (tarballs, extracted trees, audit output)
#   BENCH_RESULTS=<dir>  where audit.json goes [default: bench/results]
#   BENCH_NO_BUILD=1     do not run `cargo build --release` (use the existing binary)
#   TV_BIN=<path>        the template-validator binary [default: target/release/template-validator]
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

repos=${BENCH_REPOS:-200}
files=${BENCH_FILES:-40}
jobs=${BENCH_JOBS:-$(nproc)}
results=${BENCH_RESULTS:-$script_dir/results}

# shellcheck source=bench/lib.sh
source "$script_dir/lib.sh"

[[ $repos =~ ^[0-9]+$ && $repos -ge 1 ]] || die "BENCH_REPOS must be a positive integer (got '$repos')"
[[ $files =~ ^[0-9]+$ ]] || die "BENCH_FILES must be a non-negative integer (got '$files')"
[[ $jobs =~ ^[0-9]+$ && $jobs -ge 1 ]] || die "BENCH_JOBS must be a positive integer (got '$jobs')"

# ---------------------------------------------------------------------- 1. tools

ensure_tools python3:python3 tar:tar /usr/bin/time:time
command -v cargo >/dev/null || [[ -n ${BENCH_NO_BUILD:-} ]] ||
    die "cargo not found (install Rust from https://rustup.rs, or set BENCH_NO_BUILD=1 and TV_BIN)"

# --------------------------------------------------------------------- 2. binary

cd "$repo_root"
tv=$(tv_binary)

# ------------------------------------------------------------------ 3. fake GitHub

work=$(mktemp -d "${TMPDIR:-/tmp}/tv-audit-bench.XXXXXX")
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        log "kept the work folder: $work"
    else
        rm -rf -- "$work"
    fi
}
trap cleanup EXIT

log "starting the fake GitHub API ($repos repositories, $files source files each)"
python3 "$script_dir/fake_github.py" --port 0 --port-file "$work/port" \
    --repos "$repos" --files "$files" --org bench --dump-tarballs "$work/tarballs" &
server_pid=$!
for _ in $(seq 600); do
    [[ -s $work/port ]] && break
    kill -0 "$server_pid" 2>/dev/null || die "the fake GitHub API exited"
    sleep 0.1
done
[[ -s $work/port ]] || die "the fake GitHub API did not start within 60 s"
api="http://127.0.0.1:$(cat "$work/port")"

# --------------------------------------------------- 4. the same repositories, local

log "extracting the $repos tarballs for the verify baseline"
mkdir -p "$work/local"
for tgz in "$work"/tarballs/*.tar.gz; do
    name=$(basename "$tgz" .tar.gz)
    mkdir -p "$work/local/$name"
    tar -xzf "$tgz" -C "$work/local/$name" --strip-components=1
done

# /usr/bin/time -v output → "seconds kbytes"
time_fields() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
secs = 0.0
for part in wall.split(":"):
    secs = secs * 60 + float(part)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
print(f"{secs:.3f} {rss}")
PY
}

# ----------------------------------------------------------- 5. verify, one by one

log "verify on each repository, one after another"
# GNU time reports the largest resident set of the processes it waited for.
set +e
/usr/bin/time -v -o "$work/verify.time" bash -c '
    tv=$1; shift
    status=0
    for dir in "$@"; do
        "$tv" verify --format json --color never "$dir" >/dev/null
        s=$?
        if ((s > 1)); then echo "verify exited $s on $dir" >&2; status=$s; fi
    done
    exit $status
' verify-loop "$tv" "$work"/local/*
verify_status=$?
set -e
((verify_status == 0)) || die "verify failed (exit $verify_status)"
read -r verify_secs verify_rss < <(time_fields "$work/verify.time")

# ------------------------------------------------------------------------ 6. audit

if ! "$tv" audit --help >/dev/null 2>&1; then
    printf '\nverify, one after another: %s repositories in %.2f s (%.1f repositories/s), peak RSS %d MiB\n' \
        "$repos" "$verify_secs" "$(python3 -c "print($repos / max($verify_secs, 1e-9))")" "$((verify_rss / 1024))"
    die "$tv has no \`audit\` command yet: only the verify baseline ran"
fi

log "audit --github-org bench --jobs $jobs (GITHUB_API_URL=$api)"
set +e
env -u GITHUB_TOKEN -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u http_proxy -u https_proxy -u all_proxy \
    GITHUB_API_URL="$api" \
    /usr/bin/time -v -o "$work/audit.time" \
    "$tv" audit --github-org bench --out "$work/out" --jobs "$jobs" >"$work/audit.log" 2>&1
audit_status=$?
set -e
if ((audit_status > 1)); then
    cat "$work/audit.log" >&2
    die "audit exited $audit_status"
fi
read -r audit_secs audit_rss < <(time_fields "$work/audit.time")

# ----------------------------------------------------------------------- summary

mkdir -p "$results"
python3 - "$work/out/summary.json" "$repos" "$jobs" "$audit_secs" "$audit_rss" \
    "$verify_secs" "$verify_rss" "$results/audit.json" <<'PY'
import json, os, sys

summary_path, repos, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
audit_secs, audit_rss = float(sys.argv[4]), int(sys.argv[5])
verify_secs, verify_rss = float(sys.argv[6]), int(sys.argv[7])
out_path = sys.argv[8]

summary = json.load(open(summary_path))
rows = summary["repositories"]
errors = [r for r in rows if r.get("error")]
audited = len(rows) - len(errors)
if len(rows) != repos:
    print(f"warning: the audit lists {len(rows)} repositories, expected {repos}", file=sys.stderr)
for r in errors[:5]:
    print(f"warning: {r['name']}: {r['error']}", file=sys.stderr)

audit_rate = audited / max(audit_secs, 1e-9)
verify_rate = repos / max(verify_secs, 1e-9)
ratio = audit_rate / verify_rate
print()
print(f"Summary ({repos} repositories, {os.cpu_count()} cores, audit --jobs {jobs})")
print(f"{'':34}{'wall':>10}{'repos/s':>10}{'peak RSS':>12}")
print(f"{'audit --github-org (download+scan)':34}{audit_secs:9.2f}s{audit_rate:10.1f}"
      f"{audit_rss / 1024:9.1f} MiB")
print(f"{'verify, one after another (local)':34}{verify_secs:9.2f}s{verify_rate:10.1f}"
      f"{verify_rss / 1024:9.1f} MiB")
print(f"{'ratio audit/verify (repos/s)':34}{ratio:19.2f}x")
if errors:
    print(f"{len(errors)} repositories could not be audited (see above)")
json.dump({
    "repositories": repos, "jobs": jobs, "cores": os.cpu_count(),
    "audit": {"seconds": audit_secs, "repos_per_second": audit_rate, "peak_rss_kib": audit_rss,
              "audited": audited, "errors": len(errors)},
    "verify_sequential": {"seconds": verify_secs, "repos_per_second": verify_rate,
                          "peak_rss_kib": verify_rss},
    "ratio": ratio,
}, open(out_path, "w"), indent=2)
print("JSON:", out_path)
PY
