curl -H "Authorization: Digest username=admin, realm=api" https://api.internal
