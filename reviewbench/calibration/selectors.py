"""Reads of the calibration room: the exercises, a revision's attempt, a reviewer's catch rate
(the approval gate of a tier's `approvals.min_catch_rate`), and the leads' numbers per reviewer
and class over time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from findings.models import PullRequest, Repository, Revision
from reviewbench.calibration.library import flaw_classes, lines_of
from reviewbench.calibration.models import Attempt, Exercise, FlawNote

# A reviewer's catch rate is read over their most recent submitted attempts.
CATCH_RATE_WINDOW = 10


def exercises_active() -> QuerySet[Exercise]:
    return Exercise.objects.filter(active=True).order_by("origin", "language", "slug")


def attempt_for_revision(pull_request: PullRequest, revision: Revision) -> Attempt | None:
    """The calibration attempt this revision of `pull_request` is, if any (a query only for a
    calibration repository's pull request)."""
    if pull_request.repository.source != Repository.Source.CALIBRATION:
        return None
    return (
        Attempt.objects.filter(revision_id=revision.pk).select_related("exercise", "user").first()
    )


def findings_hidden(attempt: Attempt | None) -> bool:
    """An attempt in progress hides its revision's findings: they are the exercise's answers."""
    return attempt is not None and attempt.submitted_at is None


def open_attempt_revisions() -> QuerySet[Attempt, Any]:
    """Revision ids of attempts not yet submitted: their findings stay hidden everywhere (page,
    API, evidence) until the reviewer submits, or the exercise would give its answers away."""
    return Attempt.objects.filter(submitted_at__isnull=True).values("revision_id")


def attempt_notes(attempt: Attempt) -> list[FlawNote]:
    return list(attempt.notes.order_by("path", "line", "id"))


def attempt_box(attempt: Attempt, user: User | AnonymousUser) -> dict[str, object]:
    """What the attempt's box on its pull request page shows."""
    return {
        "attempt": attempt,
        "files": [
            {"path": entry["path"], "lines": len(lines_of(entry["after"]))}
            for entry in attempt.exercise.files
        ],
        "classes": list(flaw_classes().items()),
        "notes": attempt_notes(attempt),
        "mine": isinstance(user, User) and attempt.user_id == user.pk,
        "open": attempt.submitted_at is None,
    }


def may_see_all_attempts(user: User | AnonymousUser) -> bool:
    return isinstance(user, User) and user.has_perm("calibration.view_all_attempts")


def attempts_visible_to(user: User | AnonymousUser) -> QuerySet[Attempt]:
    """Leads see every attempt; a reviewer their own."""
    if not isinstance(user, User) or not user.is_active:
        return Attempt.objects.none()
    rows = Attempt.objects.select_related("exercise", "user", "revision__pull_request__repository")
    return rows if may_see_all_attempts(user) else rows.filter(user=user)


@dataclass(frozen=True)
class CatchRate:
    caught: int
    total: int
    attempts: int

    @property
    def rate(self) -> float | None:
        return self.caught / self.total if self.total else None


def catch_rate(user: User, *, window: int = CATCH_RATE_WINDOW) -> CatchRate:
    """The share of planted flaws the user caught over their last `window` submitted attempts."""
    rows = list(
        Attempt.objects.filter(user=user, submitted_at__isnull=False)
        .order_by("-submitted_at", "-id")
        .values_list("caught", "total")[:window]
    )
    return CatchRate(
        caught=sum(caught for caught, _ in rows),
        total=sum(total for _, total in rows),
        attempts=len(rows),
    )


@dataclass
class ReviewerNumbers:
    """One reviewer's planted flaws caught per class, and per week, over the period."""

    username: str
    attempts: int = 0
    caught: int = 0
    total: int = 0
    by_class: dict[str, list[int]] = field(default_factory=dict)  # class -> [caught, total]
    by_week: dict[datetime.date, list[int]] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return self.caught / self.total if self.total else None

    def class_rate(self, flaw_class: str) -> float | None:
        caught, total = self.by_class.get(flaw_class, (0, 0))
        return caught / total if total else None


@dataclass(frozen=True)
class CalibrationNumbers:
    since: datetime.date
    until: datetime.date
    classes: tuple[str, ...]  # the classes some attempt of the period planted, library order
    weeks: tuple[datetime.date, ...]
    reviewers: tuple[ReviewerNumbers, ...]


def _week(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def calibration_numbers(
    user: User | AnonymousUser, *, since: datetime.date, until: datetime.date
) -> CalibrationNumbers:
    """Catch rates per reviewer and class, and per week, of the attempts submitted in the period
    that the user may see; one query, however many attempts."""
    rows = (
        attempts_visible_to(user)
        .filter(submitted_at__date__gte=since, submitted_at__date__lte=until)
        .order_by()
        .values_list("user__username", "submitted_at", "results")
    )
    reviewers: dict[str, ReviewerNumbers] = {}
    seen_classes: set[str] = set()
    for username, submitted_at, results in rows.iterator():
        if submitted_at is None:  # filtered out above; here for the type checker
            continue
        numbers = reviewers.setdefault(username, ReviewerNumbers(username=username))
        numbers.attempts += 1
        week = numbers.by_week.setdefault(_week(submitted_at.date()), [0, 0])
        for result in results or []:
            caught = 1 if result.get("caught") else 0
            tally = numbers.by_class.setdefault(str(result.get("class")), [0, 0])
            tally[0] += caught
            tally[1] += 1
            week[0] += caught
            week[1] += 1
            numbers.caught += caught
            numbers.total += 1
            seen_classes.add(str(result.get("class")))
    weeks = []
    day = _week(since)
    while day <= until:
        weeks.append(day)
        day += datetime.timedelta(days=7)
    order = list(flaw_classes())
    return CalibrationNumbers(
        since=since,
        until=until,
        classes=tuple(sorted(seen_classes, key=lambda c: order.index(c) if c in order else 99)),
        weeks=tuple(weeks),
        reviewers=tuple(sorted(reviewers.values(), key=lambda r: r.username)),
    )
