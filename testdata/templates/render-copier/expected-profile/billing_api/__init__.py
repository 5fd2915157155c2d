"""Billing Api."""

__version__ = "0.1.0"
PORT = 9000
NEXT_PORT = 9001
DEBUG = False
