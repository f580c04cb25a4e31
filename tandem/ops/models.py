from django.db import models


class SettingsVersion(models.Model):
    """One row whose token changes whenever a company setting read on the hot paths (scoring,
    stage rules, routing rules, service levels) is saved or deleted. Each process keeps those
    settings in memory for as long as the token it read them under is the current one
    (``tandem.ops.settings_cache``)."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token
