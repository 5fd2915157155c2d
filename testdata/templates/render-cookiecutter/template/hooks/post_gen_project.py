import pathlib

if "{{ cookiecutter.open_source_license }}" == "Not open source":
    pathlib.Path("LICENSE").unlink()
