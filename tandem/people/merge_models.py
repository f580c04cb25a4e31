"""What a merge and the duplicates list remember: old addresses, and pairs that are not one.

Declared in ``people.models`` (imported there), kept here for that module's size; the key to
the contact is named as a string so this module does not import ``people.models`` back."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class EmailAlias(models.Model):
    """An address a contact was known by before a merge: the merged contact's email (or the
    kept one's, when the merged one's address was chosen). A form submission, an import or a
    touch sent with it lands on ``contact`` (``people.selectors.contact_find``)."""

    email = models.EmailField(unique=True, help_text="Stored lower-case and trimmed.")
    contact = models.ForeignKey(
        "people.Contact", on_delete=models.CASCADE, related_name="email_aliases"
    )
    merged_contact_id = models.IntegerField(help_text="The id of the contact merged away.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["email"]
        verbose_name_plural = "email aliases"

    def __str__(self) -> str:
        return f"{self.email} → {self.contact_id}"


class DuplicateDismissal(models.Model):
    """Two contacts (or two accounts) a user said are not one: the duplicates list leaves the
    pair out while both still have the addresses (domains, for accounts) they had when it was
    dismissed. A changed address or domain is new evidence, so the pair is listed again
    (``people.duplicates``). Ids rather than keys to the rows: one table for both kinds, and a
    merge or a deletion removes the pairs of the record that went."""

    class Kind(models.TextChoices):
        CONTACT = "contact", "Contacts"
        ACCOUNT = "account", "Accounts"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    low_id = models.IntegerField(help_text="The lower id of the pair.")
    high_id = models.IntegerField(help_text="The higher id of the pair.")
    low_key = models.CharField(
        max_length=254, blank=True, help_text="The lower one's address (or domain) then."
    )
    high_key = models.CharField(
        max_length=254, blank=True, help_text="The higher one's address (or domain) then."
    )
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField()

    class Meta:
        ordering = ["-dismissed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "low_id", "high_id"], name="people_dismissal_one_per_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(low_id__lt=models.F("high_id")),
                name="people_dismissal_ordered_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.low_id} and #{self.high_id} are not duplicates"
