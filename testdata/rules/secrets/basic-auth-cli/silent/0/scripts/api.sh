curl -u <user:password> https://api.acme.io/v1/me
