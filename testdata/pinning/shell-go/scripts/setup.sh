#!/usr/bin/env bash
set -euo pipefail
# No go.mod above: nothing pins these.
go get github.com/x/y
go get -d github.com/x/y@main
go install golang.org/x/tools/gopls
go install golang.org/x/tools/gopls@v0.16.2
