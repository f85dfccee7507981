"""Database triggers that refuse UPDATE, DELETE and TRUNCATE on the audit table.

Python already refuses (`AuditEvent.save` on an existing row, `delete`, bulk update and
delete), but anything that talks SQL to the database directly would not ask Python. With
these triggers the database itself refuses, on PostgreSQL and on SQLite alike. They are
installed by migration 0002. The hash chain still detects what a database owner could do
by dropping them first: `safewell audit verify`.

`suspended()` drops and re-creates them inside one transaction. Only `safewell flush`
(which empties every table, test teardown included) uses it: see the `flush` command.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"
REFUSAL = "the audit log is append-only"

POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSAL}: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    f"""
    CREATE TRIGGER audit_refuse_update_delete BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
    """,
    # Row triggers do not fire on TRUNCATE, which would empty the whole log at once.
    f"""
    CREATE TRIGGER audit_refuse_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()
    """,
]
POSTGRESQL_TRIGGERS = ("audit_refuse_update_delete", "audit_refuse_truncate")
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_refuse_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_refuse_truncate ON {TABLE}",
]
POSTGRESQL_DROP_FUNCTION = "DROP FUNCTION IF EXISTS audit_refuse_change()"

# SQLite has no TRUNCATE: a DELETE without WHERE fires the delete trigger for every row.
SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER audit_refuse_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: UPDATE on {TABLE} refused'); END
    """,
    f"""
    CREATE TRIGGER audit_refuse_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL}: DELETE on {TABLE} refused'); END
    """,
]
SQLITE_TRIGGERS = ("audit_refuse_update", "audit_refuse_delete")
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_refuse_update",
    "DROP TRIGGER IF EXISTS audit_refuse_delete",
]


def install(connection: BaseDatabaseWrapper) -> None:
    _execute(connection, _statements(connection, install=True))


def remove(connection: BaseDatabaseWrapper) -> None:
    _execute(connection, _statements(connection, install=False))


@contextlib.contextmanager
def suspended(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift the triggers for the body of one transaction, if the table exists.

    Both databases run DDL transactionally, so no other connection ever sees the table
    unguarded: the triggers are gone and back within the same commit.
    """
    with transaction.atomic(using=connection.alias):
        present = TABLE in connection.introspection.table_names()
        if present:
            remove(connection)
        yield
        if present:
            install(connection)


def missing(connection: BaseDatabaseWrapper) -> list[str]:
    """The names of the triggers that should guard the table but do not (dropped by hand)."""
    if connection.vendor == "postgresql":
        expected, query = POSTGRESQL_TRIGGERS, (
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
        )
    elif connection.vendor == "sqlite":
        expected, query = SQLITE_TRIGGERS, (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
        )
    else:
        return []
    with connection.cursor() as cursor:
        cursor.execute(query, [TABLE])
        present = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in present]


def _statements(connection: BaseDatabaseWrapper, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return POSTGRESQL_INSTALL if install else POSTGRESQL_REMOVE
    if connection.vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []  # other databases: Python's refusal and the hash chain only


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
