#!/usr/bin/env bash
# Benchmark: how long `template-validator verify --select required-files` takes to walk a
# large repository, compared with `rg --files` (the same `ignore` crate walk, doing nothing
# else). Target: verify / rg <= 2.0, with all threads and with one thread.
#
# Usage (from anywhere):  bench/walk.sh
#
# Environment:
#   BENCH_FILES=100000   number of files in the generated tree (walked, not ignored)
#   BENCH_DIR=<dir>      generate the tree here instead of a temporary folder
#                        (the folder is reused as-is when it already holds a tree of the
#                        same size, so repeated runs skip generation)
#   BENCH_KEEP=1         keep the generated tree (a BENCH_DIR is never deleted)
#   BENCH_WARMUP=3       hyperfine warmup runs
#   BENCH_RUNS=10        hyperfine timed runs (minimum)
#   BENCH_RESULTS=<dir>  where the hyperfine JSON goes [default: bench/results]
#   BENCH_TARGET=2.0     the ratio to meet
#   BENCH_STRICT=1       exit 1 when a ratio is above the target
#   BENCH_NO_BUILD=1     do not run `cargo build --release` (use the existing binary)
#   TV_BIN=<path>        the template-validator binary [default: target/release/template-validator]
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

files=${BENCH_FILES:-100000}
warmup=${BENCH_WARMUP:-3}
runs=${BENCH_RUNS:-10}
target=${BENCH_TARGET:-2.0}
results=${BENCH_RESULTS:-$script_dir/results}

# shellcheck source=bench/lib.sh
source "$script_dir/lib.sh"

[[ $files =~ ^[0-9]+$ && $files -ge 1 ]] || die "BENCH_FILES must be a positive integer (got '$files')"

# ---------------------------------------------------------------------- 1. tools

ensure_tools hyperfine:hyperfine rg:ripgrep python3:python3
command -v cargo >/dev/null || [[ -n ${BENCH_NO_BUILD:-} ]] ||
    die "cargo not found (install Rust from https://rustup.rs, or set BENCH_NO_BUILD=1 and TV_BIN)"

# --------------------------------------------------------------------- 2. the tree

if [[ -n ${BENCH_DIR:-} ]]; then
    tree=$BENCH_DIR
    mkdir -p "$tree"
    keep=1
else
    tree=$(mktemp -d "${TMPDIR:-/tmp}/tv-bench.XXXXXX")
    keep=${BENCH_KEEP:-0}
fi
cleanup() {
    if [[ $keep == 1 ]]; then
        log "kept the tree: $tree"
    else
        rm -rf -- "$tree"
    fi
}
trap cleanup EXIT

log "generating $files files in $tree"
PYTHONPATH="$script_dir" python3 - "$tree" "$files" <<'PY'
import os, sys, time

from community import community_files

started = time.monotonic()

root, total = sys.argv[1], int(sys.argv[2])
stamp = os.path.join(root, ".bench-tree")
if os.path.exists(stamp) and open(stamp).read().strip() == str(total):
    print(f"    reusing the existing tree ({total} files)", file=sys.stderr)
    sys.exit(0)
if os.listdir(root):
    sys.exit(f"error: {root} is not empty and holds no tree of {total} files; use an empty BENCH_DIR")

