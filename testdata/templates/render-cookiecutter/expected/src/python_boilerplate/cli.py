"""Console script for python_boilerplate."""
import typer

app = typer.Typer()


@app.command()
def main():
    """Console script for python_boilerplate."""
    typer.echo("PYTHON BOILERPLATE")
