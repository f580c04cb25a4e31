"""A lifecycle move is written on every qualifying touch: its keys lose the single-column
indexes that (contact, moved_at) already covers or that mostly index NULLs; moved_by and
campaign get partial indexes instead.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DROPPED = {
    "people_lifecyclemove_contact_id_03377ef2": "contact_id",
    "people_lifecyclemove_moved_by_id_23ab31b9": "moved_by_id",
    "people_lifecyclemove_campaign_id_e9205a71": "campaign_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0005_touch_client_id"),
        ("people", "0005_touch_partial_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lifecyclemove",
                    name="campaign",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The campaign of the contact's latest touch when the move happened.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="marketing.campaign",
                    ),
                ),
                migrations.AlterField(
                    model_name="lifecyclemove",
                    name="contact",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lifecycle_moves",
                        to="people.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="lifecyclemove",
                    name="moved_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            # By name: SQLite would otherwise copy the whole table to alter the fields.
            database_operations=[
                migrations.RunSQL(
                    [f"DROP INDEX IF EXISTS {name}" for name in DROPPED],
                    [
                        f"CREATE INDEX IF NOT EXISTS {name} ON people_lifecyclemove ({column})"
                        for name, column in DROPPED.items()
                    ],
                )
            ],
        ),
        migrations.AddIndex(
            model_name="lifecyclemove",
            index=models.Index(
                condition=models.Q(("moved_by__isnull", False)),
                fields=["moved_by"],
                name="move_moved_by",
            ),
        ),
        migrations.AddIndex(
            model_name="lifecyclemove",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)),
                fields=["campaign"],
                name="move_campaign",
            ),
        ),
    ]
