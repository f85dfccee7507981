"""What an import found wrong, by file, line and field, and the refusal that lists it all.

Every import validates the whole input first and stores nothing when anything is wrong
(all or nothing): the refusal carries every problem, sorted, so one reading fixes them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportProblem:
    line: int
    field: str
    message: str
    # Set when one import reads several files (a timetable's classes, lessons and pupils).
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.file else f"line {self.line}"
        return f"{where}, {self.field}: {self.message}"


class ImportRejected(Exception):
    """Nothing was stored; `problems` lists every reason, by file, line and field."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.field))
        super().__init__("; ".join(str(p) for p in self.problems))
