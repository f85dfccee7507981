"""The hash chain verifies, and verification names the first broken link after any tampering."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from safewell.audit import append_only
from safewell.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from safewell.audit.selectors import HASH_MISMATCH, PREVIOUS_MISMATCH, audit_chain_verify
from safewell.audit.services import audit_log
from safewell.core.request_context import acting_as

pytestmark = pytest.mark.django_db


def write_events(count: int) -> list[AuditEvent]:
    return [audit_log(action="read", target_type="schools.site", target_id=str(n), detail=f"look {n}") for n in range(count)]


def verify_command() -> str:
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue().strip()


def broken_command() -> CommandError:
    with pytest.raises(CommandError) as raised:
        verify_command()
    return raised.value


def tamper(sql: str, params: list) -> None:
    """Raw SQL with the append-only triggers lifted, as a database owner could do it."""
    with append_only.suspended(connection), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_each_event_holds_the_hash_of_the_one_before(db):
    first, second, third = write_events(3)

    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert all(event.compute_hash() == event.hash for event in AuditEvent.objects.all())


def test_an_intact_chain_verifies(personas):
    with acting_as(personas.dsl.pk, ip_address="2001:db8::1"):
        write_events(5)
    total = AuditEvent.objects.count()  # the personas' own records were audited too

    assert verify_command() == f"audit chain OK: {total} entries"


def test_an_empty_log_verifies(db):
    assert verify_command() == "audit chain OK: 0 entries"


def test_changing_a_field_breaks_the_chain_at_that_entry(db):
    events = write_events(5)
    tamper("UPDATE audit_auditevent SET detail = %s WHERE id = %s", ["nothing to see", events[2].pk])

    report = audit_chain_verify()
    assert (report.broken_id, report.reason, report.entries) == (events[2].pk, HASH_MISMATCH, 2)
    error = broken_command()
    assert error.returncode == 1
    assert f"entry id {events[2].pk}" in str(error) and "hash mismatch" in str(error)


def test_changing_the_changes_json_breaks_the_chain(db):
    event = audit_log(action="update", target_type="schools.site", target_id="1", changes={"name": ["A", "B"]})
    tamper("UPDATE audit_auditevent SET changes = %s WHERE id = %s", ['{"name": ["A", "C"]}', event.pk])

    assert audit_chain_verify().reason == HASH_MISMATCH


def test_changing_a_field_and_recomputing_its_hash_breaks_the_next_link(db):
    events = write_events(4)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.detail = "forged"
    tamper("UPDATE audit_auditevent SET detail = %s, hash = %s WHERE id = %s",
           ["forged", forged.compute_hash(), forged.pk])

    report = audit_chain_verify()
    assert (report.broken_id, report.reason) == (events[2].pk, PREVIOUS_MISMATCH)


def test_deleting_a_middle_entry_breaks_the_chain_at_the_next_one(db):
    events = write_events(5)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])

    report = audit_chain_verify()
    assert (report.broken_id, report.reason) == (events[3].pk, PREVIOUS_MISMATCH)
    assert "previous_hash mismatch" in str(broken_command())


def test_deleting_the_first_entry_breaks_the_chain(db):
    events = write_events(3)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])

    assert audit_chain_verify().broken_id == events[1].pk


def test_reordering_two_entries_breaks_the_chain(db):
    events = write_events(5)
    a, b = events[1], events[3]
    # Swap two rows' ids: the same stored entries, read in a different order. Through a
    # spare id, since every id is unique.
    spare = events[-1].pk + 1000
    for new_id, old_id in [(spare, a.pk), (a.pk, b.pk), (b.pk, spare)]:
        tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [new_id, old_id])
    details = list(AuditEvent.objects.values_list("detail", flat=True))
    assert details == ["look 0", "look 3", "look 2", "look 1", "look 4"]

    report = audit_chain_verify()
    assert (report.broken_id, report.reason) == (a.pk, PREVIOUS_MISMATCH)


def test_python_refuses_to_change_or_delete_an_event(db):
    [event] = write_events(1)
    event.detail = "changed"

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert audit_chain_verify().ok


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET detail = 'changed'",
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_auditevent WHERE id = (SELECT max(id) FROM audit_auditevent)",
    ],
)
def test_the_database_itself_refuses_raw_updates_and_deletes(db, sql):
    write_events(2)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 2 and audit_chain_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.django_db(transaction=True)  # committed rows: TRUNCATE refuses pending FK checks
def test_postgresql_refuses_to_truncate_the_log():
    write_events(1)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_leaves_the_triggers_in_place():
    write_events(2)
    call_command("flush", interactive=False, verbosity=0)

    assert AuditEvent.objects.count() == 0
    write_events(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's in-memory test database is one writer")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_unbroken_chain():
    threads, per_thread, errors = 8, 25, []

    def append() -> None:
        try:
            write_events(per_thread)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=append) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert verify_command() == f"audit chain OK: {threads * per_thread} entries"


def test_verifying_a_long_chain_is_fast(db):
    count = 20_000
    events = []
    template = write_events(1)[0]
    previous = template.hash
    for n in range(count - 1):
        event = AuditEvent(**{**template.hashed_values(), "target_id": str(n), "previous_hash": previous})
        event.hash = event.compute_hash()
        previous = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events, batch_size=2000)

    # CPU time, not wall time: the suite shares its machine, and the cost is our hashing.
    started = time.process_time()
    report = audit_chain_verify()
    elapsed = time.process_time() - started

    assert report.ok and report.entries == count
    # 100,000 entries must verify in a few seconds: 20,000 take about 0.3 s of CPU.
    assert elapsed < 1.5, f"{count} entries took {elapsed:.2f}s of CPU"


APPEND_SCRIPT = """
from safewell.audit.services import audit_log
for n in range(25):
    audit_log(action="read", target_type="schools.site", target_id=str(n))
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL is covered by the thread test")
def test_concurrent_processes_on_one_sqlite_file_form_one_unbroken_chain(tmp_path):
    # The test database is in memory; this one is a real file, as `make demo` runs it.
    env = {**os.environ, "SAFEWELL_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    safewell = [sys.executable, "-m", "safewell.config.cli"]
    subprocess.run([*safewell, "migrate", "audit", "-v0"], env=env, check=True)  # only what the log needs

    writers = [subprocess.Popen([*safewell, "shell", "-c", APPEND_SCRIPT], env=env) for _ in range(4)]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0, 0]

    verify = subprocess.run([*safewell, "audit", "verify"], env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    assert verify.stdout.startswith("audit chain OK: ")
    assert verify.stdout.strip() == "audit chain OK: 100 entries"


def test_verify_warns_when_the_append_only_triggers_were_dropped(db):
    write_events(2)
    append_only.remove(connection)  # rolled back with the test's transaction
    out, err = io.StringIO(), io.StringIO()

    call_command("audit", "verify", stdout=out, stderr=err)

    assert out.getvalue().strip() == "audit chain OK: 2 entries"
    assert "append-only triggers missing" in err.getvalue()
