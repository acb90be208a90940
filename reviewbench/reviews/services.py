"""Writes for the review workflow: checklist, answers, triage, approvals, and telling the edge.

Every answer, triage and approval writes an AuditEvent and calls `notify_state_changed`, which
runs the listeners in `settings.REVIEWBENCH_STATE_LISTENERS` after the transaction commits; this
layer never imports the GitHub edge.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from findings.models import ChangedFile, Finding, Repository, Revision
from findings.snapshot import PullRequestSnapshot
from reviewbench.reviews import selectors
from reviewbench.reviews.checklist import (
    KIND_EXPLAIN,
    FileInfo,
    FindingInfo,
    checklist_build,
)
from reviewbench.reviews.models import Approval, AuditEvent, ChecklistItem

logger = logging.getLogger(__name__)

ANSWER_MIN_LENGTH = 30
ANSWER_MAX_LENGTH = 10_000


class AnswerRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApprovalDenied(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TriageDenied(Exception):
    """The user may not triage this finding (the review rules, not the triage rules, say no)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- listeners ---------------------------------------------------------------------------------


def _run_listeners(revision_id: int) -> None:
    for dotted_path in getattr(settings, "REVIEWBENCH_STATE_LISTENERS", []):
        try:
            listener = import_string(dotted_path)
            listener(revision_id)
        except Exception:
            # A broken listener (or the GitHub edge being down) must never fail the reviewer's
            # request: the check run is republished on the next state change or sweep.
            logger.exception(
                "reviews.listener.failed",
                extra={"listener": dotted_path, "revision_id": revision_id},
            )


def notify_state_changed(*, revision: Revision) -> None:
    """Tell every configured listener, after commit, that this revision's review state changed."""
    revision_id = revision.pk
    transaction.on_commit(lambda: _run_listeners(revision_id))


def _audit(
    *, revision: Revision, actor: AbstractBaseUser | None, action: str, details: dict[str, Any]
) -> AuditEvent:
    return AuditEvent.objects.create(
        pull_request_id=revision.pull_request_id,
        revision=revision,
        actor=actor,
        action=action,
        details=details,
    )


# --- checklist ---------------------------------------------------------------------------------


@transaction.atomic
def revision_review_prepare(*, revision: Revision) -> list[ChecklistItem]:
    """Create the revision's checklist (idempotent), carrying unchanged explanations over."""
    if revision.status != Revision.Status.READY:
        logger.info(
            "reviews.checklist.not_ready",
            extra={"revision_id": revision.pk, "status": revision.status},
        )
        return selectors.revision_checklist(revision)

    findings = list(Finding.objects.filter(revision=revision))
    files = list(
        ChangedFile.objects.filter(revision=revision)
        .prefetch_related("hunks")
        .order_by("position", "path")
    )
    specs = checklist_build(
        [
            FindingInfo(
                fingerprint=f.fingerprint,
                rule_id=f.rule_id,
                title=f.title,
                severity=f.severity,
                path=f.path,
                line=f.line,
                cwe=f.cwe,
                pre_existing=f.pre_existing,
            )
            for f in findings
        ],
        [
            FileInfo(
                path=changed.path,
                hunk_hashes=tuple(h.content_hash for h in changed.hunks.all()),
            )
            for changed in files
        ],
    )
    findings_by_fingerprint = {f.fingerprint: f for f in findings}
    files_by_path = {changed.path: changed for changed in files}

    previous = selectors.previous_revision(revision)
    carried: dict[str, ChecklistItem] = {}
    if previous is not None:
        carried = {
            item.key: item
            for item in ChecklistItem.objects.filter(
                revision=previous, kind=ChecklistItem.Kind.EXPLAIN, answered_at__isnull=False
            )
        }

    rows = []
    for spec in specs:
        row = ChecklistItem(
            revision=revision,
            key=spec.key,
            kind=spec.kind,
            position=spec.position,
            prompt=spec.prompt,
            content_hash=spec.content_hash,
            finding=findings_by_fingerprint.get(spec.finding_fingerprint or ""),
            changed_file=files_by_path.get(spec.path or ""),
        )
        earlier = carried.get(spec.key)
        if (
            spec.kind == KIND_EXPLAIN
            and earlier is not None
            and earlier.content_hash == spec.content_hash
        ):
            row.answer = earlier.answer
            row.answered_by_id = earlier.answered_by_id
            row.answered_at = earlier.answered_at
            row.carried_over_from = previous.head_sha if previous is not None else ""
        rows.append(row)
    ChecklistItem.objects.bulk_create(rows, ignore_conflicts=True)
    items = selectors.revision_checklist(revision)
    logger.info(
        "reviews.checklist.prepared",
        extra={
            "revision_id": revision.pk,
            "items": len(items),
            "carried_over": sum(1 for item in items if item.carried_over_from),
        },
    )
    return items


def pull_request_process(*, repository: Repository, snapshot: PullRequestSnapshot) -> Revision:
    """Analyse a pull request's head, prepare its checklist when ready, and notify listeners."""
    from findings.services import revision_analyze  # analysis is a lower layer; import late

    revision = revision_analyze(repository=repository, snapshot=snapshot)
    with transaction.atomic():
        if revision.status == Revision.Status.READY:
            revision_review_prepare(revision=revision)
        notify_state_changed(revision=revision)
    return revision


