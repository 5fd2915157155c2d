#!/usr/bin/env bash
set -euo pipefail
# Required by go.mod: built at the version go.mod and go.sum pin.
go install github.com/golang/mock/mockgen
go install golang.org/x/tools/gopls mvdan.cc/gofumpt
go install example.com/me/tools/cmd/lint
go install ./cmd/...
go run github.com/golang/mock/mockgen -version
go get github.com/x/z@v1.2.3
go get golang.org/x/tools@8d1b5e1ad5ab3d6e1ac2a6d2a0ed9a7ecaaa5a39
# Not required: the newest release.
go install github.com/pressly/goose/v3/cmd/goose
# `go get` asks for the newest release and records it in go.mod.
go get github.com/x/y
go get github.com/x/y@latest
