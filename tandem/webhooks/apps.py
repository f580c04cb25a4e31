"""Outbound webhooks: business events signed and delivered to the company's other systems."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tandem.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_migrate, post_save

        from tandem.core.business_events import BUSINESS_EVENT
        from tandem.ops import settings_cache
        from tandem.webhooks import outbox
        from tandem.webhooks.models import Endpoint

        # Every business event is owed to the subscribed endpoints inside its own transaction
        # (``outbox``); the set of subscriptions is cached until an endpoint changes: in this
        # process at once, in the others by the settings token.
        BUSINESS_EVENT.listen(outbox.business_event_listener)
        settings_cache.watch(Endpoint)
        for signal in (post_save, post_delete):
            signal.connect(
                outbox.subscriptions_changed, sender=Endpoint, dispatch_uid=f"webhooks:{signal}"
            )
        # Read once a process has a database (and again after a migration or a test's flush),
        # so that the first announce pays nothing.
        connection_created.connect(outbox.subscriptions_warm, dispatch_uid="webhooks:warm")
        post_migrate.connect(
            outbox.subscriptions_refresh, sender=self, dispatch_uid="webhooks:migrated"
        )
