"""Periodic jobs: a cron-expression matcher and a scheduler that enqueues each due task once.

`settings.SAFEWELL_SCHEDULE` lists the jobs: `{"name", "task" (dotted path to a
django-tasks task), "cron" ("m h dom mon dow")}`. Cron times are read in the site time zone
(Europe/London), because schools think in local time: "03:17 every night" stays 03:17 across
the clock changes. As with cron, a time in the skipped spring-forward hour does not happen,
and one in the repeated autumn hour happens twice; keep scheduled jobs idempotent.

Several scheduler processes may run (production runs one or more; `make demo` runs one
inside the worker). Each due (job, minute) is claimed by inserting a `ScheduledRun` row
under a unique constraint: the first insert wins and enqueues, every other process gets an
IntegrityError and skips. This is the healthchecks pattern: the database is the lock, and it
works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from safewell.core.env import ConfigurationError

if TYPE_CHECKING:
    from django_tasks.base import Task

logger = logging.getLogger("safewell.scheduler")

# After a pause (a laptop asleep, a stopped process) the scheduler catches up on at most
# this many missed minutes, so a long outage does not replay hours of jobs at once.
MAX_CATCH_UP_MINUTES = 10


# --- Cron expressions ---------------------------------------------------------------------


class CronError(ValueError):
    """A cron expression that cannot be read. The message says which field and why."""


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int


_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12),
    # 0 and 7 are both Sunday, as in every cron since Vixie's.
    _Field("day-of-week", 0, 7),
)


@dataclass(frozen=True)
class CronExpression:
    """Five fields: minute, hour, day of month, month, day of week (0 or 7 = Sunday)."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    # Cron's own quirk: when both day fields are restricted, a day matching EITHER is due
    # ("0 9 1 * 1" = the 1st of the month and every Monday).
    day_of_month_restricted: bool
    day_of_week_restricted: bool

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        parts = text.split()
        if len(parts) != 5:
            raise CronError(
                f"cron expression {text!r} has {len(parts)} fields; it needs 5: "
                "minute hour day-of-month month day-of-week."
            )
        values = [_parse_field(part, field, text) for part, field in zip(parts, _FIELDS)]
        days_of_week = frozenset(0 if day == 7 else day for day in values[4])
        return cls(
            text=text,
            minutes=values[0],
            hours=values[1],
            days_of_month=values[2],
            months=values[3],
            days_of_week=days_of_week,
            day_of_month_restricted=not parts[2].startswith("*"),
            day_of_week_restricted=not parts[4].startswith("*"),
        )

    def matches(self, moment: datetime) -> bool:
        """Whether the wall-clock minute `moment` (already in the schedule's zone) is due."""
        if moment.minute not in self.minutes or moment.hour not in self.hours:
            return False
        if moment.month not in self.months:
            return False
        return self._day_matches(moment)

    def _day_matches(self, moment: datetime) -> bool:
        day_of_month_ok = moment.day in self.days_of_month
        day_of_week_ok = (moment.isoweekday() % 7) in self.days_of_week  # Sunday = 0
        if self.day_of_month_restricted and self.day_of_week_restricted:
            return day_of_month_ok or day_of_week_ok
        return day_of_month_ok and day_of_week_ok


def _parse_field(part: str, field: _Field, text: str) -> frozenset[int]:
    values: set[int] = set()
    for item in part.split(","):
        values.update(_parse_item(item, field, text))
    return frozenset(values)


def _parse_item(item: str, field: _Field, text: str) -> range:
    """One list item: `*`, `N`, `A-B`, each optionally `/STEP` (`N/STEP` runs to the end)."""
    where = f"in the {field.name} field of cron expression {text!r}"
    range_part, slash, step_part = item.partition("/")
    step = _parse_number(step_part, f"step {step_part!r} {where}") if slash else 1
    if step < 1:
        raise CronError(f"step {step_part!r} {where} must be at least 1.")
    if range_part == "*":
        low, high = field.low, field.high
    elif "-" in range_part:
        start, _, end = range_part.partition("-")
        low = _parse_number(start, f"{range_part!r} {where}")
        high = _parse_number(end, f"{range_part!r} {where}")
        if low > high:
            raise CronError(f"range {range_part!r} {where} runs backwards.")
    else:
        low = _parse_number(range_part, f"{item!r} {where}")
        high = field.high if slash else low
    for value in (low, high):
        if not field.low <= value <= field.high:
            raise CronError(
                f"{value} {where} is out of range ({field.low}-{field.high})."
            )
    return range(low, high + 1, step)


def _parse_number(text: str, what: str) -> int:
    if not text.isdigit():
        raise CronError(f"{what} is not a number, a range, a list or '*'.")
    return int(text)


# --- The schedule -------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleEntry:
    name: str
    task_path: str
    cron: CronExpression

    @property
    def task(self) -> Task:
        # Imported on use, so settings can name a task in any app without import cycles.
        return import_string(self.task_path)


