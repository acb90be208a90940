"""Writes of the calibration room: the library loaded into the database, exercises made from
confirmed findings, attempts recorded, flaws named, attempts scored.

Starting an attempt runs the exercise's pull request through the review pipeline; that
composition lives with the pipeline (`reviewbench.reviews.services.calibration_attempt_start`),
which records the attempt here once its revision exists.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.contrib.auth.models import User
from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from findings.engine.languages import language_for_path
from findings.engine.secure_prompts import family_for
from findings.models import Finding, Hunk, PullRequest, Revision
from reviewbench.audit.services import audit_record
from reviewbench.calibration.library import (
    MAX_FLAWS,
    OTHER,
    ExerciseData,
    ExerciseDataError,
    ExerciseFile,
    Flaw,
    exercise_parse,
    flaw_classes,
    library,
    lines_of,
)
from reviewbench.calibration.models import Attempt, Exercise, FlawNote
from reviewbench.calibration.scoring import Mark, score
from reviewbench.checklist.assumptions.kinds import KIND_CWE
from reviewbench.checklist.models import ChecklistItem

logger = logging.getLogger(__name__)

COMMENT_MIN_LENGTH = 10
COMMENT_MAX_LENGTH = 5000
MAX_NOTES = 50
_COMMENT_MARKER = {"python": "#", "javascript": "//", "typescript": "//", "java": "//", "go": "//"}


class CalibrationError(ValueError):
    """A calibration action that cannot be done; the message says why, in a reviewer's words."""


def exercise_data(exercise: Exercise) -> ExerciseData:
    """The plain exercise of a row (its flaws as stored, already resolved to lines)."""
    return ExerciseData(
        slug=exercise.slug,
        title=exercise.title,
        language=exercise.language,
        tool=exercise.tool,
        summary=exercise.summary,
        files=tuple(
            ExerciseFile(path=entry["path"], after=entry["after"], before=entry.get("before"))
            for entry in exercise.files
        ),
        flaws=tuple(_flaw(entry) for entry in exercise.flaws),
    )


def _flaw(entry: dict[str, Any]) -> Flaw:
    return Flaw(
        path=entry["path"], line=int(entry["line"]), flaw_class=entry["class"], why=entry["why"]
    )


def _flaw_row(flaw: Flaw) -> dict[str, Any]:
    return {"path": flaw.path, "line": flaw.line, "class": flaw.flaw_class, "why": flaw.why}


def _row_values(data: ExerciseData) -> dict[str, Any]:
    return {
        "title": data.title,
        "language": data.language,
        "tool": data.tool,
        "summary": data.summary,
        "files": [dataclasses.asdict(file) for file in data.files],
        "flaws": [_flaw_row(flaw) for flaw in data.flaws],
        "classes": list(data.classes),
    }


@transaction.atomic
def exercise_library_sync() -> tuple[int, int, int]:
    """Load exercises.yaml into the database: (created, updated, retired). Idempotent; a library
    exercise gone from the file is retired, never deleted (its attempts keep it)."""
    created = updated = 0
    slugs = []
    for data in library():
        slugs.append(data.slug)
        values = {**_row_values(data), "origin": Exercise.Origin.LIBRARY, "active": True}
        row = Exercise.objects.select_for_update().filter(slug=data.slug).first()
        if row is None:
            Exercise.objects.create(slug=data.slug, **values)
            created += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            row.save()
            updated += 1
    retired = (
        Exercise.objects.filter(origin=Exercise.Origin.LIBRARY, active=True)
        .exclude(slug__in=slugs)
        .update(active=False)
    )
    return created, updated, retired


def exercise_library_sync_after_migrate(**kwargs: Any) -> None:
    """post_migrate: every `migrate` (and so every fresh `make run`) has the library loaded.
    Skipped while the room's table is migrated away (`migrate calibration zero`)."""
    using = kwargs.get("using", "default")
    if Exercise._meta.db_table not in connections[using].introspection.table_names():
        return
    created, updated, retired = exercise_library_sync()
    if kwargs.get("verbosity", 1) >= 2:
        print(f"calibration library: {created} created, {updated} updated, {retired} retired")


def _finding_window(finding: Finding) -> list[Hunk]:
    """The hunks of the finding's file, which must show the finding's line."""
    if finding.changed_file_id is None:
        raise CalibrationError("This finding is not in a changed file's diff.")
    hunks = list(Hunk.objects.filter(changed_file_id=finding.changed_file_id).order_by("index"))
    if not any(
        hunk.target_start <= finding.line < hunk.target_start + max(hunk.target_length, 1)
        for hunk in hunks
    ):
        raise CalibrationError("The finding's line is not in the diff, so it cannot be shown.")
    return hunks


