from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "tandem.sales"
    label = "sales"
