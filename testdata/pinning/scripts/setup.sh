#!/usr/bin/env bash
set -euo pipefail
# curl -fsSL https://example.com/commented.sh | sh
curl -fsSL https://example.com/install.sh | sudo bash
wget -qO- https://example.com/get | sh -s -- --yes
bash <(curl -fsSL https://example.com/env.sh)
sh -c "$(curl -fsSL https://example.com/x.sh)"
curl -fsSL https://raw.githubusercontent.com/o/r/8c1f2e3d4b5a69788796a5b4c3d2e1f0a9b8c7d6/x.sh | bash
curl -fsSLo /tmp/tool.sh https://example.com/tool.sh
chmod +x /tmp/tool.sh
/tmp/tool.sh --install
curl -fsSLo /tmp/kind https://example.com/kind
echo "abc  /tmp/kind" | sha256sum -c -
/tmp/kind version
pip install --user "black==24.10.0" ruff
python3 -m pip install --require-hashes -r requirements.txt
npm install --global typescript@5.6.3 \
  eslint
npx --yes cowsay@1.6.0 hello
npx prettier --check .
go install golang.org/x/tools/cmd/goimports@v0.26.0
go install mvdan.cc/gofumpt@master
gem install bundler
gem install rake -v 13.2.1
cargo install ripgrep
cargo install cargo-deny --version 0.16.2 --locked
cargo install just --version 1.36.0
npm ci
echo "pip install in a string is still a command"
curl -fsSL https://example.com/i.sh > /tmp/i.sh && sh /tmp/i.sh
uv tool install ruff@0.6.9
uv tool install black
uvx pre-commit@4.0.1 run
conda install -y -c conda-forge numpy python=3.12
