from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "tandem.access"
    label = "access"
    verbose_name = "Users, teams and access"
