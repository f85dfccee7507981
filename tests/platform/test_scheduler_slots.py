"""The scheduler enqueues each due job once per minute, however many schedulers run."""

from __future__ import annotations

import threading
from io import StringIO
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from safewell.core.env import ConfigurationError
from safewell.core.models import ScheduledRun
from safewell.core.scheduler import MAX_CATCH_UP_MINUTES, Scheduler, enqueue_due, load_schedule

PRUNE = "safewell.core.tasks.prune_finished_tasks"
NOON_UTC = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday, GMT: noon in London too


def schedule(cron: str = "* * * * *", name: str = "prune") -> list:
    return load_schedule([{"name": name, "task": PRUNE, "cron": cron}])


def test_a_due_job_is_enqueued_once_per_slot_even_when_run_twice(db):
    entries = schedule()

    assert enqueue_due(entries, NOON_UTC) == ["prune"]
    assert enqueue_due(entries, NOON_UTC) == []

    assert DBTaskResult.objects.filter(task_path=PRUNE).count() == 1
    run = ScheduledRun.objects.get()
    assert (run.name, run.slot) == ("prune", NOON_UTC)
    assert run.task_result_id == str(DBTaskResult.objects.get().id)


def test_two_schedulers_ticking_the_same_minute_enqueue_once(db):
    first, second = Scheduler(schedule()), Scheduler(schedule())
    moment = NOON_UTC + timedelta(seconds=7)

    assert first.tick(moment) == ["prune"]
    assert second.tick(moment + timedelta(seconds=30)) == []
    assert DBTaskResult.objects.count() == 1


def test_the_next_minute_is_a_new_slot(db):
    scheduler = Scheduler(schedule())
    scheduler.tick(NOON_UTC)
    assert scheduler.tick(NOON_UTC + timedelta(minutes=1)) == ["prune"]
    assert ScheduledRun.objects.count() == 2


def test_a_job_that_is_not_due_is_not_enqueued(db):
    assert enqueue_due(schedule("17 3 * * *"), NOON_UTC) == []
    assert not DBTaskResult.objects.exists()


def test_cron_times_are_london_wall_clock_in_summer_time(db):
    # 08:30 BST is 07:30 UTC: a school's "8:30" is due then, not an hour later.
    entries = schedule("30 8 * * 1-5")
    summer_0730_utc = datetime(2026, 7, 1, 7, 30, tzinfo=UTC)
    assert enqueue_due(entries, summer_0730_utc) == ["prune"]
    assert enqueue_due(entries, summer_0730_utc + timedelta(hours=1)) == []


def test_a_late_tick_catches_up_on_the_minutes_it_missed(db):
    scheduler = Scheduler(schedule("*/1 * * * *"))
    scheduler.tick(NOON_UTC)
    assert scheduler.tick(NOON_UTC + timedelta(minutes=3)) == ["prune", "prune", "prune"]
    slots = sorted(ScheduledRun.objects.values_list("slot", flat=True))
    assert slots == [NOON_UTC + timedelta(minutes=m) for m in range(4)]


def test_after_a_long_pause_it_catches_up_only_the_last_few_minutes(db):
    scheduler = Scheduler(schedule())
    scheduler.tick(NOON_UTC)
    enqueued = scheduler.tick(NOON_UTC + timedelta(hours=5))
    assert len(enqueued) == MAX_CATCH_UP_MINUTES


def test_the_scheduler_command_enqueues_what_is_due(db, settings):
    settings.SAFEWELL_SCHEDULE = [{"name": "every-minute", "task": PRUNE, "cron": "* * * * *"}]
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert out.getvalue() == "Enqueued every-minute\n"
    assert ScheduledRun.objects.get().name == "every-minute"


def test_the_scheduler_command_can_replay_a_given_minute_once(db):
    out = StringIO()
    for _ in range(2):
        call_command("scheduler", "--once", "--at", "2026-11-23T03:17", stdout=out)
    # Every-minute jobs (the notification outbox) are due in that minute too; each job once.
    lines = out.getvalue().splitlines()
    assert "Enqueued prune-finished-tasks" in lines and len(lines) == len(set(lines))
    assert ScheduledRun.objects.get(name="prune-finished-tasks").slot == datetime(2026, 11, 23, 3, 17, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_racing_schedulers_in_parallel_enqueue_once():
    if connection.vendor == "sqlite":
        # The in-memory test database fails concurrent writers instead of queueing them;
        # test_worker_processes races real processes on a SQLite file instead.
        pytest.skip("threads cannot race on the in-memory SQLite test database")
    entries = schedule()
    barrier = threading.Barrier(4)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def race() -> None:
        try:
            barrier.wait()
            results.append(enqueue_due(entries, NOON_UTC))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert sorted(results) == [[], [], [], ["prune"]]
    assert DBTaskResult.objects.count() == 1


def test_the_shipped_schedule_prunes_finished_tasks_daily():
    entries = {entry.name: entry for entry in load_schedule()}
    prune = entries["prune-finished-tasks"]
    assert prune.task_path == PRUNE
    due = [h for h in range(24) for m in range(60)
           if prune.cron.matches(datetime(2026, 11, 23, h, m))]
    assert len(due) == 1


BAD_SCHEDULES = [
    ([{"name": "x", "task": PRUNE, "cron": "* * *"}],
     "SAFEWELL_SCHEDULE entry 1 (x): cron expression '* * *' has 3 fields"),
    ([{"name": "x", "task": "safewell.core.tasks.no_such_task", "cron": "* * * * *"}],
     "SAFEWELL_SCHEDULE entry 1 (x): there is no task at 'safewell.core.tasks.no_such_task'."),
    ([{"name": "x", "task": "safewell.core.tasks.timedelta", "cron": "* * * * *"}],
     "'safewell.core.tasks.timedelta' is not a task"),
    ([{"name": "x", "cron": "* * * * *"}], "SAFEWELL_SCHEDULE entry 1 has no task"),
    (["17 3 * * * prune"], "SAFEWELL_SCHEDULE entry 1 is not a mapping"),
    ([{"name": "x", "task": PRUNE, "cron": "* * * * *"}] * 2,
     "SAFEWELL_SCHEDULE names x more than once"),
]


@pytest.mark.parametrize(("raw", "says"), BAD_SCHEDULES)
def test_a_bad_schedule_is_refused_in_one_sentence(raw, says):
    with pytest.raises(ConfigurationError) as error:
        load_schedule(raw)
    assert says in str(error.value)


def test_claiming_a_slot_writes_nothing_to_the_audit_log(db):
    from safewell.audit.models import AuditEvent

    before = AuditEvent.objects.count()
    enqueue_due(schedule(), NOON_UTC)
    assert ScheduledRun.objects.count() == 1
    assert AuditEvent.objects.count() == before
