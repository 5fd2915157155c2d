curl -sS -H "Authorization: Bearer $API_TOKEN" https://api.acme.io/v1/status
