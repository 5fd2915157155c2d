SECRET_KEY = "my-test-secret-key-for-dev"
