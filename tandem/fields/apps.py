from django.apps import AppConfig


class FieldsConfig(AppConfig):
    name = "tandem.fields"
    label = "fields"
