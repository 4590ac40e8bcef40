"""Command-line interface (typer); one module per command, registered in app.py."""
