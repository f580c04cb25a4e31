"""Imports of accounts, contacts and deals from a file: the job, its problems, what it touched.

A job walks uploaded → configured → queued → running → done (or failed), and done → undone.
The file is kept under the data folder while the job lives; each chunk of rows is written in
one transaction together with the job's ``cursor`` (the next line to read), so a crash resumes
where the last committed chunk ended and nothing is written twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ObjectType(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"
    DEALS = "deals", "Deals"


class Mode(models.TextChoices):
    CREATE_ONLY = "create_only", "Create new records only"
    UPDATE_ONLY = "update_only", "Update existing records only"
    CREATE_AND_UPDATE = "create_and_update", "Create and update"


class ImportJob(models.Model):
    """One file being imported: what was found in it, how it maps onto Tandem, how far it got."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        CONFIGURED = "configured", "Configured"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        UNDONE = "undone", "Undone"

    object_type = models.CharField(max_length=10, choices=ObjectType.choices)
    filename = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    stored_path = models.CharField(
        max_length=500, help_text="Where the file is kept, relative to the data folder."
    )
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=10, default="csv", help_text="csv or xlsx.")
    encoding = models.CharField(max_length=20, blank=True)
    has_bom = models.BooleanField(default=False)
    delimiter = models.CharField(max_length=5, blank=True)
    header_line = models.PositiveIntegerField(default=1)
    headers = models.JSONField(default=list, help_text="The header row, as read.")
    date_order = models.CharField(
        max_length=12,
        blank=True,
        help_text="How slashed dates are read: day_first or month_first (detected or chosen).",
    )
    preset = models.CharField(max_length=60, blank=True, help_text="The preset suggested.")
    mapping = models.JSONField(
        default=dict, blank=True, help_text="{column header: target}; an empty target skips."
    )
    value_maps = models.JSONField(
        default=dict, blank=True, help_text="{target: {value in the file: Tandem value}}."
    )
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.CREATE_AND_UPDATE)
    blanks_overwrite = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    error = models.TextField(blank=True, help_text="Why the job failed, when it did.")
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cursor = models.PositiveIntegerField(
        default=0, help_text="Data rows already written (committed with each chunk)."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_notes = models.JSONField(
        default=list,
        blank=True,
        help_text="The records its undo left as they were (changed since), and why.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_object_type_display()} from {self.filename}"

    @property
    def resource(self) -> str:
        """The permission matrix's resource for this job's kind (``contact_import`` …)."""
        return f"{self.object_type.removesuffix('s')}_import"


class ImportProblem(models.Model):
    """A row (or one value of it) the import could not take as it was, and why."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    line = models.PositiveIntegerField(help_text="The line in the file (the header is line 1).")
    column = models.CharField(max_length=255, blank=True)
    value = models.TextField(blank=True, help_text="The value, cut to 200 characters.")
    reason = models.CharField(max_length=500)
    is_row_skipped = models.BooleanField(
        default=True, help_text="False when the row went in without this value."
    )

    class Meta:
        ordering = ["job", "line", "id"]
        indexes = [models.Index(fields=["job", "line"])]

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRecord(models.Model):
    """One record an import created or changed, with the values it replaced: what undo needs."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"

    # No index of its own: the (job, record type, record id) index starts with it, and a
    # million-row import writes every index once a row.
    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    record_type = models.CharField(max_length=10, help_text="account, contact or deal.")
    record_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    line = models.PositiveIntegerField(default=0, help_text="The file's line it came from.")
    before = models.JSONField(
        default=dict, blank=True, help_text="The fields the import changed, as they were."
    )
    after = models.JSONField(
        default=dict, blank=True, help_text="The same fields as the import left them."
    )

    class Meta:
        ordering = ["job", "id"]
        indexes = [models.Index(fields=["job", "record_type", "record_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.record_type} {self.record_id}"


class ImportPreset(models.Model):
    """A mapping and value maps a user saved for their own files of one kind."""

    object_type = models.CharField(max_length=10, choices=ObjectType.choices)
    name = models.CharField(max_length=100)
    mapping = models.JSONField(default=dict)
    value_maps = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["object_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "name"], name="import_preset_unique")
        ]

    def __str__(self) -> str:
        return self.name
