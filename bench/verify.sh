#!/usr/bin/env bash
# Benchmark of a full `verify` on a large real tree: wall time of `verify` (every rule) and
# of `verify --select secrets`, each against ripgrep searching the same tree for the
# secret regexes of bench/secret-patterns.txt, all three in the same hyperfine run; then
# the peak RSS of each (`/usr/bin/time -v`). The hyperfine run is repeated ROUNDS times
# and the medians are reported: on a busy machine one round says little.
#
#   bench/verify.sh [TREE]         default TREE: ~/.cargo/registry/src
#
# Environment:
#   ROUNDS=3            hyperfine runs of the three commands
#   RUNS=5              timed runs of each command per round (after one warmup)
#   OUT=bench/results   where the hyperfine JSON goes
#   BENCH_NO_BUILD=1    do not run `cargo build --release` (use the existing binary)
#   TV_BIN=<path>       the template-validator binary [default: target/release/template-validator]
#
# Ratios (verify time / rg time), not absolute times, are what to compare across machines.
# No timing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=bench/lib.sh
source bench/lib.sh

TREE=${1:-$HOME/.cargo/registry/src}
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-5}
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
[[ -d $TREE ]] || die "no tree at $TREE"

ensure_tools hyperfine:hyperfine rg:ripgrep python3:python3 /usr/bin/time:time

BIN=$(tv_binary)

BYTES=$(du -sb "$TREE" | cut -f1)
FILES=$(find "$TREE" -type f | wc -l)
echo "tree: $TREE ($((BYTES / 1024 / 1024)) MiB, $FILES files), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

RG=(rg --hidden --no-messages --count-matches -f bench/secret-patterns.txt "$TREE")
VERIFY=("$BIN" verify "$TREE" --format json -q -o /dev/null)
SECRETS=("$BIN" verify "$TREE" --select secrets --format json -q -o /dev/null)
q() { printf '%q ' "$@"; }

jsons=()
for round in $(seq 1 "$ROUNDS"); do
    log "round $round of $ROUNDS"
    json=$OUT/verify-$round.json
    hyperfine -N --warmup 1 --runs "$RUNS" --ignore-failure --export-json "$json" \
        -n rg "$(q "${RG[@]}")" \
        -n verify "$(q "${VERIFY[@]}")" \
        -n "verify --select secrets" "$(q "${SECRETS[@]}")"
    jsons+=("$json")
done

# verify exits 1 when it finds something: that is no failure here.
rss() {
    { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F': ' '/Maximum resident/ {print $2}'
}
rss_lines=()
for name in rg verify secrets; do
    case $name in
        rg) cmd=("${RG[@]}") ;;
        verify) cmd=("${VERIFY[@]}") ;;
        secrets) cmd=("${SECRETS[@]}") ;;
    esac
    kib=()
    for _ in $(seq 1 "$ROUNDS"); do
        kib+=("$(rss "${cmd[@]}")")
    done
    rss_lines+=("$name ${kib[*]}")
done

python3 - "${jsons[@]}" <<PY
import json, statistics, sys

rounds = [{r["command"]: r for r in json.load(open(p))["results"]} for p in sys.argv[1:]]
med = statistics.median
print()
print(f"{'':30}{'median':>10}  per round (median of {len(rounds[0]['rg']['times'])} runs)")
for name in ("rg", "verify", "verify --select secrets"):
    per = [r[name]["median"] for r in rounds]
    print(f"{name:30}{med(per) * 1000:8.0f}ms  " + " ".join(f"{t * 1000:.0f}" for t in per))
for name in ("verify", "verify --select secrets"):
    per = [r[name]["median"] / r["rg"]["median"] for r in rounds]
    print(f"{name + ' / rg':30}{med(per):9.2f}x  " + " ".join(f"{x:.2f}" for x in per))
print()
for line in """$(printf '%s\n' "${rss_lines[@]}")""".splitlines():
    name, *kib = line.split()
    mib = [int(k) / 1024 for k in kib]
    print(f"peak RSS, {name:20}{med(mib):7.1f} MiB  " + " ".join(f"{m:.1f}" for m in mib))
PY
