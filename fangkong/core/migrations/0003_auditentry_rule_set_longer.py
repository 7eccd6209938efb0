"""Longer rule-set labels on audit rows; byte-order collation for the ledgers' region paths on
PostgreSQL (subtree ranges ``[path, path + "~")`` need ``.`` < digits < ``~``, which a
linguistic collation such as glibc ``en_US`` does not guarantee); re-install the append-only
guard, which SQLite drops when it rebuilds a table."""

from django.conf import settings
from django.db import migrations, models

from fangkong.core.dbguard import audit_guard_install

COLLATE_C = [
    'ALTER TABLE core_auditentry ALTER COLUMN region_path TYPE varchar(255) COLLATE "C"',
    'ALTER TABLE core_accessentry ALTER COLUMN region_path TYPE varchar(255) COLLATE "C"',
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        for statement in COLLATE_C:
            schema_editor.execute(statement)
    if getattr(settings, "AUDIT_DB_GUARD", True):
        audit_guard_install(connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_auditentry_append_only")]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="rule_set",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
