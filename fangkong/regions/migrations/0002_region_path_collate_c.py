"""Byte-order collation for ``Region.path`` on PostgreSQL, so that the subtree range
``[path, path + "~")`` holds whatever the cluster's default collation (SQLite compares bytes
already)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE regions_region ALTER COLUMN path TYPE varchar(255) COLLATE "C"'
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
