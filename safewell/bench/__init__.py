"""`safewell bench --json`: the benchmarks that live in the repo (design.md principle 8).

A small registry. Each benchmark is a function, registered with `@benchmark("name")`, that
takes the run's `BenchOptions` and returns a dict of figures; `run` merges those dicts
into the one JSON object the command prints, beside a description of the machine. Later
issues add a module here (`rules.py` …) and its keys appear in the same object.

Benchmarks are bounded in time and count, talk to loopback only, and clean up after
themselves (their own PostgreSQL database and temporary SQLite files, dropped at the end,
also when they fail). Progress goes to stderr through `options.say`; stdout is the JSON.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Figures = dict[str, Any]


@dataclass(frozen=True)
class BenchOptions:
    """What the command line chose. `None` means the benchmark's own default (the full,
    documented configuration); the tests pass tiny values to prove the harness quickly."""

    seconds: float | None = None
    clients: int | None = None
    workers: int | None = None
    threads: int | None = None
    databases: tuple[str, ...] = ("postgresql", "sqlite")
    extra: dict[str, Any] = field(default_factory=dict)
    say: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    function: Callable[[BenchOptions], Figures]


REGISTRY: dict[str, Benchmark] = {}
UNKNOWN_BENCHMARK = "There is no benchmark called {name!r}: choose one of {names}."


def benchmark(name: str, description: str) -> Callable[[Callable[[BenchOptions], Figures]], Callable[[BenchOptions], Figures]]:
    """Register a benchmark function under `name` (what `--only NAME` selects)."""

    def register(function: Callable[[BenchOptions], Figures]) -> Callable[[BenchOptions], Figures]:
        REGISTRY[name] = Benchmark(name, description, function)
        return function

    return register


def discover() -> dict[str, Benchmark]:
    """Import every public module of this package, so each registers its benchmarks."""
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return REGISTRY


def run(options: BenchOptions, only: list[str] | None = None, figures: Figures | None = None) -> Figures:
    """Run the chosen benchmarks (all when `only` is empty) and merge their figures into
    `figures` (a new dict by default; pass one to keep what finished if a run is stopped)."""
    from safewell.bench._machine import machine_description

    registry = discover()
    names = only or sorted(registry)
    for name in names:
        if name not in registry:
            raise KeyError(UNKNOWN_BENCHMARK.format(name=name, names=", ".join(sorted(registry))))
    figures = {} if figures is None else figures
    # "errors" lists what failed (each benchmark reports what it could); empty on success.
    figures.update({"machine": machine_description(), "benchmarks": names, "errors": []})
    for name in names:
        options.say(f"bench: {name}: {registry[name].description}")
        started = time.perf_counter()
        found = registry[name].function(options)
        figures["errors"] = figures.get("errors", []) + found.pop("errors", [])
        figures.update(found)
        figures[f"{name}_bench_wall_s"] = round(time.perf_counter() - started, 1)
    return figures
