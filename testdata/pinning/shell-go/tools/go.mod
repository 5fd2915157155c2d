module example.com/me/tools

go 1.22

require (
	github.com/golang/mock v1.6.0 // indirect
	golang.org/x/tools v0.26.0
)
require mvdan.cc/gofumpt v0.7.0
