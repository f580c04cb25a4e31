from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "tandem.marketing"
    label = "marketing"