def _post_image(hunks: list[Hunk], language: str) -> tuple[str, dict[int, int]]:
    """The new side of the hunks as one file (a comment line marks each gap between hunks), and
    where each original line number landed in it."""
    marker = _COMMENT_MARKER.get(language, "#")
    lines: list[str] = []
    where: dict[int, int] = {}
    for index, hunk in enumerate(hunks):
        if index:
            lines.append(f"{marker} ... unchanged lines ...")
        number = hunk.target_start
        for row in lines_of(hunk.content):
            if row.startswith(("-", "\\", "@@")):
                continue
            lines.append(row[1:])
            where[number] = len(lines)
            number += 1
    return "\n".join(lines) + "\n", where


@transaction.atomic
def exercise_from_finding(*, finding: Finding, user: User, title: str = "") -> Exercise:
    """A lead turns a real confirmed finding into an exercise: the code before the fix (the new
    side of the finding's diff) becomes a new file, and every confirmed finding shown in it is a
    planted flaw of the key."""
    if not user.has_perm("calibration.add_exercise"):
        raise CalibrationError("Only leads (permission calibration.add_exercise) add exercises.")
    finding = Finding.objects.select_related("revision__pull_request__repository").get(
        pk=finding.pk
    )
    if finding.triage != Finding.Triage.CONFIRMED:
        raise CalibrationError("Only a confirmed finding can become an exercise.")
    hunks = _finding_window(finding)
    language = language_for_path(finding.path) or ""
    after, where = _post_image(hunks, language)
    confirmed = Finding.objects.filter(
        revision_id=finding.revision_id,
        changed_file_id=finding.changed_file_id,
        triage=Finding.Triage.CONFIRMED,
    ).order_by("line", "id")
    flaws: dict[tuple[int, str], Flaw] = {}
    for each in confirmed:
        if each.line not in where:
            continue
        flaw_class = family_for(cwe=each.cwe, rule_id=each.rule_id)
        if flaw_class not in flaw_classes():
            flaw_class = OTHER
        key = (where[each.line], flaw_class)
        flaws.setdefault(
            key,
            Flaw(
                path=finding.path,
                line=where[each.line],
                flaw_class=flaw_class,
                why=(each.triage_reason or each.message)[:2000],
            ),
        )
    if not flaws or all(flaw.flaw_class == OTHER for flaw in flaws.values()):
        raise CalibrationError(
            "None of the file's confirmed findings is in a class an exercise names."
        )
    kept = [flaw for flaw in flaws.values() if flaw.flaw_class != OTHER][:MAX_FLAWS]
    pull_request = finding.revision.pull_request
    base = slugify(f"{pull_request.repository.full_name}-{pull_request.number}-{finding.rule_id}")
    slug = f"{base[:80]}-{finding.pk}"
    if Exercise.objects.filter(slug=slug).exists():
        raise CalibrationError("This finding is already an exercise.")
    # Read back through the library's own checks, so a lead's exercise is as sound as ours.
    try:
        data = exercise_parse(
            {
                "slug": slug,
                "title": title.strip()[:300] or f"{finding.title} ({pull_request})"[:300],
                "language": language if language in _COMMENT_MARKER else "python",
                "tool": "an AI assistant",
                "summary": (pull_request.title or "")[:2000],
                "files": [{"path": finding.path, "after": after}],
                "flaws": [
                    {
                        "path": flaw.path,
                        "line": flaw.line,
                        "class": flaw.flaw_class,
                        "why": flaw.why.strip() or "Confirmed in review.",
                    }
                    for flaw in kept
                ],
            }
        )
    except ExerciseDataError as error:
        raise CalibrationError(f"This finding cannot become an exercise: {error}") from None
    exercise = Exercise.objects.create(
        slug=slug,
        origin=Exercise.Origin.FINDING,
        source_finding=finding,
        created_by=user,
        **_row_values(data),
    )
    audit_record(
        revision=finding.revision,
        actor=user,
        action="calibration.exercise_added",
        details={"exercise": slug, "finding_id": finding.pk, "flaws": len(data.flaws)},
    )
    return exercise


MAX_OPEN_ATTEMPTS = 3


def attempt_start_check(*, exercise: Exercise, user: User) -> None:
    """Raise CalibrationError when the user may not start another attempt: a retired exercise,
    or MAX_OPEN_ATTEMPTS not yet submitted (each one is an analysed pull request)."""
    if not exercise.active:
        raise CalibrationError("This exercise was retired from the library.")
    open_attempts = Attempt.objects.filter(user=user, submitted_at__isnull=True).count()
    if open_attempts >= MAX_OPEN_ATTEMPTS:
        raise CalibrationError(
            f"You have {open_attempts} attempts in progress; submit one before starting another."
        )


