curl -X POST https://tasks.acme.io/api/tasks -H "Token: 7c2e9af1b3d84f60" -d "content=hello"
