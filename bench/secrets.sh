#!/usr/bin/env bash
# Benchmark of the secrets family on a large real tree: wall time of
# `verify --select secrets` against ripgrep searching the same tree for an alternation of
# 21 of the same secret regexes, in the same hyperfine run; peak RSS; and kingfisher
# (`--no-validate`) and ripsecrets when they are installed (`pip install kingfisher-bin`,
# `cargo install ripsecrets`).
#
#   bench/secrets.sh [TREE]        default TREE: ~/.cargo/registry/src
#
# Ratios, not absolute times, are what to compare across machines. No timing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

TREE=${1:-$HOME/.cargo/registry/src}
RUNS=${RUNS:-5}
OUT=${OUT:-bench/results}
mkdir -p "$OUT"

need() { command -v "$1" >/dev/null 2>&1 || { apt-get install -y "$2" >/dev/null; }; }
need hyperfine hyperfine
need rg ripgrep
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null

cargo build --release --locked --quiet
BIN=$PWD/target/release/template-validator

# The secret regexes rg searches for, one a line (shared with bench/verify.sh).
mapfile -t PATTERNS < bench/secret-patterns.txt
ALT=$(IFS='|'; echo "${PATTERNS[*]}")
printf '%s\n' "$ALT" > "$OUT/rg-pattern.txt"

BYTES=$(du -sb "$TREE" | cut -f1)
FILES=$(find "$TREE" -type f | wc -l)
echo "tree: $TREE ($((BYTES / 1024 / 1024)) MiB, $FILES files), $(nproc) cores"

CMDS=(
  -n rg "rg --hidden --no-messages --count-matches -f $OUT/rg-pattern.txt $TREE"
  -n template-validator "$BIN verify $TREE --select secrets --format json -q -o /dev/null"
)
if command -v kingfisher >/dev/null 2>&1; then
  CMDS+=(-n kingfisher "kingfisher scan $TREE --no-validate --format json --output /dev/null --no-update-check")
fi

hyperfine --warmup 1 --runs "$RUNS" --ignore-failure --export-json "$OUT/secrets.json" "${CMDS[@]}"

# ripsecrets is two orders of magnitude slower on a tree this size: one timed run, apart.
if command -v ripsecrets >/dev/null 2>&1; then
  hyperfine --runs 1 --ignore-failure --export-json "$OUT/ripsecrets.json" -n ripsecrets "ripsecrets $TREE"
  python3 - "$OUT/secrets.json" "$OUT/ripsecrets.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
d["results"] += r["results"]
json.dump(d, open(sys.argv[1], "w"))
PY
fi

python3 - "$OUT/secrets.json" "$BYTES" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); size = int(sys.argv[2]) / 1e6
t = {r["command"]: r["mean"] for r in d["results"]}
print()
for name, mean in t.items():
    print(f"{name:20} {mean:7.2f} s  {size / mean:8.1f} MB/s")
rg, tv = t["rg"], t["template-validator"]
print(f"\nthroughput of verify --select secrets / ripgrep: {rg / tv:.2f}x")
if "kingfisher" in t:
    print(f"speed-up over kingfisher --no-validate:         {t['kingfisher'] / tv:.2f}x")
if "ripsecrets" in t:
    print(f"speed-up over ripsecrets:                       {t['ripsecrets'] / tv:.2f}x")
PY

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {printf "%.1f MiB\n", $2 / 1024}'; }
echo
echo "peak RSS, template-validator: $(rss "$BIN" verify "$TREE" --select secrets --format json -q -o /dev/null)"
echo "peak RSS, rg:                 $(rss rg --hidden --no-messages --count-matches -f "$OUT/rg-pattern.txt" "$TREE")"
if command -v ripsecrets >/dev/null 2>&1; then
  echo "peak RSS, ripsecrets:         $(rss ripsecrets "$TREE")"
fi
if command -v kingfisher >/dev/null 2>&1; then
  echo "peak RSS, kingfisher:         $(rss kingfisher scan "$TREE" --no-validate --format json --output /dev/null --no-update-check)"
fi
