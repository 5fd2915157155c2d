#!/usr/bin/env bash
set -euo pipefail
PACKAGES="make gcc"
sudo DEBIAN_FRONTEND=noninteractive apt-get -y install build-essential
sudo apt-get install -y --no-install-recommends "${PACKAGES}"
sudo dnf install -y "$PACKAGES" python3-pip
sudo zypper --non-interactive in --no-recommends curl-8.0.1 git-core
