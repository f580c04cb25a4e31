"""The batch API's client ids move from the receipts table onto the touches themselves.

One row and three index entries fewer per stored touch, and no foreign-key checks from receipts
at commit. The unique (recorded_by, client_id) index also serves lookups by recorded_by, so that
column's own index goes. The indexes are made and dropped by name: on SQLite, Django would copy
the whole touch table to alter the field or add a unique constraint.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

RECORDED_BY_INDEX = "people_touch_recorded_by_id_4e7af539"
UNIQUE = "touch_client_id_unique"


def client_ids_from_receipts(apps, schema_editor):
    schema_editor.execute(
        "UPDATE people_touch SET client_id = r.client_id, recorded_by_id = r.owner_id "
        "FROM marketing_touchreceipt AS r WHERE r.touch_id = people_touch.id"
    )


def client_ids_to_receipts(apps, schema_editor):
    schema_editor.execute(
        "INSERT INTO marketing_touchreceipt (owner_id, client_id, touch_id, received_at) "
        "SELECT recorded_by_id, client_id, id, created_at FROM people_touch "
        "WHERE client_id IS NOT NULL AND recorded_by_id IS NOT NULL"
    )


def indexes_swap(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {RECORDED_BY_INDEX}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE people_touch ADD CONSTRAINT {UNIQUE} UNIQUE (recorded_by_id, client_id)"
        )
    else:
        schema_editor.execute(
            f"CREATE UNIQUE INDEX {UNIQUE} ON people_touch (recorded_by_id, client_id)"
        )


def indexes_unswap(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE people_touch DROP CONSTRAINT {UNIQUE}")
    else:
        schema_editor.execute(f"DROP INDEX {UNIQUE}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {RECORDED_BY_INDEX} ON people_touch (recorded_by_id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0004_touch_indexes"),
        ("people", "0003_touch_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="touch",
            name="client_id",
            field=models.CharField(
                blank=True,
                help_text="The sender's own id for this touch (batch API): a retry stores "
                "nothing twice.",
                max_length=100,
                null=True,
            ),
        ),
        migrations.RunPython(client_ids_from_receipts, client_ids_to_receipts),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="touch",
                    name="recorded_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AddConstraint(
                    model_name="touch",
                    constraint=models.UniqueConstraint(
                        fields=("recorded_by", "client_id"), name=UNIQUE
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(indexes_swap, indexes_unswap)],
        ),
    ]
