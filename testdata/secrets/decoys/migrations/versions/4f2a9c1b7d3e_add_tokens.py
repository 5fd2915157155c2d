"""add tokens table

Revision ID: 4f2a9c1b7d3e
Revises: 9e8d7c6b5a4f
"""
revision = "4f2a9c1b7d3e"
down_revision = "9e8d7c6b5a4f"
token_hash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
