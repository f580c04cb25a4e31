from django.apps import AppConfig


class CollaborationConfig(AppConfig):
    name = "tandem.collaboration"
    label = "collaboration"

    def ready(self) -> None:
        # Negative touches and the service level's notices reach people through the
        # hand-off's hooks: the hand-off sits below collaboration and cannot call it.
        from tandem.collaboration import handoff_listeners

        handoff_listeners.register()
