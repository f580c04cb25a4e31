from django.apps import AppConfig


class HandoffConfig(AppConfig):
    name = "tandem.handoff"
    label = "handoff"

    def ready(self) -> None:
        # Registers the ICP check in the sales fit registry.
        from tandem.handoff import (
            deal_fit,  # noqa: F401
            merge_listeners,
        )
        from tandem.handoff.models import (
            IcpRule,
            RoutingRule,
            ScoringProfile,
            ServiceLevel,
            TouchWeight,
        )
        from tandem.ops.settings_cache import watch

        # Read on every touch, kept in memory until one of them changes.
        watch(ScoringProfile, TouchWeight, IcpRule, RoutingRule, ServiceLevel)
        # Two waiting leads of different reps refuse a contact merge; a merge rescores.
        merge_listeners.register()
