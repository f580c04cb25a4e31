"""Receipts are gone: their client ids now live on the touches (people 0004 moved them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0004_touch_indexes"),
        ("people", "0004_touch_client_id"),
    ]

    operations = [
        migrations.DeleteModel(name="TouchReceipt"),
    ]
