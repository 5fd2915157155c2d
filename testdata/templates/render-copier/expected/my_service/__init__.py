"""My Service."""

__version__ = "0.1.0"
PORT = 8080
NEXT_PORT = 8081
DEBUG = True
