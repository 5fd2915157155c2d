#!/usr/bin/env bash
# Time `template-validator context` on a generated build context: 100,000 files in an
# ignored node_modules/ (pruned while walking) and 10,000 sent files, against `rg --files`
# on the same tree. Then the same context with an exception that prevents pruning.
# Needs hyperfine and rg. Usage: bench/dockerignore.sh [DIR] (default: a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-$(mktemp -d)}"
python3 - "$dir" <<'PY'
import os, sys
root = sys.argv[1]
def w(p, s=''):
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, 'w') as f:
        f.write(s)
for i in range(1000):
    for j in range(100):
        w(f'{root}/node_modules/pkg{i}/lib/f{j}.js', 'x')
for i in range(200):
    for j in range(50):
        w(f'{root}/src/mod{i}/sub/file{j}.ts', 'y')
w(f'{root}/Dockerfile', 'FROM node\nCOPY . .\n')
PY
cargo build --release --quiet
bin=target/release/template-validator
printf '.git\n.env\n**/*.pem\nnode_modules\n**/dist\n*.log\n!important.log\n' > "$dir/.dockerignore"
hyperfine -w 2 -r 10 "$bin context $dir --format json" "rg --files -uuu $dir" "rg --files -uuu $dir/src"
# `!**/LICENSE` could re-include files anywhere: node_modules/ must be walked.
printf 'node_modules\n!**/LICENSE\n' > "$dir/.dockerignore"
hyperfine -w 2 -r 10 "$bin context $dir --format json"
