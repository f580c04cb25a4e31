from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "tandem.mailing"
    label = "mailing"
