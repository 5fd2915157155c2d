api_secret = "n8JrH6vQKUwb"
