"""Which tests one pytest-xdist worker runs together (scripts/test.sh: `-n auto --dist loadgroup`).

A group is one unit of work: what its tests share is made once, or must not meet another
worker's tests. Every other test is a unit of its own, so the two workers stay evenly busy.

xdist's own `xdist_group` mark cannot do this here: it renames each test, which pytest 9's
node ids no longer allow, so the marks would be silently ignored. The groups are named by
path instead, and tests/conftest.py hands xdist this scheduler for `--dist loadgroup`.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

GROUPS = {
    # The package's one demo load (tests/demo/conftest.py).
    "tests/demo/": "demo",
    # The tiny registers benchmark, run once for the module; and the rules benchmark's test,
    # which counts the scratch PostgreSQL databases and would count the other's.
    "tests/bench/": "bench",
    "tests/policy_engine/test_rules_bench_tiny.py": "bench",
    # Module-scoped set-ups, made once: a migrated data folder, a simulated school year.
    "tests/platform/test_worker_processes.py": "worker_processes",
    "tests/generator/test_generator_calibration.py": "generator_calibration",
    # One demo load walked through two school days, its findings read by three tests.
    "tests/core/test_home_pages_through_the_day_in_browser.py": "home_day",
}


def group_of(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    return next((group for prefix, group in GROUPS.items() if path.startswith(prefix)), None)


class PathGroupScheduling(LoadScopeScheduling):
    """Each group is one unit of work; every other test is a unit of its own. Larger units are
    handed out first (xdist's default), so the demo starts at once and does not end the run."""

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid) or nodeid
