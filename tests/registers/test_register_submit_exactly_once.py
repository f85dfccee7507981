"""An idempotency key is applied once: a replay returns the first result, and racing
requests with one key (threads on PostgreSQL, processes on an SQLite file) apply once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading

import pytest
from django.db import connection, connections

from safewell.attendance.models import Mark, SessionRegister, SubmissionReceipt
from safewell.audit.models import AuditEvent
from tests.registers.register_school import submit


def register_events() -> int:
    return AuditEvent.objects.filter(target_type="attendance.sessionregister").count()


def test_a_first_submission_applies_every_mark_and_moves_the_version_to_1(school):
    result = submit(school, [(school.ada, "/"), (school.bea, "N"), (school.cal, "/")], key="k-1")

    assert (result.version, result.applied, result.replayed) == (1, 3, False)
    assert dict(Mark.objects.values_list("pupil_id", "code")) == {school.ada.pk: "/", school.bea.pk: "N", school.cal.pk: "/"}
    register = SessionRegister.objects.get()
    assert (register.version, register.taken_by, register.closed_at) == (1, school.personas.teacher, None)


def test_a_replayed_key_returns_the_first_result_and_applies_nothing(school):
    first = submit(school, [(school.ada, "/"), (school.bea, "/")], key="k-replay")
    again = submit(school, [(school.ada, "N"), (school.bea, "I")], key="k-replay", base=0)

    assert (again.register_id, again.version, again.applied, again.replayed) == (first.register_id, 1, 2, True)
    assert set(Mark.objects.values_list("code", flat=True)) == {"/"}
    assert SessionRegister.objects.get().version == 1
    assert SubmissionReceipt.objects.count() == 1
    assert register_events() == 1


def test_the_submission_is_audited_as_one_event_listing_its_marks(school):
    submit(school, [(school.ada, "/"), (school.bea, "N"), (school.cal, "/")], key="k-audit")

    event = AuditEvent.objects.get(target_type="attendance.sessionregister")
    assert event.actor_id is None or event.actor_id == school.personas.teacher.pk
    assert event.changes[f"{school.bea.pk}/2026-09-10/AM"] == [None, "N"]
    assert event.changes["version"] == [0, 1]
    assert "k-audit" in event.detail
    # mark_write's own per-mark events are not written on the register path.
    assert not AuditEvent.objects.filter(target_type="attendance.mark").exists()


def test_resending_the_same_marks_under_a_new_key_changes_nothing(school):
    submit(school, [(school.ada, "/"), (school.bea, "/")], key="k-a")
    again = submit(school, [(school.ada, "/"), (school.bea, "/")], key="k-b", base=1)

    assert (again.version, again.applied, again.replayed) == (1, 0, False)
    assert register_events() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite is covered by the process test")
@pytest.mark.django_db(transaction=True)
def test_racing_threads_with_one_key_apply_it_once(school):
    threads, results, errors = 8, [], []
    start = threading.Barrier(threads)

    def send() -> None:
        try:
            start.wait()
            results.append(submit(school, [(school.ada, "/"), (school.bea, "N"), (school.cal, "L")], key="k-race"))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=send) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert not errors
    assert sorted(r.replayed for r in results) == [False] + [True] * (threads - 1)
    assert {(r.register_id, r.version, r.applied) for r in results} == {(results[0].register_id, 1, 3)}
    assert Mark.objects.count() == 3 and SubmissionReceipt.objects.count() == 1
    assert SessionRegister.objects.get().version == 1
    assert register_events() == 1


SETUP_SCRIPT = textwrap.dedent("""
    import datetime as dt
    from safewell.accounts.models import Membership, User
    from safewell.pupils import services, upn
    from safewell.schools.models import Organisation, Site
    from safewell.schools.services import term_dates_import_csv
    from tests.registers.register_school import TERM_DATES_2026_27
    org = Organisation.objects.create(name="Race Academy", kind="school")
    site = Site.objects.create(organisation=org, name="Race site", code="race")
    term_dates_import_csv(organisation=org, file=TERM_DATES_2026_27)
    user = User.objects.create_user(username="racer", email="racer@example.org", password="x")
    Membership.objects.create(user=user, site=site, role="teacher")
    group = services.registration_group_create(site=site, name="7R")
    for i in range(30):
        services.pupil_admit(site=site, admission_date=dt.date(2026, 9, 1), today=dt.date(2026, 9, 1),
            upn=upn.make("935", "4004", 26, i + 1), legal_forename=f"P{i}", legal_surname="Race",
            date_of_birth=dt.date(2014, 1, 1), sex="M", year_group="7", registration_group=group)
""")
SUBMIT_SCRIPT = textwrap.dedent("""
    import datetime as dt, json
    from zoneinfo import ZoneInfo
    from safewell.accounts.models import User
    from safewell.attendance.registers import MarkInput, register_submit
    from safewell.pupils.models import Pupil, RegistrationGroup
    group = RegistrationGroup.objects.select_related("site").get(name="7R")
    marks = [MarkInput(p, "/") for p in Pupil.objects.filter(registration_group=group).values_list("id", flat=True)]
    result = register_submit(site=group.site, registration_group=group, date=dt.date(2026, 9, 10), session="AM",
        marks=marks, idempotency_key="k-process-race", base_version=0, actor=User.objects.get(username="racer"),
        now=dt.datetime(2026, 9, 10, 8, 50, tzinfo=ZoneInfo("Europe/London")))
    print(json.dumps([result.version, result.applied, result.replayed]))
""")
CHECK_SCRIPT = textwrap.dedent("""
    import json
    from safewell.attendance.models import Mark, SessionRegister, SubmissionReceipt
    from safewell.audit.models import AuditEvent
    print(json.dumps([Mark.objects.count(), SubmissionReceipt.objects.count(), SessionRegister.objects.get().version,
        AuditEvent.objects.filter(target_type="attendance.sessionregister").count()]))
""")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL is covered by the thread test")
def test_racing_processes_on_one_sqlite_file_apply_a_key_once(tmp_path):
    import json

    env = {**os.environ, "SAFEWELL_DATA_DIR": str(tmp_path), "PYTHONPATH": os.getcwd()}
    env.pop("DATABASE_URL", None)
    safewell = [sys.executable, "-m", "safewell.config.cli"]
    subprocess.run([*safewell, "migrate", "-v0"], env=env, check=True)
    subprocess.run([*safewell, "shell", "-c", SETUP_SCRIPT], env=env, check=True)

    senders = [
        subprocess.Popen([*safewell, "shell", "-c", SUBMIT_SCRIPT], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [sender.communicate(timeout=120)[0] for sender in senders]
    assert [sender.returncode for sender in senders] == [0, 0, 0, 0]

    results = sorted(json.loads(out.strip().splitlines()[-1]) for out in outputs)
    assert results == [[1, 30, False], [1, 30, True], [1, 30, True], [1, 30, True]]
    check = subprocess.run([*safewell, "shell", "-c", CHECK_SCRIPT], env=env, check=True, capture_output=True, text=True)
    assert json.loads(check.stdout.strip().splitlines()[-1]) == [30, 1, 1, 1]
