"""Report runs: one analysis on one input, its progress while it runs and its result after."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReportRun(models.Model):
    """One run of an analysis (attribution, lifetime value, funnel …) on one typed input.

    Finished runs are also the cache: a request for the same analysis and input within
    ``TANDEM_REPORTS_CACHE_SECONDS`` is answered by the latest finished run. A heavy run goes
    to the task worker and reports its progress here while the page polls.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    analysis = models.CharField(max_length=40)
    input_key = models.CharField(max_length=64, help_text="SHA-256 of the analysis and input.")
    params = models.JSONField(help_text="The typed input, as JSON.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    step = models.CharField(max_length=200, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["analysis", "input_key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.analysis} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
