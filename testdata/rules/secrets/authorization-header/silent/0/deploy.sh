curl -H "Authorization: Token ${API_TOKEN}" https://api.internal/v1/deploy
