"""Byte-order collation on PostgreSQL for the columns searched by prefix (name keys, pinyin,
phone), so the range form of "starts with" (core.lookups.prefix_q) is exact and uses their
indexes whatever the cluster's default collation. SQLite compares bytes already."""

from django.db import migrations

COLUMNS = [("name_key", 100), ("name_pinyin", 200), ("phone", 32)]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, length in COLUMNS:
        schema_editor.execute(
            f'ALTER TABLE people_person ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"'
        )


class Migration(migrations.Migration):
    dependencies = [("people", "0002_person_flags_duplicate_code")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
