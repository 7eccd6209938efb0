"""Exemptions get a public code (revoke by URL); existing rows each get their own."""

import uuid

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def fill_codes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    exemption = apps.get_model("lab", "Exemption")
    for row in exemption.objects.filter(code__isnull=True).only("id").iterator():
        exemption.objects.filter(pk=row.pk).update(code=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("lab", "0016_screeninground_kind")]

    operations = [
        migrations.AddField(
            model_name="exemption", name="code", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="exemption",
            name="code",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
