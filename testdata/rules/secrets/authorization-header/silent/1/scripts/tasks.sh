curl -X POST https://tasks.acme.io/api/tasks -H "Token: <your-token>" -d "content=hello"
