curl -H 'X-Api-Key: <your-api-key>' https://api.internal/v1/items
