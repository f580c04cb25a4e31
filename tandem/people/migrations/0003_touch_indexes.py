"""Touches lose three single-column indexes the composite (key, occurred_at) ones cover, and
contacts leave room on each page for in-place (HOT) updates on PostgreSQL.

Each index is paid by every touch stored; the batch API stores thousands a second. The indexes
are dropped by name (SQLite would otherwise copy the whole touch table to alter the fields).
Contacts' first/last touch change with every batch: with free space on the page PostgreSQL
writes the new row version beside the old one without touching the ten contact indexes.
The fill factor applies to pages written from now on; ``VACUUM FULL people_contact`` rewrites
an existing table with it.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = {
    "people_touch_contact_id_404f96c7": "contact_id",
    "people_touch_account_id_16acfc09": "account_id",
    "people_touch_campaign_id_3db65576": "campaign_id",
}
CONTACT_FILL_FACTOR = 85


def drop_indexes(apps, schema_editor):
    for name in DROPPED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE people_contact SET (fillfactor = {CONTACT_FILL_FACTOR})"
        )


def create_indexes(apps, schema_editor):
    for name, column in DROPPED.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON people_touch ({column})")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE people_contact RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0004_touch_indexes"),
        ("people", "0002_scores_grade_nurture_stage_rules"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="touch",
                    name="account",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="touches",
                        to="people.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="touch",
                    name="campaign",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="touches",
                        to="marketing.campaign",
                    ),
                ),
                migrations.AlterField(
                    model_name="touch",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="touches",
                        to="people.contact",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
