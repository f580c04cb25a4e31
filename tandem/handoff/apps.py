from django.apps import AppConfig


class HandoffConfig(AppConfig):
    name = "tandem.handoff"
    label = "handoff"

    def ready(self) -> None:
        # Registers the ICP check in the sales fit registry.
        from tandem.handoff import deal_fit  # noqa: F401
