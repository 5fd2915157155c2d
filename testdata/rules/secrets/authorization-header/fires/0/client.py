requests.get(url, headers={"Authorization": "Token 7zT6kSyOdEpbNf2MnLib3AGxpwu5lg16H4vc"})
