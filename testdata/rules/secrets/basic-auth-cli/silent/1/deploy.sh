docker login --username ci --password=registry/ci-bot
