#!/bin/sh
set -eu
IMAGE_NAME="${IMAGE_NAME:-registry.example.com/team/cli}"
docker build -f cli/Dockerfile -t "$IMAGE_NAME:$GIT_SHA" .
docker tag "$IMAGE_NAME:$GIT_SHA" localhost:5000/cli:dev
docker buildx build --push --tag "$REGISTRY/team/worker:$GIT_SHA" worker
docker run --rm -t node:20 npm test
pack build myorg/functions --builder paketobuildpacks/builder-jammy-base
