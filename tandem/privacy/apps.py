from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tandem.privacy"
    label = "privacy"

    def ready(self) -> None:
        from tandem.people import hooks
        from tandem.privacy import addresses

        # A contact re-created with an erased address is never given consent nor mailed.
        hooks.CONTACTS_CHANGED.listen(addresses.contacts_changed_listener)
