from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "tandem.segments"
    label = "segments"

    def ready(self) -> None:
        from tandem.people import hooks
        from tandem.segments import freshness

        # Membership follows every change people announce (see ``people.hooks``).
        hooks.CONTACTS_CHANGED.listen(freshness.contacts_changed_listener)
        hooks.CONTACT_FORGOTTEN.listen(freshness.contact_forgotten_listener)
        hooks.CONTACTS_MERGED.listen(freshness.contacts_merged_listener)
