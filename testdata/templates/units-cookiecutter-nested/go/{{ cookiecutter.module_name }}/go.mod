module example.com/{{ cookiecutter.module_name }}

go {{ cookiecutter.go_version }}
