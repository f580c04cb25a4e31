"""Custom fields: the company's own fields on contacts, accounts and deals.

A definition lives here; the values live on the record itself, in its ``custom`` JSON column
(``{"plants": 40, "renewal_on": "2027-03-01"}``), keyed by the definition's ``key``. One column
per record keeps reads, exports and imports one row each, and a filtered field gets an
expression index of its own (``fields.indexes.custom_field_index_ensure``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Entity(models.TextChoices):
    """The records that carry custom fields."""

    CONTACT = "contact", "Contact"
    ACCOUNT = "account", "Account"
    DEAL = "deal", "Deal"


class FieldKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    MONEY = "money", "Money"
    DATE = "date", "Date"
    YES_NO = "yes_no", "Yes/no"
    CHOICE = "choice", "One choice"
    CHOICES = "choices", "Several choices"


class CustomField(models.Model):
    """One field a company added to contacts, accounts or deals."""

    entity = models.CharField(max_length=10, choices=Entity.choices)
    key = models.SlugField(
        max_length=60, help_text="The name in the record's data, exports and the API."
    )
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=FieldKind.choices)
    choices = models.JSONField(
        default=list, blank=True, help_text="The allowed values of a choice field, in order."
    )
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_archived = models.BooleanField(
        default=False, help_text="Hidden from pages and forms; values kept on the records."
    )
    is_indexed = models.BooleanField(
        default=False, help_text="Whether its expression index exists (fields.indexes)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entity", "position", "label"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="custom_field_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_entity_display()}: {self.label}"
