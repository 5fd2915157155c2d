curl -u deploy:s3cr3tP4ss https://nexus.internal/repository/releases/
