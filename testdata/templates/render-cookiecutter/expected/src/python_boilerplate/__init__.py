"""Top-level package for Python Boilerplate."""

__author__ = """Jane Doe"""
__email__ = 'jane@example.com'
__version__ = '0.1.0'
