curl -X POST https://tasks.acme.io/api/tasks -H "Token: $TASKS_TOKEN" -d "content=hello"
