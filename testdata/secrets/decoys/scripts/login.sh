#!/bin/sh
# Credentials are read from the runner's secret store by path.
set -eu
vault login -method=github --token=ci-runner/github-actions
docker login registry.internal --username ci --password=registry/ci-bot
