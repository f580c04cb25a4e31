"""Expression indexes on filtered custom fields.

A field gets its index the first time something filters on it (a segment rule, an ICP rule, a
list filter): ``fields.tasks.custom_field_filtered`` queues ``custom_field_index_ensure`` after
commit, which builds ``CREATE INDEX custom_field_<id> ON <table> (<the filter's expression>)``
with the schema editor from ``fields.filters.custom_value`` — the expression the filters emit,
so the database can use it. Yes/no and several-choices fields get none (see ``fields.filters``).
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection, models

from tandem.fields.filters import custom_value
from tandem.fields.models import CustomField, FieldKind

# Where each entity's records live (looked up by name: fields sits below people and sales).
ENTITY_MODELS = {"contact": "people.Contact", "account": "people.Account", "deal": "sales.Deal"}
UNINDEXED_KINDS = frozenset({FieldKind.YES_NO, FieldKind.CHOICES})


def custom_field_index_name(field: CustomField) -> str:
    return f"custom_field_{field.pk}"


def custom_field_index(field: CustomField) -> models.Index | None:
    """The index a filter on ``field`` can use; None for the kinds left unindexed."""
    if field.kind in UNINDEXED_KINDS:
        return None
    return models.Index(custom_value(field), name=custom_field_index_name(field))


def custom_field_index_ensure(field: CustomField) -> bool:
    """Create the field's expression index unless it exists; True when it was created."""
    index = custom_field_index(field)
    if index is None or field.is_indexed:
        return False
    model = apps.get_model(ENTITY_MODELS[field.entity])
    with connection.cursor() as cursor:
        existing = connection.introspection.get_constraints(cursor, model._meta.db_table)
    created = False
    if index.name not in existing:
        # The statement only, not ``with schema_editor()``: SQLite's editor refuses to open
        # inside a transaction, and a plain CREATE INDEX needs none of what it prepares.
        editor = connection.schema_editor()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # PostgreSQL refuses to index a table with deferred foreign-key checks pending
                # in this transaction (rows written before the index, in the same one).
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(str(index.create_sql(model, editor)))
        created = True
    CustomField.objects.filter(pk=field.pk).update(is_indexed=True)
    field.is_indexed = True
    return created


def custom_field_index_drop(field: CustomField) -> None:
    """Drop the field's index (kept while the field is used; for tests and clean-ups)."""
    index = custom_field_index(field)
    if index is None:
        return
    model = apps.get_model(ENTITY_MODELS[field.entity])
    editor = connection.schema_editor()
    editor.deferred_sql = []  # what ``with`` would have set up; remove_sql reads it
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(str(index.remove_sql(model, editor)))
    CustomField.objects.filter(pk=field.pk).update(is_indexed=False)
    field.is_indexed = False
