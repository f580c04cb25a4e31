from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running Tandem: the web server with its worker, and operator commands."""

    name = "tandem.ops"
    label = "ops"
