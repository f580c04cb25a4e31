"""Indexes the behaviour condition reads: touches by kind and time, submissions by form and time.

They live on other apps' tables, created here with plain SQL (the same on SQLite and
PostgreSQL) so the segments app owns the cost of its own queries. Each index ends with the
contact, so "who did X since D" is answered from the index alone.
"""

from django.db import migrations

INDEXES = [
    ("segments_touch_kind_time", "people_touch", "kind, occurred_at, contact_id"),
    ("segments_touch_campaign_kind", "people_touch", "campaign_id, kind, occurred_at, contact_id"),
    (
        "segments_submission_form_time",
        "marketing_formsubmission",
        "form_id, submitted_at, contact_id",
    ),
]


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0002_rebuild_state"),
        ("people", "0001_initial"),
        ("marketing", "0002_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, columns in INDEXES
    ]
