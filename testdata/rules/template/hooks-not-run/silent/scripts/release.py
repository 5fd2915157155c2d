print("release helper, not a hook")
