"""The load generator: teachers signing in and submitting registers over real HTTP.

One asyncio task per client, speaking plain HTTP/1.1 over loopback sockets. No HTTP
library: the client shares the machine's two cores with the server and the database, and
a few lines of socket code cost a fraction of what httpx or requests spend per request,
so more of the machine is left to what is measured.

Each client signs in as its teacher through the real sign-in page (GET for the CSRF
cookie, POST the form; the session cookie comes back), then submits registers through
`POST /api/registers/submit` with the session cookie and the CSRF header, exactly as the
register page does.

Two ways to drive the server:
- saturated (closed loop): each client sends its next register as soon as the last one is
  answered. This finds the most submissions a second the server can take; by Little's
  law the latency is then about clients ÷ throughput, whatever the server does.
- paced (open loop): the clients together send `rate` registers a second on a fixed
  schedule. Latency is measured from the moment a request was *due*, so a server that
  falls behind is charged for the wait (no "coordinated omission").
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import numpy as np

LOGIN_PATH = "/accounts/login/"
SUBMIT_PATH = "/api/registers/submit"
CONNECT_RETRIES = 3
SIGN_IN_FAILED = "teacher {username} could not sign in: HTTP {status} {body!r}"


# --- A minimal HTTP/1.1 client ---------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient:
    """One keep-alive connection (reopened when the server closes it) and a cookie jar."""

    def __init__(self, host: str, port: int, source: str | None = None) -> None:
        self.host, self.port, self.source = host, port, source
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None) -> Response:
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        for name, value in (headers or {}).items():
            head.append(f"{name}: {value}")
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        for attempt in range(CONNECT_RETRIES):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection(
                    self.host, self.port, local_addr=(self.source, 0) if self.source else None
                )
            try:
                self.writer.write(payload)
                response = await self._read_response()
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                # A kept-alive connection the server had already closed: send again on a new
                # one (a register submission carries its idempotency key, so this is safe).
                self._close()
                if fresh and attempt == CONNECT_RETRIES - 1:
                    raise
        self._remember_cookies(response)
        if (response.header("connection") or "").lower() == "close":
            self._close()
        return response

    async def _read_response(self) -> Response:
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = []
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers.append((name.strip().lower(), value.strip()))
        response = Response(status, headers, b"")
        length = response.header("content-length")
        if length is not None:
            response.body = await self.reader.readexactly(int(length))
        elif (response.header("transfer-encoding") or "").lower() == "chunked":
            response.body = await self._read_chunked()
        else:
            response.body = await self.reader.read()
            self._close()
        return response

    async def _read_chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    def _remember_cookies(self, response: Response) -> None:
        for name, value in response.headers:
            if name == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name.strip()] = rest.split(";", 1)[0]

    def _close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    def close(self) -> None:
        self._close()


# --- What the clients submit ------------------------------------------------------------------


@dataclass(frozen=True)
class Teacher:
    username: str
    password: str
    group_ids: tuple[int, ...]


@dataclass(frozen=True)
class Population:
    """What `_populate` made: the site, its groups' pupils, the teachers, and the register
    sessions (date ISO string, "AM"/"PM") the clients may submit, oldest first."""

    site_code: str
    pupils_by_group: dict[int, list[int]]
    teachers: list[Teacher]
    sessions: list[tuple[str, str]]
    password: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Population:
        return cls(
            site_code=data["site_code"],
            pupils_by_group={int(k): v for k, v in data["pupils_by_group"].items()},
            teachers=[Teacher(t["username"], data["password"], tuple(t["group_ids"])) for t in data["teachers"]],
            sessions=[tuple(s) for s in data["sessions"]],
            password=data["password"],
        )


# A morning register in an English school: nearly everyone present; a few absences not yet
# explained (N, to be chased by the calling list), some illness, the odd appointment or
# late arrival. Shares roughly as figures.md §A (about 6-7% absent on an average session).
MARK_MIX = (("present", 0.925), ("N", 0.035), ("I", 0.02), ("L", 0.012), ("M", 0.008))
PRESENT = {"AM": "/", "PM": "\\"}
CORRECTION_REASON = "Parent rang: arrived late after a medical appointment."


def register_marks(pupils: list[int], session: str, rng: random.Random) -> list[dict[str, Any]]:
    kinds, weights = zip(*MARK_MIX, strict=True)
    marks = []
    for pupil, kind in zip(pupils, rng.choices(kinds, weights, k=len(pupils)), strict=True):
        code = PRESENT[session] if kind == "present" else kind
        marks.append({"pupil": pupil, "code": code, "minutes_late": rng.randint(3, 25) if code == "L" else None})
    return marks


def corrected(marks: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The same register with one pupil's mark changed, as a teacher fixes a slip."""
    marks = [dict(m) for m in marks]
    mark = marks[rng.randrange(len(marks))]
    if mark["code"] == "N":
        mark.update(code="M", minutes_late=None)
    else:
        mark.update(code="L", minutes_late=rng.randint(3, 25))
    return marks


