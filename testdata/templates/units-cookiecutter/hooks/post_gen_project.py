if "{{ cookiecutter.use_docker }}".lower() == "n":
    pass
