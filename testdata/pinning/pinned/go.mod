module example.com/x

go 1.22

require golang.org/x/mod v0.21.0
