curl --user kevin:'Hd8rQ3vN6xTp' -X PATCH https://api.acme.io/v1/me
