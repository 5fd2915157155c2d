curl -H "Authorization: Basic ${BASIC_AUTH}" https://api.internal
