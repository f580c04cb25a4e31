"""Outbound webhooks: business events signed and delivered to the company's other systems."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "tandem.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from tandem.core.business_events import BUSINESS_EVENT
        from tandem.ops import settings_cache
        from tandem.webhooks import outbox
        from tandem.webhooks.models import Endpoint

        # Every business event is kept until its commit, then owed to the subscribed
        # endpoints (``outbox``); the set of subscriptions is cached until an endpoint changes.
        BUSINESS_EVENT.listen(outbox.business_event_listener)
        settings_cache.watch(Endpoint)
