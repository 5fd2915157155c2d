curl -H "Authorization: Token 7zT6kSyOdEpbNf2MnLib3AGxpwu5lg16H4vc" https://api.internal/v1/deploy
