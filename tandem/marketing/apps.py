from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "tandem.marketing"
    label = "marketing"

    def ready(self) -> None:
        from tandem.marketing.segment_conditions import segment_conditions_register

        # Segment rules name forms and campaigns; segments cannot import marketing.
        segment_conditions_register()
