"""Reading rows for many ids a bounded number of ids at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

IDS_PER_QUERY = 5000


def id_chunks(ids: Sequence[int] | None) -> Iterable[Sequence[int] | None]:
    """`ids` sorted, without repeats, `IDS_PER_QUERY` at a time; None (every row) as itself."""
    if ids is None:
        yield None
        return
    unique = sorted(set(int(i) for i in ids))
    for start in range(0, len(unique), IDS_PER_QUERY):
        yield unique[start : start + IDS_PER_QUERY]
