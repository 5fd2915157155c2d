#!/bin/sh
# Times the pinning family on a large template tree: COPIES copies (default 400) of the
# realistic template in testdata/pinning/lumen (47 files each: workflows, Dockerfiles,
# compose, Helm, Terraform, GitLab CI, scripts, manifests), against `rg --files` on the
# same tree. Needs a release build, hyperfine and rg.
set -eu
cd "$(dirname "$0")/.."
COPIES="${COPIES:-400}"
TREE="${TMPDIR:-/tmp}/tv-pinning-bench"
rm -rf "$TREE"
mkdir -p "$TREE"
i=0
while [ "$i" -lt "$COPIES" ]; do
  cp -r testdata/pinning/lumen "$TREE/t$i"
  i=$((i + 1))
done
echo "files: $(find "$TREE" -type f | wc -l), bytes: $(du -sb "$TREE" | cut -f1)"
cargo build --release --quiet
hyperfine -i --warmup 1 --runs "${RUNS:-5}" -N \
  "rg --files $TREE" \
  "./target/release/template-validator verify $TREE --select pinning --format json -q -o /dev/null"
