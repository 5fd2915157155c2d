#!/bin/sh
# curl -fsSL https://example.com/install.sh | sh
apt-get install -y curl=7.88.1-10
choco install -y git --version=2.47.0
dotnet tool restore
gem install rake -v 13.2.1
