"""Background work of custom fields: building a filtered field's index."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from tandem.fields.indexes import UNINDEXED_KINDS, custom_field_index_ensure
from tandem.fields.models import CustomField


@task()
def custom_field_index_task(field_id: int) -> None:
    field = CustomField.objects.filter(pk=field_id).first()
    if field is not None:
        custom_field_index_ensure(field)


def custom_field_filtered(field: CustomField) -> None:
    """``field`` is used in a filter: build its index after commit, in the background (once:
    ``is_indexed`` remembers it)."""
    if field.is_indexed or field.kind in UNINDEXED_KINDS:
        return
    field_id = field.pk
    transaction.on_commit(lambda: custom_field_index_task.enqueue(field_id))
