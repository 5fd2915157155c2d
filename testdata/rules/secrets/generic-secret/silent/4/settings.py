auth_token = "settings.auth.token_value"
