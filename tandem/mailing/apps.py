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

        # The one gate of email to contacts, offered to the floors below (marketing's double
        # opt-in) through people's port; a confirmed opt-in lifts an unsubscribe.
        from tandem.mailing.gate import contact_email_send
        from tandem.mailing.preference_services import consent_confirmed_listener
        from tandem.people.email_gate import CONSENT_CONFIRMED, gate_register

        gate_register(contact_email_send)
        CONSENT_CONFIRMED.listen(consent_confirmed_listener)
