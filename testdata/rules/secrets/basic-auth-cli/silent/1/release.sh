curl -u deploy:admin1234 https://nexus.internal/repository/releases/
