import os
SECRET_KEY = "{{cookiecutter.secret_key}}"
DATABASE_PASSWORD = os.environ["DATABASE_PASSWORD"]
API_TOKEN = os.getenv("API_TOKEN", "")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
password_reset_timeout = 3600
