#!/usr/bin/env bash
set -euo pipefail
# Downloads that are only read are not executed.
curl -fsSL -o token https://auth.example.com/token; TOKEN=$(cat token)
wget -O data.json https://api.example.com/data.json
jq . data.json > /dev/null
curl -fsSLO https://example.com/releases/notes.txt
grep -q stable notes.txt && echo "$TOKEN"
# Downloads that are run afterwards are executed.
curl -fsSL -o get.sh https://example.com/get.sh && sh get.sh
curl -fsSLo tool https://example.com/releases/tool
chmod +x tool
DEBUG=1 ./tool --version
wget -q https://example.com/setup.sh
source setup.sh
