"""Command-line tasks: `flask --app server <command>`."""


def register_cli(app) -> None:
    pass
