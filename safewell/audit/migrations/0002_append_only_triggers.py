"""The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on the audit table."""

from __future__ import annotations

from django.db import migrations

from safewell.audit import append_only


def install_triggers(apps, schema_editor) -> None:
    append_only.install(schema_editor.connection)


def remove_triggers(apps, schema_editor) -> None:
    append_only.remove(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(append_only.POSTGRESQL_DROP_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install_triggers, remove_triggers, elidable=False)]
