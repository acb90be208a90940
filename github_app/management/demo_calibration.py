"""A few calibration attempts for the demo, so the calibration page shows catch rates on a fresh
`make run` (issue 12.6).

Each attempt goes through the services the UI calls: the exercise becomes a pull request of the
reviewer's calibration repository and is analysed by the real pipeline, the reviewer names flaws,
the attempt is submitted and scored. Only the dates are demo-only: an attempt is moved back by
`days_ago` once scored, because the services stamp everything with the present.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.utils import timezone

from reviewbench.calibration.models import Attempt, Exercise, FlawNote
from reviewbench.calibration.services import attempt_submit, flaw_note_add
from reviewbench.reviews.services import calibration_attempt_start


@dataclass(frozen=True)
class PastAttempt:
    reviewer: int  # index into the demo's reviewers
    exercise: str
    days_ago: float
    # Per planted class the reviewer noticed: the class they named it as (a wrong one only
    # locates the flaw). Classes left out were missed.
    named: tuple[tuple[str, str], ...]


_SAME = {
    name: (name, name)
    for name in (
        "sqli", "path-traversal", "command-injection", "cookie-flags", "deserialization",
        "hardcoded-credentials",
    )
}  # fmt: skip
ATTEMPTS: tuple[PastAttempt, ...] = (
    PastAttempt(0, "py-order-search", 26, (_SAME["sqli"],)),
    PastAttempt(1, "js-file-preview", 21, (_SAME["path-traversal"],)),
    PastAttempt(0, "go-diagnostics", 17, (_SAME["command-injection"], _SAME["cookie-flags"])),
    PastAttempt(1, "py-session-restore", 12, (_SAME["deserialization"], ("cookie-flags", "xss"))),
    PastAttempt(0, "java-account-repository", 8, (_SAME["sqli"], _SAME["hardcoded-credentials"])),
    PastAttempt(1, "ts-preferences-import", 3, (_SAME["deserialization"], _SAME["cookie-flags"])),
)


def demo_calibration_load(
    *, reviewers: Sequence[User], attempts: Sequence[PastAttempt] = ATTEMPTS
) -> list[Attempt]:
    """Run and score each past attempt whose reviewer has none at that exercise yet."""
    now = timezone.now()
    made = []
    for past in attempts:
        user = reviewers[past.reviewer]
        exercise = Exercise.objects.filter(slug=past.exercise, active=True).first()
        if exercise is None or Attempt.objects.filter(user=user, exercise=exercise).exists():
            continue
        attempt = calibration_attempt_start(user=user, exercise=exercise)
        named = dict(past.named)
        for flaw in exercise.flaws:
            if flaw["class"] not in named:
                continue
            flaw_note_add(
                attempt=attempt,
                user=user,
                path=flaw["path"],
                line=flaw["line"],
                flaw_class=named[flaw["class"]],
                comment="Request input reaches this line unchecked; see the data flow above it.",
            )
        scored = attempt_submit(attempt=attempt, user=user)
        shift = datetime.timedelta(days=past.days_ago)
        submitted = now - shift
        Attempt.objects.filter(pk=scored.pk).update(
            started_at=submitted - datetime.timedelta(minutes=25), submitted_at=submitted
        )
        FlawNote.objects.filter(attempt=scored).update(created_at=submitted)
        made.append(scored)
    return made
