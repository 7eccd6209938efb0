"""Make the audit ledger append-only in the database itself (see core/dbguard.py)."""

from django.conf import settings
from django.db import migrations

from fangkong.core.dbguard import audit_guard_install, audit_guard_remove


def forwards(apps, schema_editor):
    if getattr(settings, "AUDIT_DB_GUARD", True):
        audit_guard_install(schema_editor.connection)


def backwards(apps, schema_editor):
    audit_guard_remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
