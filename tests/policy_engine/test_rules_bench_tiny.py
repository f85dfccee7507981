"""The engine's benchmark runs end to end in a tiny configuration (200 generated pupils, 5
incremental registers) on a scratch PostgreSQL database, gives every key of issue 5 part 7,
and drops its database. It proves the harness, not the figures (docs/benchmarks.md)."""

from __future__ import annotations

import pytest

from safewell.bench import BenchOptions
from safewell.bench._postgres import SCRATCH_PREFIX, admin_url, connect, server_version
from safewell.bench.rules import rules, size_label


def scratch_databases() -> set[str]:
    with connect(admin_url(), autocommit=True) as connection:
        rows = connection.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [SCRATCH_PREFIX + "%"])
        return {row[0] for row in rows}


@pytest.mark.skipif(server_version() is None, reason="the rules benchmark needs PostgreSQL")
def test_the_rules_benchmark_gives_every_key_and_leaves_nothing_behind():
    before = scratch_databases()
    lines: list[str] = []
    figures = rules(BenchOptions(extra={"rules_pupils": (200,), "rules_registers": 5}, say=lines.append))
    for key in ("rules_full_eval_s_200", "rules_full_eval_compute_s_200", "rules_full_eval_peak_rss_mb_200",
                "marks_load_s_200", "rules_incremental_eval_ms_p95", "rules_full_eval_steady_s_200"):
        assert figures[key] > 0, key
    detail = figures["rules_full_eval_detail_200"]
    assert detail["pupils"] == 200 and detail["candidates"] == sum(detail["candidates_by_rule"].values()) > 0
    assert detail["first_run"]["alerts"]["opened"] == detail["candidates"]
    assert detail["steady_run"]["alerts"]["opened"] == 0  # the nightly run finds them all there
    assert figures["rules_incremental_eval_detail"]["registers"] == 5
    assert figures["marks_load_detail_200"]["stores"] == 200
    assert any("stores loaded" in line for line in lines)
    assert scratch_databases() <= before


@pytest.mark.parametrize("pupils,label", [(100_000, "100k"), (1_000_000, "1m"), (200, "200"), (2_500, "2500")])
def test_sizes_are_named_as_the_issue_names_them(pupils, label):
    assert size_label(pupils) == label
