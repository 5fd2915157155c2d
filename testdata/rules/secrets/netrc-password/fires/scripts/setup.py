"""
machine api.wandb.ai
  login user
  password 4b7e2c90d1f83a65e0c9b2d47f1a8e3c6d5b0a92
"""
