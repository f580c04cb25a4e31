from django.apps import AppConfig


class MailingConfig(AppConfig):
    name = "tandem.mailing"
    label = "mailing"

    def ready(self) -> None:
        # The provider's webhooks reach Tandem as anymail's signal; the receiver is a door
        # that calls the same service as the email-events API (see provider_webhooks).
        from anymail.signals import tracking

        from tandem.mailing.provider_webhooks import tracking_received

        tracking.connect(tracking_received, dispatch_uid="tandem.mailing.tracking")
