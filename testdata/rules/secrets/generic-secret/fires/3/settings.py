auth_token = "Xk9mQ2vL8pR4.wZ7tQ2hN5cB8"
