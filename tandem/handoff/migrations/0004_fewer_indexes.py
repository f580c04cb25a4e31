"""A lead is written on every hand-off: (assigned_to, status) covers the rep's key, and the
campaign and decider get partial indexes instead of indexing the NULLs of every new lead.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DROPPED = {
    "handoff_lead_assigned_to_id_fcd4ea6a": "assigned_to_id",
    "handoff_lead_campaign_id_1e53a779": "campaign_id",
    "handoff_lead_decided_by_id_9132d5bb": "decided_by_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0003_scoring_routing_service_levels"),
        ("marketing", "0005_touch_client_id"),
        ("people", "0005_touch_partial_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lead",
                    name="assigned_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="leads",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="campaign",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The campaign credited with the hand-off.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="leads",
                        to="marketing.campaign",
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="decided_by",
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
                        f"CREATE INDEX IF NOT EXISTS {name} ON handoff_lead ({column})"
                        for name, column in DROPPED.items()
                    ],
                )
            ],
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)),
                fields=["campaign"],
                name="lead_campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(("decided_by__isnull", False)),
                fields=["decided_by"],
                name="lead_decided_by",
            ),
        ),
    ]
