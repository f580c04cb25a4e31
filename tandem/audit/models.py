"""The audit trail: who created, changed or deleted which core record, and what changed."""

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One create, update or delete of a core record, with the fields that changed."""

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, help_text="Who acted, kept even if the user is deleted; 'public form' …"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    record_type = models.CharField(max_length=60, db_index=True)
    record_id = models.CharField(max_length=40)
    record_label = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, help_text="field -> [before, after]")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["record_type", "record_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_label} {self.action} {self.record_type} {self.record_label}"
