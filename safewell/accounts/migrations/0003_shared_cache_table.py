"""The table behind the shared cache (settings.CACHES), made by `safewell migrate`.

Login lock-outs and the "this TOTP code was already used" check live in Django's cache. A
per-process memory cache would let an attacker spread guesses or replay a code across web
processes, so the cache is a database table that every process shares.
"""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_tables(apps, schema_editor) -> None:
    for cache in settings.CACHES.values():
        if cache["BACKEND"].endswith("DatabaseCache"):
            schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(cache['LOCATION'])}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens_roles_version_unique_email")]

    operations = [migrations.RunPython(create_cache_tables, drop_cache_tables)]
