from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tandem.webhooks"
    label = "webhooks"