@dataclass
class Submission:
    """One register a client will send: a first take, or a correction of its own last one."""

    group_id: int
    date: str
    session: str
    marks: list[dict[str, Any]]
    reason: str = ""
    correction: bool = False


def submissions_for(teacher: Teacher, population: Population, correction_share: float, seed: int) -> Iterator[Submission]:
    """A teacher's registers, oldest session first; after a share of them, a correction.

    A teacher takes each register once; sometimes they fix one mark a little later (a late
    arrival, a parent's call). Each client owns its groups, so clients never conflict.
    """
    rng = random.Random(seed)
    for day, session in population.sessions:
        for group_id in teacher.group_ids:
            marks = register_marks(population.pupils_by_group[group_id], session, rng)
            yield Submission(group_id, day, session, marks)
            if rng.random() < correction_share:
                yield Submission(group_id, day, session, corrected(marks, rng), CORRECTION_REASON, correction=True)


# --- Running the clients ---------------------------------------------------------------------


@dataclass
class Outcome:
    """What happened in the measured window (after the warm-up)."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # connection failures, by exception
    error_samples: list[str] = field(default_factory=list)  # the first few refusals' bodies
    corrections: int = 0
    replayed: int = 0
    marks_applied: int = 0
    ran_out: int = 0  # clients that submitted every register they had before the end
    not_sent: int = 0  # paced: requests due in the window the server was too slow to take
    cpu: dict[str, Any] = field(default_factory=dict)  # CPU ms per submission (_cpu.per_submission)
    answered: int = 0  # every response of the phase, warm-up and tail included (for CPU per submission)

    def merge(self, other: Outcome) -> None:
        self.latencies_ms += other.latencies_ms
        self.statuses.update(other.statuses)
        self.errors.update(other.errors)
        self.error_samples += other.error_samples[: max(0, 5 - len(self.error_samples))]
        self.corrections += other.corrections
        self.replayed += other.replayed
        self.marks_applied += other.marks_applied
        self.ran_out += other.ran_out
        self.not_sent += other.not_sent
        self.answered += other.answered


@dataclass(frozen=True)
class LoadConfig:
    host: str
    port: int
    seconds: float
    warmup_seconds: float
    rate: float | None = None  # registers a second for all clients together; None: saturated
    correction_share: float = 0.15
    seed: int = 1


def source_address(index: int) -> str:
    """A loopback address of its own for client `index` (the whole 127.0.0.0/8 is loopback)."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