def write(rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

# Root files that make every required-files rule pass (so verify exits 0).
for rel, text in community_files("# Bench\n\nA synthetic repository for benchmarking the walk.\n").items():
    write(rel, text)
# Both tools must do gitignore work: a folder and a file pattern are ignored.
write(".gitignore", "/build/\n*.log\n")

# Ignored: a build folder (pruned whole) and a few *.log files among the walked ones.
for i in range(max(1, total // 100)):
    write(f"build/out{i // 100}/obj{i}.o", f"object {i}\n")

CONTENTS = {
    "rs": "pub fn f{i}() -> u32 {{\n    {i}\n}}\n",
    "py": "def f{i}():\n    return {i}\n",
    "md": "# Note {i}\n\nSome text.\n",
    "json": '{{"id": {i}, "name": "item-{i}"}}\n',
    "yaml": "id: {i}\nname: item-{i}\n",
    "toml": "id = {i}\nname = \"item-{i}\"\n",
    "txt": "line {i}\n",
}
EXTS = list(CONTENTS)

# 10 x 10 x 10 folders, the files spread evenly over the 1000 leaves.
leaves = [f"pkg{a}/mod{b}/sub{c}" for a in range(10) for b in range(10) for c in range(10)]
per_leaf, extra = divmod(total, len(leaves))
n = 0
for li, leaf in enumerate(leaves):
    count = per_leaf + (1 if li < extra else 0)
    if not count:
        continue
    d = os.path.join(root, leaf)
    os.makedirs(d, exist_ok=True)
    for k in range(count):
        ext = EXTS[n % len(EXTS)]
        with open(os.path.join(d, f"file{k}.{ext}"), "w") as f:
            f.write(CONTENTS[ext].format(i=n))
        n += 1
    with open(os.path.join(d, "debug.log"), "w") as f:  # ignored by *.log
        f.write("log\n")
open(stamp, "w").write(f"{total}\n")
print(f"    generated {n} files in {time.monotonic() - started:.1f} s", file=sys.stderr)
PY

# --------------------------------------------------------------- 3. build and check

cd "$repo_root"
tv=$(tv_binary)

# rg needs --no-require-git to apply .gitignore outside a git repository (the validator
# applies it without one); --hidden because the validator also walks dot-files (.github/).
# rg skips .git/ on its own only without --hidden, so exclude it explicitly.
rg_cmd=(rg --files --hidden --no-require-git --glob '!.git' "$tree")
tv_cmd=("$tv" verify --select required-files --format json --color never "$tree")

log "checking both commands once"
set +e
rg_count=$("${rg_cmd[@]}" | wc -l)
tv_out=$("${tv_cmd[@]}")
tv_status=$?
set -e
if ((tv_status != 0)); then
    printf '%s\n' "$tv_out" >&2
    die "verify exited $tv_status on the generated tree (expected 0: the tree should pass)"
fi
mkdir -p "$results"
printf '%s\n' "$tv_out" >"$results/verify-output.json"
tv_summary=$(python3 - "$results/verify-output.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
print("{files_scanned} files scanned, {errors} errors, {warnings} warnings, {notes} notes".format(**s))
for f in d["findings"] + d["diagnostics"]:
    print("      {}: {}".format(f.get("rule_id") or f.get("path"), f["message"]))
PY
)
printf '    rg lists %s files; verify exits 0: %s\n' "$rg_count" "$tv_summary" >&2

# -------------------------------------------------------------------- 4. hyperfine

q() { printf '%q ' "$@"; }
json_all=$results/walk-all-threads.json
json_one=$results/walk-one-thread.json

log "all threads ($(nproc) cores)"
hyperfine -N --warmup "$warmup" --min-runs "$runs" --export-json "$json_all" \
    -n "rg --files" "$(q "${rg_cmd[@]}")" \
    -n "verify" "$(q "${tv_cmd[@]}")"

log "one thread"
hyperfine -N --warmup "$warmup" --min-runs "$runs" --export-json "$json_one" \
    -n "rg --files -j1" "$(q "${rg_cmd[@]:0:1}" -j1 "${rg_cmd[@]:1}")" \
    -n "verify --jobs 1" "$(q "${tv_cmd[@]:0:2}" --jobs 1 "${tv_cmd[@]:2}")"

# ----------------------------------------------------------------------- summary

status=0
python3 - "$json_all" "$json_one" "$target" "$files" <<'PY' || status=$?
import json, sys

target, files = float(sys.argv[3]), int(sys.argv[4])
print()
print(f"Summary ({files} files, target verify/rg <= {target:.2f})")
print(f"{'':14}{'command':18}{'mean':>12}{'± stddev':>12}{'min':>10}{'max':>10}")
worst = 0.0
for label, path in (("all threads", sys.argv[1]), ("one thread", sys.argv[2])):
    res = json.load(open(path))["results"]
    rg, tv = res
    for r in res:
        print(f"{label:14}{r['command']:18}{r['mean']*1000:10.1f}ms{r['stddev']*1000:10.1f}ms"
              f"{r['min']*1000:8.1f}ms{r['max']*1000:8.1f}ms")
        label = ""
    ratio = tv["mean"] / rg["mean"]
    worst = max(worst, ratio)
    verdict = "ok" if ratio <= target else "ABOVE TARGET"
    print(f"{'':14}{'ratio verify/rg':18}{ratio:11.2f}x  {verdict}")
print()
print("JSON:", sys.argv[1], sys.argv[2])
sys.exit(0 if worst <= target else 3)
PY
if ((status == 3)); then
    [[ -z ${BENCH_STRICT:-} ]] || exit 1
elif ((status != 0)); then
    exit "$status"
fi
