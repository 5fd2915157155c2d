#!/usr/bin/env bash
set -euo pipefail
# The download is data for a program given on the command line.
TAG=$(curl -fsSL https://api.github.com/repos/o/r/releases/latest | python3 -c "import json,sys; print(json.load(sys.stdin)['tag_name'])")
curl -fsSL https://api.github.com/repos/o/r/releases/latest | python -m json.tool
curl -fsSL https://example.com/versions.txt | perl -ne 'print if /stable/'
curl -fsSL https://example.com/index.json | node -e 'process.stdin.pipe(process.stdout)'
curl -fsSL https://example.com/archive.tar | bash -c 'tar -x -C /opt'
curl -fsSL https://example.com/report.csv | python3 scripts/summarise.py
# The download is the program.
curl -fsSL https://example.com/install.py | python3 -
curl -fsSL https://example.com/install.sh | sudo bash -s -- --yes "$TAG"
curl -fsSL https://example.com/bootstrap.py | python3
