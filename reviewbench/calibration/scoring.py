"""Scoring an attempt against the exercise's answer key: which planted flaws the reviewer named,
at which lines, in which class. Plain data in and out; no Django.

A flaw is *caught* when one of the reviewer's marks names its file, a line within
`LINE_TOLERANCE` of it and its class. A mark at the right place with another class *locates* the
flaw without catching it (the reviewer saw something there but not what). Each mark counts for at
most one flaw, the nearest. Marks that match no flaw are kept as *extra*: they may be real
problems the key does not plant, so they are shown, never subtracted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviewbench.calibration.library import Flaw

LINE_TOLERANCE = 2


@dataclass(frozen=True)
class Mark:
    """One flaw the reviewer named: from a flaw note (`source` "note") or an assumption they
    answered "does not hold" (`source` "assumption")."""

    path: str
    line: int
    flaw_class: str
    source: str
    text: str = ""


@dataclass(frozen=True)
class FlawResult:
    flaw: Flaw
    caught: bool
    located: bool
    mark: Mark | None


@dataclass(frozen=True)
class Score:
    results: tuple[FlawResult, ...]
    extra: tuple[Mark, ...]

    @property
    def caught(self) -> int:
        return sum(1 for result in self.results if result.caught)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def rate(self) -> float:
        return self.caught / self.total if self.total else 0.0


def _near(flaw: Flaw, mark: Mark) -> int | None:
    if mark.path != flaw.path:
        return None
    distance = abs(mark.line - flaw.line)
    return distance if distance <= LINE_TOLERANCE else None


def score(flaws: Sequence[Flaw], marks: Iterable[Mark]) -> Score:
    """Match the marks to the key: same-class matches first (a catch beats a location), then the
    nearest line, then the key's order."""
    pending = list(marks)
    outcome: dict[int, FlawResult] = {}
    for same_class in (True, False):
        pairs = sorted(
            (distance, index, m)
            for index, flaw in enumerate(flaws)
            if index not in outcome
            for m, mark in enumerate(pending)
            if (distance := _near(flaw, mark)) is not None
            and (mark.flaw_class == flaw.flaw_class) == same_class
        )
        used: set[int] = set()
        for _distance, index, m in pairs:
            if index in outcome or m in used:
                continue
            used.add(m)
            outcome[index] = FlawResult(
                flaw=flaws[index], caught=same_class, located=True, mark=pending[m]
            )
        pending = [mark for m, mark in enumerate(pending) if m not in used]
    results = tuple(
        outcome.get(index, FlawResult(flaw=flaw, caught=False, located=False, mark=None))
        for index, flaw in enumerate(flaws)
    )
    return Score(results=results, extra=tuple(pending))