def load_schedule(raw: Iterable[dict] | None = None) -> list[ScheduleEntry]:
    """Read and check SAFEWELL_SCHEDULE. A bad entry is a ConfigurationError (one sentence)."""
    raw = settings.SAFEWELL_SCHEDULE if raw is None else raw
    entries: list[ScheduleEntry] = []
    for position, item in enumerate(raw, start=1):
        entries.append(_schedule_entry(item, position))
    names = [entry.name for entry in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigurationError(
            f"SAFEWELL_SCHEDULE names {', '.join(duplicates)} more than once: "
            "each job needs its own name, because the name is how a run is claimed."
        )
    return entries


def _schedule_entry(item: dict, position: int) -> ScheduleEntry:
    where = f"SAFEWELL_SCHEDULE entry {position}"
    if not isinstance(item, dict):
        raise ConfigurationError(f"{where} is not a mapping: give name, task and cron.")
    missing = [key for key in ("name", "task", "cron") if not item.get(key)]
    if missing:
        raise ConfigurationError(f"{where} has no {', '.join(missing)}: give name, task and cron.")
    try:
        cron = CronExpression.parse(item["cron"])
    except CronError as error:
        raise ConfigurationError(f"{where} ({item['name']}): {error}") from None
    entry = ScheduleEntry(name=item["name"], task_path=item["task"], cron=cron)
    try:
        task = entry.task
    except ImportError:
        raise ConfigurationError(
            f"{where} ({entry.name}): there is no task at {entry.task_path!r}."
        ) from None
    if not callable(getattr(task, "enqueue", None)):
        raise ConfigurationError(
            f"{where} ({entry.name}): {entry.task_path!r} is not a task; decorate it with "
            "@task() from django_tasks."
        )
    return entry


# --- Claiming and enqueueing --------------------------------------------------------------


def minute_slot(moment: datetime) -> datetime:
    """The minute `moment` falls in, in UTC: the key a run is claimed under."""
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def due_entries(entries: Sequence[ScheduleEntry], slot: datetime) -> list[ScheduleEntry]:
    local = timezone.localtime(slot)
    return [entry for entry in entries if entry.cron.matches(local)]


def enqueue_due(entries: Sequence[ScheduleEntry], slot: datetime) -> list[str]:
    """Enqueue every entry due in `slot` that no other process has claimed; return their names."""
    return [entry.name for entry in due_entries(entries, slot) if _claim_and_enqueue(entry, slot)]


def _claim_and_enqueue(entry: ScheduleEntry, slot: datetime) -> bool:
    from safewell.core.models import ScheduledRun

    # Claim and enqueue commit together: if enqueueing fails, the claim is rolled back too,
    # so the slot is not lost and another scheduler (or the next tick) may still take it.
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(name=entry.name, slot=slot)
        except IntegrityError:
            return False  # another scheduler process claimed this minute first
        result = entry.task.enqueue()
        run.task_result_id = str(result.id)
        run.save(update_fields=["task_result_id"])
    logger.info("Enqueued %s for %s (task result %s)", entry.name, slot.isoformat(), result.id)
    return True


def slots_to_check(last_checked: datetime | None, now_slot: datetime) -> list[datetime]:
    """The minutes since the last check, oldest first: a late wake-up misses no minute."""
    if last_checked is None:
        return [now_slot]
    if now_slot <= last_checked:
        return []  # the same minute, or the clock went back: nothing new is due
    first = max(
        last_checked + timedelta(minutes=1),
        now_slot - timedelta(minutes=MAX_CATCH_UP_MINUTES - 1),
    )
    count = int((now_slot - first) / timedelta(minutes=1)) + 1
    return [first + timedelta(minutes=i) for i in range(count)]


class Scheduler:
    """The loop: once a minute, enqueue what is due. `stop()` ends it at once, from any thread."""

    def __init__(self, entries: Sequence[ScheduleEntry]) -> None:
        self.entries = list(entries)
        self._stop = threading.Event()
        self._last_checked: datetime | None = None

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def tick(self, now: datetime | None = None) -> list[str]:
        """Check every minute since the last tick; return the names enqueued."""
        now_slot = minute_slot(now or timezone.now())
        enqueued: list[str] = []
        for slot in slots_to_check(self._last_checked, now_slot):
            enqueued += enqueue_due(self.entries, slot)
            # Advance only after a slot is done: a database error retries it next tick.
            self._last_checked = slot
        return enqueued

    def run(self) -> None:
        logger.info(
            "Scheduler started with %d job(s): %s",
            len(self.entries),
            ", ".join(f"{e.name} [{e.cron.text}]" for e in self.entries) or "none",
        )
        try:
            while not self._stop.is_set():
                self._tick_safely()
                self._stop.wait(_seconds_to_next_minute(timezone.now()))
        finally:
            # This loop may run in its own thread, which owns its own connection.
            connections.close_all()
            logger.info("Scheduler stopped.")

    def _tick_safely(self) -> None:
        close_old_connections()
        try:
            self.tick()
        except Exception:  # noqa: BLE001 - a database blip must not kill the worker process
            logger.exception("Scheduler tick failed; retrying at the next minute.")


def _seconds_to_next_minute(now: datetime) -> float:
    # Wake a moment after the boundary, so the new minute has surely begun.
    return 60 - now.second - now.microsecond / 1_000_000 + 0.2
