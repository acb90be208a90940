"""Scoring an attempt: a flaw is caught by a mark at its file, within two lines, in its class;
located when the class is wrong; each mark counts once; extra marks are kept, never subtracted."""

from __future__ import annotations

from reviewbench.calibration.library import Flaw
from reviewbench.calibration.scoring import LINE_TOLERANCE, Mark, score

SQL = Flaw(path="app.py", line=10, flaw_class="sqli", why="w")
LEAK = Flaw(path="app.py", line=14, flaw_class="error-disclosure", why="w")


def _mark(line: int, flaw_class: str, path: str = "app.py") -> Mark:
    return Mark(path=path, line=line, flaw_class=flaw_class, source="note")


def test_a_mark_in_the_class_within_the_tolerance_catches_the_flaw():
    result = score([SQL], [_mark(10 + LINE_TOLERANCE, "sqli")])
    assert (result.caught, result.total, result.rate) == (1, 1, 1.0)
    assert result.results[0].mark == _mark(12, "sqli")


def test_a_mark_too_far_away_or_in_another_file_misses():
    result = score([SQL], [_mark(10 + LINE_TOLERANCE + 1, "sqli"), _mark(10, "sqli", "b.py")])
    assert result.caught == 0
    assert not result.results[0].located
    assert len(result.extra) == 2


def test_the_right_place_in_the_wrong_class_locates_without_catching():
    result = score([SQL, LEAK], [_mark(10, "xss"), _mark(14, "error-disclosure")])
    sql, leak = result.results
    assert (sql.caught, sql.located) == (False, True)
    assert (leak.caught, leak.located) == (True, True)
    assert result.rate == 0.5 and result.extra == ()


def test_one_mark_counts_for_one_flaw_and_a_catch_beats_a_location():
    near = Flaw(path="app.py", line=11, flaw_class="error-disclosure", why="w")
    # One mark between two flaws: it catches the one of its class, not both.
    result = score([SQL, near], [_mark(11, "sqli")])
    assert [r.caught for r in result.results] == [True, False]
    assert not result.results[1].located
    # Two marks of the same flaw: one catches, the other is extra.
    twice = score([SQL], [_mark(10, "sqli"), _mark(11, "sqli")])
    assert twice.caught == 1 and len(twice.extra) == 1


def test_no_marks_catch_nothing():
    result = score([SQL, LEAK], [])
    assert (result.caught, result.total, result.rate) == (0, 2, 0.0)
