"""Company exports: one zip of the whole company, built by the worker and kept to download."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CompanyExport(models.Model):
    """One full export of the company (``exports.company``), its progress and its file.

    The file lives in the data folder (``exports/``), named by ``file_name``; the row says
    who asked, how far the worker is, and how big the zip came out.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    step = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    tables = models.PositiveIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Company export {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
