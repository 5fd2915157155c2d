curl --user ops@acme.io:Vq7tR2mZ9kLw https://api.acme.io/v1/me
