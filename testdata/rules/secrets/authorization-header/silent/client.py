requests.get(url, headers={"Authorization": f"Token {settings.API_TOKEN}"})
