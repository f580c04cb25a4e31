from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tandem.people"
    label = "people"

    def ready(self) -> None:
        from tandem.ops.settings_cache import watch
        from tandem.people.models import StageRule

        # Read on every lifecycle move, kept in memory until a rule changes.
        watch(StageRule)
