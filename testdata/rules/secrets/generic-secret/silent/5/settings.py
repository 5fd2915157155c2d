api_secret = "n8JrH6vQK"
