from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "tandem.segments"
    label = "segments"