async def sign_in(client: HttpClient, teacher: Teacher) -> None:
    await client.request("GET", LOGIN_PATH)
    form = urlencode(
        {"login": teacher.username, "password": teacher.password, "csrfmiddlewaretoken": client.cookies.get("csrftoken", "")}
    ).encode()
    response = await client.request(
        "POST", LOGIN_PATH, body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    if response.status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(SIGN_IN_FAILED.format(username=teacher.username, status=response.status, body=response.body[:300]))


async def signed_in_clients(config: LoadConfig, teachers: list[Teacher], concurrency: int = 8) -> list[HttpClient]:
    """Sign every teacher in (a few at a time: each sign-in hashes a password on purpose).

    Each client connects from its own loopback address (127.0.1.N), as each teacher has
    their own device: allauth allows 30 sign-ins a minute from one address.
    """
    clients = [HttpClient(config.host, config.port, source_address(i)) for i in range(len(teachers))]
    limit = asyncio.Semaphore(concurrency)

    async def one(client: HttpClient, teacher: Teacher) -> None:
        async with limit:
            await sign_in(client, teacher)

    await asyncio.gather(*(one(c, t) for c, t in zip(clients, teachers, strict=True)))
    return clients


async def _submit(client: HttpClient, site_code: str, submission: Submission, base_version: int) -> Response:
    body = json.dumps(
        {
            "site": site_code,
            "registration_group": submission.group_id,
            "date": submission.date,
            "session": submission.session,
            "idempotency_key": str(uuid.uuid4()),
            "base_version": base_version,
            "reason": submission.reason,
            "marks": submission.marks,
        },
        separators=(",", ":"),
    ).encode()
    return await client.request(
        "POST", SUBMIT_PATH, body=body,
        headers={"Content-Type": "application/json", "X-CSRFToken": client.cookies.get("csrftoken", "")},
    )


async def _client_loop(
    client: HttpClient, teacher: Teacher, index: int, population: Population, config: LoadConfig,
    started: float, clients: int,
) -> Outcome:
    outcome = Outcome()
    measure_from = started + config.warmup_seconds
    stop_at = measure_from + config.seconds
    # Paced: a server that falls far behind is given this long after the window to catch
    # up; requests due in the window but still unsent then are counted as not sent.
    hard_stop = stop_at + max(5.0, config.seconds / 4)
    interval = clients / config.rate if config.rate else 0.0
    due = started + (index / clients) * interval  # spread the clients over one interval
    versions: dict[tuple[int, str, str], int] = {}
    registers = submissions_for(teacher, population, config.correction_share, config.seed * 1000 + index)
    for submission in registers:
        if config.rate:
            if due >= stop_at:
                return outcome
            if time.perf_counter() >= hard_stop:
                outcome.not_sent += math.ceil((stop_at - max(due, measure_from)) / interval)
                return outcome
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            sent = due  # latency counts from when the request was due
            due += interval
            counted = sent >= measure_from
        else:
            sent = time.perf_counter()
            if sent >= stop_at:
                return outcome
        key = (submission.group_id, submission.date, submission.session)
        try:
            response = await _submit(client, population.site_code, submission, versions.get(key, 0))
        except (OSError, asyncio.IncompleteReadError) as error:
            if sent >= measure_from:
                outcome.errors[type(error).__name__] += 1
            client.close()
            continue
        finished = time.perf_counter()
        outcome.answered += 1
        if response.status == 200:
            answer = response.json()
            versions[key] = answer["version"]
        if not config.rate:
            counted = measure_from <= finished <= stop_at  # saturated: what completed in the window
        if not counted:
            continue
        outcome.statuses[response.status] += 1
        if response.status == 200:
            outcome.latencies_ms.append((finished - sent) * 1000)
            outcome.corrections += submission.correction
            outcome.replayed += bool(answer.get("replayed"))
            outcome.marks_applied += int(answer.get("applied") or 0)
        elif len(outcome.error_samples) < 5:
            outcome.error_samples.append(f"HTTP {response.status}: {response.body[:300].decode(errors='replace')}")
    outcome.ran_out = 1
    return outcome


async def _phase(clients: list[HttpClient], config: LoadConfig, population: Population, say) -> Outcome:
    mode = f"paced at {config.rate:g}/s" if config.rate else "saturated"
    say(f"  {len(clients)} clients submitting ({mode}) for {config.warmup_seconds:g}s warm-up + {config.seconds:g}s…")
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(
            _client_loop(client, teacher, i, population, config, started, len(clients))
            for i, (client, teacher) in enumerate(zip(clients, population.teachers, strict=True))
        )
    )
    total = Outcome()
    for outcome in outcomes:
        total.merge(outcome)
    return total


async def _run(phases: list[tuple[Any, Population]], say, probe) -> list[tuple[Outcome, Any, Any]]:
    first_config, first_population = phases[0]
    say(f"  signing in {len(first_population.teachers)} teachers…")
    clients = await signed_in_clients(first_config, first_population.teachers)
    results = []
    try:
        for config, population in phases:
            if callable(config):  # decided from the phases before it
                config = config([outcome for outcome, _, _ in results])
            before = probe()
            outcome = await _phase(clients, config, population, say)
            results.append((outcome, before, probe()))
        return results
    finally:
        for client in clients:
            client.close()


def run_load(phases: list[tuple[Any, Population]], say, probe=lambda: None) -> list[tuple[Outcome, Any, Any]]:
    """Sign the teachers in once, then run each (config, population) phase in turn; for
    each, its outcome and what `probe()` returned just before and just after it. A config
    may be a function of the earlier phases' outcomes, called when its phase starts."""
    return asyncio.run(_run(phases, say, probe))


def summary(outcome: Outcome, seconds: float) -> dict[str, Any]:
    """Throughput and latency of the successful submissions; failures counted apart."""
    latencies = np.array(outcome.latencies_ms) if outcome.latencies_ms else np.array([np.nan])
    ok = len(outcome.latencies_ms)
    failed = sum(n for status, n in outcome.statuses.items() if status != 200) + sum(outcome.errors.values()) + outcome.not_sent

    def percentile(q: float) -> float | None:
        value = float(np.percentile(latencies, q))
        return None if np.isnan(value) else round(value, 1)

    return {
        "submits": ok,
        "distinct_registers": ok - outcome.corrections,  # first takes; the rest are corrections
        "submits_per_s": round(ok / seconds, 1),
        "p50_ms": percentile(50),
        "p95_ms": percentile(95),
        "p99_ms": percentile(99),
        "max_ms": percentile(100),
        "errors": failed,
        "connection_errors": dict(outcome.errors),
        "not_sent_server_behind": outcome.not_sent,
        "error_samples": outcome.error_samples,
        "statuses": {str(k): v for k, v in sorted(outcome.statuses.items())},
        "corrections": outcome.corrections,
        "replayed": outcome.replayed,
        "marks_applied": outcome.marks_applied,
        "clients_out_of_registers": outcome.ran_out,
        "cpu_per_submission": outcome.cpu,
    }
