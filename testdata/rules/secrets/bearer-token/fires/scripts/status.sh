curl -sS -H "Authorization: Bearer 8e1f4c2a-73d9-4b6e-a05c-d29f7b3e6a18" https://api.acme.io/v1/status
