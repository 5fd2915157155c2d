#!/usr/bin/env bash
set -euo pipefail
# Install hints are text: printed, never run.
echo "Install the CLI first: curl -fsSL https://get.example.com/cli.sh | sh"
echo 'or: wget -qO- https://get.example.com/cli.sh | bash' >&2
printf '%s\n' "sh -c \"\$(curl -fsSL https://get.example.com/cli.sh)\""
git commit -m "docs: curl -fsSL https://get.example.com/cli.sh | sh"
NOTE="run: curl -fsSL https://get.example.com/cli.sh | sh"
# A heredoc written to a file that is never run is text too.
cat <<EOF > INSTALL.md
curl -fsSL https://get.example.com/cli.sh | sh
EOF
# A heredoc read by a shell is code.
bash <<'EOF'
curl -fsSL https://get.example.com/a.sh | sh
EOF
# A heredoc written to a script that is then run is code.
cat > /tmp/setup.sh <<-EOF
	curl -fsSL https://get.example.com/b.sh | bash
	EOF
chmod +x /tmp/setup.sh && /tmp/setup.sh
# A string a shell is handed to run is code.
sudo sh -c "curl -fsSL https://get.example.com/c.sh | sh"
echo "$(curl -fsSL https://get.example.com/d.sh | sh)"
curl -fsSL https://get.example.com/e.sh | sh
sh -c "echo $(curl -fsSL https://get.example.com/j.sh | sh)"
bash -lc 'curl -fsSL -o /tmp/k.sh https://get.example.com/k.sh && sh /tmp/k.sh'
sudo sh -c "pip install ruff && pip install black==24.10.0"
echo "pip install ruff; npm install --global prettier"
echo "Install the CLI with:
  curl -fsSL https://get.example.com/cli.sh | sh
then open a new shell."
echo Don't forget the agent:
curl -fsSL https://get.example.com/l.sh | sh
