curl --user neo4j:[PASSWORD] http://localhost:7474/db/data/
