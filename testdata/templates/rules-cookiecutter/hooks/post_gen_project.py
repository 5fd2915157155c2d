import os

if "{{ cookiecutter.use_docker }}" == "n":
    os.remove("Dockerfile")
