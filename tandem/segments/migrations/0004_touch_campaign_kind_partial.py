"""The behaviour index on touches by campaign covers only touches that have a campaign.

Conditions on a campaign always name one (``campaign_id = …``, which implies it is not null,
so both databases use the partial index); most touches — visits, opens, calls — carry none,
and now cost this index nothing when they are stored.
"""

from django.db import migrations

NAME = "segments_touch_campaign_kind"
COLUMNS = "campaign_id, kind, occurred_at, contact_id"


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0003_behaviour_indexes"),
        ("people", "0005_touch_partial_indexes"),
    ]

    operations = [
        migrations.RunSQL(
            sql=[
                f"DROP INDEX IF EXISTS {NAME}",
                f"CREATE INDEX {NAME} ON people_touch ({COLUMNS}) WHERE campaign_id IS NOT NULL",
            ],
            reverse_sql=[
                f"DROP INDEX IF EXISTS {NAME}",
                f"CREATE INDEX {NAME} ON people_touch ({COLUMNS})",
            ],
        )
    ]
