from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "tandem.sales"
    label = "sales"

    def ready(self) -> None:
        # A deal whose customer and channel partner are the two accounts refuses their merge.
        from tandem.sales import merge_listeners

        merge_listeners.register()
