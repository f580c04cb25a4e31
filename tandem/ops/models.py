from django.db import models


class SettingsVersion(models.Model):
    """One row whose token changes whenever a company setting read on the hot paths (scoring,
    stage rules, routing rules, service levels) is saved or deleted. Each process keeps those
    settings in memory for as long as the token it read them under is the current one
    (``tandem.ops.settings_cache``)."""

    token = models.CharField(max_length=32)

    def __str__(self) -> str:
        return self.token


class ScheduledRun(models.Model):
    """When a recurring job (``tandem.ops.schedule.JOBS``) was last handed to the worker.

    A clock claims a due job by moving ``last_at`` forward in one conditional UPDATE, so two
    clocks (two servers) never both enqueue the same run."""

    name = models.CharField(max_length=60, unique=True)
    last_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_at:%Y-%m-%d %H:%M}"