def next_attempt_number(repository_id: int) -> int:
    """The pull-request number of the next attempt in a calibration repository."""
    last = PullRequest.objects.filter(repository_id=repository_id).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def attempt_record(*, exercise: Exercise, user: User, revision: Revision) -> Attempt:
    """Record the attempt whose pull request was just analysed (the key copied)."""
    return Attempt.objects.create(
        exercise=exercise, user=user, revision=revision, flaws=list(exercise.flaws)
    )


def _open_attempt(attempt: Attempt, user: User) -> Attempt:
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.user_id != user.pk:
        raise CalibrationError("This is another reviewer's attempt.")
    if locked.submitted_at is not None:
        raise CalibrationError("This attempt was submitted; start a new one to try again.")
    return locked


@transaction.atomic
def flaw_note_add(
    *, attempt: Attempt, user: User, path: str, line: int, flaw_class: str, comment: str
) -> FlawNote:
    """Name a flaw: its file, line and class, and in the reviewer's words why it is one."""
    attempt = _open_attempt(attempt, user)
    files = {entry["path"]: entry["after"] for entry in attempt.exercise.files}
    if path not in files:
        raise CalibrationError("Name a file of the exercise.")
    length = len(lines_of(files[path]))
    if not 1 <= line <= length:
        raise CalibrationError(f"{path} has lines 1 to {length}.")
    if flaw_class not in flaw_classes():
        raise CalibrationError("Choose the flaw's class from the list.")
    text = (comment or "").strip()
    if len(text) < COMMENT_MIN_LENGTH:
        raise CalibrationError(
            f"Say why it is a flaw (at least {COMMENT_MIN_LENGTH} characters): what an attacker "
            "sends and what happens."
        )
    if len(text) > COMMENT_MAX_LENGTH:
        raise CalibrationError(f"A comment may have at most {COMMENT_MAX_LENGTH} characters.")
    if attempt.notes.count() >= MAX_NOTES:
        raise CalibrationError(f"An attempt holds at most {MAX_NOTES} notes.")
    return FlawNote.objects.create(
        attempt=attempt, path=path, line=line, flaw_class=flaw_class, comment=text
    )


@transaction.atomic
def flaw_note_remove(*, note: FlawNote, user: User) -> None:
    _open_attempt(note.attempt, user)
    FlawNote.objects.filter(pk=note.pk).delete()


def attempt_marks(attempt: Attempt) -> list[Mark]:
    """What the reviewer named: their notes, and the assumptions they answered "does not hold"
    (the challenge's kind gives the class, its line the place)."""
    marks = [
        Mark(path=n.path, line=n.line, flaw_class=n.flaw_class, source="note", text=n.comment)
        for n in attempt.notes.all()
    ]
    refuted = ChecklistItem.objects.filter(
        revision_id=attempt.revision_id,
        kind=ChecklistItem.Kind.ASSUMPTION,
        outcome=ChecklistItem.Outcome.DOES_NOT_HOLD,
        line__isnull=False,
    ).order_by("position")
    for item in refuted:
        cwe = KIND_CWE.get(item.assumption_kind)
        flaw_class = family_for(cwe=cwe) if cwe else OTHER
        marks.append(
            Mark(
                path=item.path,
                line=int(item.line or 0),
                flaw_class=flaw_class if flaw_class in flaw_classes() else OTHER,
                source="assumption",
                text=item.answer,
            )
        )
    return marks


def _mark_row(mark: Mark | None) -> dict[str, Any] | None:
    if mark is None:
        return None
    return {
        "path": mark.path,
        "line": mark.line,
        "class": mark.flaw_class,
        "source": mark.source,
        "text": mark.text[:2000],
    }


@transaction.atomic
def attempt_submit(*, attempt: Attempt, user: User) -> Attempt:
    """Score the attempt against its key and close it; the findings are shown from now on."""
    attempt = _open_attempt(attempt, user)
    marks = attempt_marks(attempt)
    if not marks:
        raise CalibrationError(
            "Name at least one flaw (or refute an assumption) before submitting; an empty "
            "attempt scores nothing."
        )
    result = score([_flaw(entry) for entry in attempt.flaws], marks)
    attempt.results = [
        {
            **_flaw_row(item.flaw),
            "caught": item.caught,
            "located": item.located,
            "mark": _mark_row(item.mark),
        }
        for item in result.results
    ]
    attempt.extra = [_mark_row(mark) for mark in result.extra]
    attempt.caught = result.caught
    attempt.total = result.total
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["results", "extra", "caught", "total", "submitted_at"])
    audit_record(
        revision=attempt.revision,
        actor=user,
        action="calibration.attempt_submitted",
        details={"exercise": attempt.exercise.slug, "caught": result.caught, "total": result.total},
    )
    logger.info(
        "calibration.attempt.submitted",
        extra={"attempt_id": attempt.pk, "caught": result.caught, "total": result.total},
    )
    return attempt
