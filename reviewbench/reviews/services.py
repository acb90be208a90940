"""The review of one pull request, end to end: each new head through analysis, checklist, tier
and approval carry-over; and the reviewer's actions that touch more than one room.

The rooms own their rules (checklist: answers and triage; approvals: tiers, approvals,
exceptions). This module composes them where one action crosses rooms: an answer or a triage can
raise or withdraw a finding, and open findings decide the tier, so the tier is evaluated again in
the same transaction.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
from collections.abc import Iterator

from django.contrib.auth.models import User
from django.db import transaction

from findings.engine.sarif.reading import SarifError, sarif_results
from findings.engine.snapshot import PullRequestSnapshot
from findings.imports import SarifImportError, SarifImportSummary, same_commit, sarif_import
from findings.models import Finding, PullRequest, Repository, Revision
from findings.services import calibration_repository_for, revision_analyze
from reviewbench.approvals.services import (
    analysis_limits_for,
    approvals_carry_over,
    policy_for_revision,
    revision_policy_evaluate,
)
from reviewbench.audit.services import audit_record
from reviewbench.calibration.library import exercise_snapshot
from reviewbench.calibration.models import Attempt, Exercise
from reviewbench.calibration.services import (
    attempt_record,
    attempt_start_check,
    exercise_data,
    next_attempt_number,
)
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import (
    checklist_findings_add,
    checklist_item_answer,
    finding_triage_review,
    revision_review_prepare,
)
from reviewbench.notifications.services import notify_state_changed
from reviewbench.policy import ChecklistSettings, PolicyError

# The analysis makes millions of short-lived objects (parsed hunks, scanner results, checklist
# candidates), nearly all freed by reference counting; at Python's default young-generation
# threshold (2,000) the collector still runs thousands of times per large PR, about a sixth of
# a push's time. A higher threshold while a head is processed, restored after; cycles are still
# collected, only in fewer, larger passes.
ANALYSIS_GC_THRESHOLD = 20_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    previous = gc.get_threshold()
    gc.set_threshold(max(ANALYSIS_GC_THRESHOLD, previous[0]), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def pull_request_process(*, repository: Repository, snapshot: PullRequestSnapshot) -> Revision:
    """Analyse a pull request's head, prepare its checklist and policy when ready, and notify."""
    with _fewer_collections():
        return _pull_request_process(repository=repository, snapshot=snapshot)


def _pull_request_process(*, repository: Repository, snapshot: PullRequestSnapshot) -> Revision:
    limits = analysis_limits_for(repository=repository, policy_text=snapshot.policy_text)
    revision = revision_analyze(repository=repository, snapshot=snapshot, limits=limits)
    contents = {f.path: f.content for f in snapshot.files if f.content is not None}
    with transaction.atomic():
        if revision.status == Revision.Status.READY:
            try:
                checklist = policy_for_revision(revision=revision).checklist
            except PolicyError:
                # The check run fails with the error; the checklist keeps the default limits.
                checklist = ChecklistSettings()
            revision_review_prepare(revision=revision, contents=contents, settings=checklist)
            # After the checklist: preparing it may record carried-over findings, which count.
            revision_policy_evaluate(revision=revision)
            approvals_carry_over(revision=revision)
        notify_state_changed(revision=revision)
    return revision


def calibration_attempt_start(*, user: User, exercise: Exercise) -> Attempt:
    """Start a calibration attempt: the exercise becomes a pull request of the user's own
    calibration repository, analysed and prepared like any other, and the attempt records it.
    All or nothing: a failure leaves no pull request without its attempt."""
    with transaction.atomic():
        repository = calibration_repository_for(user)
        # Lock the repository row so two starts at once take two numbers (and count right).
        Repository.objects.select_for_update().filter(pk=repository.pk).first()
        attempt_start_check(exercise=exercise, user=user)
        snapshot = exercise_snapshot(
            exercise_data(exercise),
            repository_full_name=repository.full_name,
            number=next_attempt_number(repository.pk),
        )
        revision = pull_request_process(repository=repository, snapshot=snapshot)
        return attempt_record(exercise=exercise, user=user, revision=revision)


@transaction.atomic
def review_item_answer(
    *, item: ChecklistItem, user: User, answer: str, outcome: str = ""
) -> ChecklistItem:
    """Answer a checklist item (raises checklist's AnswerRejected); an assumption answered "does
    not hold" raises a finding, a changed mind withdraws it, so the tier is evaluated again."""
    answered = checklist_item_answer(item=item, user=user, answer=answer, outcome=outcome)
    if answered.kind == ChecklistItem.Kind.ASSUMPTION:
        revision_policy_evaluate(revision=answered.revision)
    return answered


@transaction.atomic
def review_finding_triage(
    *,
    finding: Finding,
    user: User,
    decision: str,
    reason: str = "",
    expires_at: datetime.date | None = None,
) -> Finding:
    """Triage a finding as a reviewer (raises TriageDenied or TriageError); open findings decide
    the tier: a false positive can lower it, a confirmation raise it."""
    triaged = finding_triage_review(
        finding=finding, user=user, decision=decision, reason=reason, expires_at=expires_at
    )
    revision_policy_evaluate(revision=triaged.revision)
    return triaged


class SarifImportRejected(ValueError):
    """The log is malformed (`path` is the JSON path of the first bad value) or cannot be recorded
    on this pull request."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.message = message
        self.path = path


def _revision_for_import(pull_request: PullRequest, commits: set[str]) -> Revision:
    revisions = Revision.objects.filter(pull_request=pull_request).order_by("-created_at", "-id")
    if commits:
        # The log names the commit it was made on: record it on that head's revision.
        for revision in revisions.filter(status=Revision.Status.READY):
            if any(same_commit(commit, revision.head_sha) for commit in commits):
                return revision
        raise SarifImportRejected(
            f"the log was made for commit {sorted(commits)[0][:40]}, which ReviewBench has not "
            f"analysed for {pull_request}"
        )
    latest = revisions.first()
    if latest is None or latest.status != Revision.Status.READY:
        raise SarifImportRejected(f"{pull_request} has no analysed head to import onto yet")
    return latest


def review_sarif_import(
    *, pull_request: PullRequest, raw: bytes | str, user: User | None
) -> SarifImportSummary:
    """Import another scanner's SARIF log onto the PR's analysed head (or the head it names):
    new findings get triage items and count in the tier; all or nothing, audited."""
    try:
        results = sarif_results(raw)
    except SarifError as error:
        raise SarifImportRejected(error.message, error.path) from None
    commits = {result.revision_id for result in results if result.revision_id}
    if len(commits) > 1:
        raise SarifImportRejected("the log's runs were made on different commits; import each")
    with transaction.atomic():
        revision = _revision_for_import(pull_request, commits)
        try:
            summary = sarif_import(revision=revision, results=results)
        except SarifImportError as error:
            raise SarifImportRejected(str(error)) from None
        checklist_findings_add(revision=revision, findings=summary.new)
        revision_policy_evaluate(revision=revision)
        audit_record(
            revision=revision,
            actor=user,
            action="findings.sarif_imported",
            details=summary.as_dict(),
        )
        notify_state_changed(revision=revision)
    return summary
