"""Receipts are looked up by (owner, client_id): the unique constraint's index serves lookups
by owner, so the owner's own index (paid by every touch the batch API stores) goes. Dropped by
name: SQLite would otherwise copy the table to alter the field."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "marketing_touchreceipt_owner_id_e560a0ce"


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0003_workspace"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="touchreceipt",
                    name="owner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    f"CREATE INDEX IF NOT EXISTS {INDEX} ON marketing_touchreceipt (owner_id)",
                )
            ],
        ),
    ]
