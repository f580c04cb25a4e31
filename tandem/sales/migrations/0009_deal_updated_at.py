# Deals get ``updated_at``; an existing deal's is when it last visibly changed (closed, else
# created), not the day of the migration: an import's undo compares it with the import's end.

import django.db.models.functions.datetime
from django.db import migrations, models
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Deal = apps.get_model("sales", "Deal")
    Deal.objects.update(updated_at=Coalesce("closed_at", "created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0008_deal_external_id_custom"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_default=django.db.models.functions.datetime.Now()
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