# --- answers, triage, approval -------------------------------------------------------------------


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


@transaction.atomic
def checklist_item_answer(
    *, item: ChecklistItem, user: AbstractBaseUser, answer: str
) -> ChecklistItem:
    """Record a reviewer's explanation of one changed file (raises AnswerRejected)."""
    item = (
        ChecklistItem.objects.select_for_update()
        .select_related("revision__pull_request__repository")
        .get(pk=item.pk)
    )
    revision = item.revision
    pull_request = revision.pull_request
    if item.kind != ChecklistItem.Kind.EXPLAIN:
        raise AnswerRejected("Findings are answered by triaging them, not with a text answer.")
    if revision.status != Revision.Status.READY or pull_request.head_sha != revision.head_sha:
        raise AnswerRejected("This revision is no longer the pull request's head.")
    if not selectors.user_is_member(user=user, repository=pull_request.repository):
        raise AnswerRejected("You are not a member of an installation of this repository.")
    if selectors.user_is_author(user=user, pull_request=pull_request):
        raise AnswerRejected("The author of a pull request cannot answer its review checklist.")
    text = (answer or "").strip()
    if len(text) < ANSWER_MIN_LENGTH:
        raise AnswerRejected(
            f"An explanation needs at least {ANSWER_MIN_LENGTH} characters; "
            f"this one has {len(text)}."
        )
    if len(text) > ANSWER_MAX_LENGTH:
        raise AnswerRejected(f"An explanation may have at most {ANSWER_MAX_LENGTH} characters.")
    others = (
        ChecklistItem.objects.filter(revision=revision, kind=ChecklistItem.Kind.EXPLAIN)
        .exclude(pk=item.pk)
        .exclude(answer="")
        .values_list("answer", flat=True)
    )
    if _normalised(text) in {_normalised(other) for other in others}:
        raise AnswerRejected(
            "This explanation is identical to another one on this pull request; "
            "explain each file in its own words."
        )
    item.answer = text
    item.answered_by = user
    item.answered_at = timezone.now()
    item.carried_over_from = ""
    item.save(update_fields=["answer", "answered_by", "answered_at", "carried_over_from"])
    _audit(
        revision=revision,
        actor=user,
        action="checklist.answered",
        details={"item_id": item.pk, "key": item.key, "length": len(text)},
    )
    notify_state_changed(revision=revision)
    logger.info("reviews.checklist.answered", extra={"item_id": item.pk, "user_id": user.pk})
    return item


@transaction.atomic
def finding_triage_review(
    *,
    finding: Finding,
    user: AbstractBaseUser,
    decision: str,
    reason: str = "",
    expires_at: datetime.date | None = None,
) -> Finding:
    """Triage a finding as a reviewer: review rules here, triage rules in findings.services."""
    from findings.services import finding_triage  # analysis is a lower layer; import late

    finding = Finding.objects.select_related("revision__pull_request__repository").get(
        pk=finding.pk
    )
    revision = finding.revision
    pull_request = revision.pull_request
    if revision.status != Revision.Status.READY or pull_request.head_sha != revision.head_sha:
        raise TriageDenied("This revision is no longer the pull request's head.")
    if not selectors.user_is_member(user=user, repository=pull_request.repository):
        raise TriageDenied("You are not a member of an installation of this repository.")
    if selectors.user_is_author(user=user, pull_request=pull_request):
        raise TriageDenied("The author of a pull request cannot triage its findings.")
    previous = finding.triage
    finding = finding_triage(
        finding=finding, user=user, decision=decision, reason=reason, expires_at=expires_at
    )
    _audit(
        revision=revision,
        actor=user,
        action="finding.triaged",
        details={
            "finding_id": finding.pk,
            "fingerprint": finding.fingerprint,
            "from": previous,
            "to": finding.triage,
            "reason": finding.triage_reason,
            "expires_at": finding.triage_expires_at.isoformat()
            if finding.triage_expires_at
            else None,
        },
    )
    notify_state_changed(revision=revision)
    logger.info(
        "reviews.finding.triaged",
        extra={"finding_id": finding.pk, "user_id": user.pk, "decision": finding.triage},
    )
    return finding


@transaction.atomic
def revision_approve(*, revision: Revision, user: AbstractBaseUser) -> Approval:
    """Approve a revision when every gate passes (raises ApprovalDenied with the reason)."""
    # Lock the revision so two approvals or an approval racing a new push serialise.
    revision = (
        Revision.objects.select_for_update(of=("self",))
        .select_related("pull_request__repository")
        .get(pk=revision.pk)
    )
    reason = selectors.approval_blocker(revision=revision, user=user)
    if reason is not None:
        logger.info(
            "reviews.approval.denied",
            extra={"revision_id": revision.pk, "user_id": user.pk, "reason": reason},
        )
        raise ApprovalDenied(reason)
    try:
        with transaction.atomic():
            approval = Approval.objects.create(revision=revision, user=user)
    except IntegrityError as error:
        raise ApprovalDenied("You have already approved this revision.") from error
    _audit(
        revision=revision,
        actor=user,
        action="revision.approved",
        details={"approval_id": approval.pk, "head_sha": revision.head_sha},
    )
    notify_state_changed(revision=revision)
    logger.info("reviews.revision.approved", extra={"revision_id": revision.pk, "user_id": user.pk})
    return approval
