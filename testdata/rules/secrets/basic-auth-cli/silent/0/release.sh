curl -u admin:password123 https://nexus.internal/repository/releases/
