"""Writes for the review workflow: checklist, answers, triage, approvals, and telling the edge.

Every answer, triage and approval writes an AuditEvent and calls `notify_state_changed`, which
runs the listeners in `settings.REVIEWBENCH_STATE_LISTENERS` after the transaction commits; this
layer never imports the GitHub edge.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from findings.engine.snapshot import PullRequestSnapshot
from findings.models import ChangedFile, Finding, Hunk, PullRequest, Repository, Revision
from reviewbench.reviews import selectors
from reviewbench.reviews.assumptions import KIND_CWE, KIND_LABELS
from reviewbench.reviews.checklist import (
    ANSWER_MIN_LENGTH,
    FileInfo,
    FindingInfo,
    HunkInfo,
    checklist_build,
    copied_code_reason,
    has_location,
    thin_answer_reason,
)
from reviewbench.reviews.models import (
    Approval,
    AuditEvent,
    BoundaryException,
    ChecklistItem,
    RevisionPolicy,
)
from reviewbench.reviews.policy import (
    ChangedFileInput,
    FindingInput,
    HunkInput,
    PolicyError,
    policy_defaults_load,
    policy_evaluate,
    policy_load,
)
from reviewbench.reviews.text import one_line

logger = logging.getLogger(__name__)

ANSWER_MAX_LENGTH = 10_000
SIGNOFF_MIN_LENGTH = 20
REASON_MIN_LENGTH = 10
HOLDS_LOCATION_MIN_LENGTH = 5
AUDIT_ANSWER_LIMIT = 2000
# Head text larger than this is not kept for the AST walk (the assumption scanner skips it too).
MAX_CONTENT_CHARS = 1024 * 1024
CARRIED_KINDS = (
    ChecklistItem.Kind.ASSUMPTION,
    ChecklistItem.Kind.COMPREHENSION,
    ChecklistItem.Kind.EXPLAIN,
)
TEXT_ANSWER_KINDS = (ChecklistItem.Kind.COMPREHENSION, ChecklistItem.Kind.EXPLAIN)
ASSUMPTION_SCANNER_ID = "reviewbench.assumption"
EXCEPTION_REASON_MIN_LENGTH = 20
EXCEPTION_TEXT_MAX_LENGTH = 5000


class AnswerRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ApprovalDenied(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BoundaryExceptionDenied(Exception):
    """A usage-boundary exception may not be requested or decided (the message says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def _file_infos(
    files: list[ChangedFile], contents: Mapping[str, str | None] | None
) -> list[FileInfo]:
    infos = []
    for changed in files:
        text = (contents or {}).get(changed.path)
        if text is not None and len(text) > MAX_CONTENT_CHARS:
            text = None
        hunks = tuple(
            HunkInfo(
                index=hunk.index,
                content_hash=hunk.content_hash,
                content=hunk.content,
                target_start=hunk.target_start,
                section_header=hunk.section_header,
                ai=hunk.authorship == Hunk.Authorship.AI,
            )
            for hunk in changed.hunks.all()
        )
        infos.append(
            FileInfo(
                path=changed.path,
                hunk_hashes=tuple(h.content_hash for h in hunks),
                hunks=hunks,
                text=text,
            )
        )
    return infos


def _assumption_fingerprint(key: str) -> str:
    return hashlib.sha256(f"{ASSUMPTION_SCANNER_ID}:{key}".encode()).hexdigest()


def _record_assumption_finding(
    *, item: ChecklistItem, user: AbstractBaseUser | None, reason: str
) -> Finding:
    from findings.services import finding_record_from_review  # lower layer; import late

    label = KIND_LABELS.get(item.assumption_kind, "Assumption does not hold")
    return finding_record_from_review(
        revision=item.revision,
        user=user,
        path=item.path,
        line=item.line or 1,
        rule_id=f"assumption.{item.assumption_kind or 'unknown'}",
        title=f"Assumption does not hold: {label}",
        message=f"{item.prompt}\n\nReviewer: {reason}",
        fingerprint=_assumption_fingerprint(item.key),
        cwe=KIND_CWE.get(item.assumption_kind),
    )


@transaction.atomic
def revision_review_prepare(
    *, revision: Revision, contents: Mapping[str, str | None] | None = None
) -> list[ChecklistItem]:
    """Create the revision's checklist (idempotent), carrying unchanged answers over.

    `contents` maps paths to their text at head (from the snapshot) for the Python AST walk;
    without it the head text is rebuilt from the hunks.
    """
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
        _file_infos(files, contents),
    )
    findings_by_fingerprint = {f.fingerprint: f for f in findings}
    files_by_path = {changed.path: changed for changed in files}
    hunk_ids = {
        (changed.path, hunk.index): hunk.pk for changed in files for hunk in changed.hunks.all()
    }

    source = selectors.revision_to_carry_from(revision)
    carried: dict[str, ChecklistItem] = {}
    if source is not None:
        carried = {
            item.key: item
            for item in ChecklistItem.objects.filter(
                revision=source, kind__in=CARRIED_KINDS, answered_at__isnull=False
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
            hunk_id=hunk_ids.get((spec.path or "", spec.hunk_index))
            if spec.hunk_index is not None
            else None,
            assumption_kind=spec.assumption_kind,
            path=(spec.path or "")[:1024],
            line=spec.line,
        )
        earlier = carried.get(spec.key)
        if (
            earlier is not None
            and earlier.kind == spec.kind
            and earlier.content_hash == spec.content_hash
        ):
            row.answer = earlier.answer
            row.outcome = earlier.outcome
            row.flagged = earlier.flagged
            row.flag_reason = earlier.flag_reason
            row.answered_by_id = earlier.answered_by_id
            row.answered_at = earlier.answered_at
            # Point at the push where the answer was actually given, not merely the last one.
            row.carried_over_from = earlier.carried_over_from or (
                source.head_sha if source is not None else ""
            )
        rows.append(row)
    ChecklistItem.objects.bulk_create(rows, ignore_conflicts=True)
    items = selectors.revision_checklist(revision)
    for item in items:
        # The code a reviewer said is unsafe did not change: the finding stands on this push too.
        if (
            item.kind == ChecklistItem.Kind.ASSUMPTION
            and item.carried_over_from
            and item.outcome == ChecklistItem.Outcome.DOES_NOT_HOLD
        ):
            _record_assumption_finding(item=item, user=item.answered_by, reason=item.answer)
    logger.info(
        "reviews.checklist.prepared",
        extra={
            "revision_id": revision.pk,
            "items": len(items),
            "carried_over": sum(1 for item in items if item.carried_over_from),
        },
    )
    return items


# --- policy ------------------------------------------------------------------------------------

POLICY_ERROR_LIMIT = 2000


def _policy_inputs(
    revision: Revision,
) -> tuple[list[ChangedFileInput], list[HunkInput], list[FindingInput]]:
    files = list(
        ChangedFile.objects.filter(revision=revision)
        .prefetch_related("hunks")
        .order_by("position", "path")
    )
    file_inputs = [ChangedFileInput(path=f.path, added_lines=f.additions) for f in files]
    hunk_inputs = [
        HunkInput(
            path=f.path,
            authorship=hunk.authorship,
            added=hunk.added,
            hunk_index=hunk.index,
            start=hunk.target_start,
        )
        for f in files
        for hunk in f.hunks.all()
    ]
    # Pre-existing findings sit in code the pull request did not write; the check summary and the
    # page list only new ones, so a tier reason naming an old finding would point at nothing shown.
    finding_inputs = [
        FindingInput(severity=severity, cwe=cwe, path=path, line=line, triage=triage)
        for severity, cwe, path, line, triage in Finding.objects.filter(
            revision=revision, pre_existing=False
        )
        .order_by("path", "line", "id")
        .values_list("severity", "cwe", "path", "line", "triage")
    ]
    return file_inputs, hunk_inputs, finding_inputs


def _installation_defaults_text(revision: Revision) -> str:
    # Through the reverse relation: the workflow layer never imports the GitHub edge.
    texts = (
        revision.pull_request.repository.installations.exclude(policy_defaults="")
        .order_by("pk")
        .values_list("policy_defaults", flat=True)
    )
    return next((text for text in texts if text.strip()), "")


@transaction.atomic
def revision_policy_evaluate(*, revision: Revision) -> RevisionPolicy | None:
    """Evaluate the base branch's .reviewbench.yml for a ready revision; store it (idempotent)."""
    if revision.status != Revision.Status.READY:
        logger.info(
            "reviews.policy.not_ready",
            extra={"revision_id": revision.pk, "status": revision.status},
        )
        return None
    values: dict[str, Any] = {
        "tier": "",
        "level": 0,
        "required_approvals": 1,
        "required_groups": [],
        "sla_hours": None,
        "reasons": [],
        "boundary_violations": [],
        "exceptions_needed": [],
        "error": "",
        "error_line": None,
    }
    try:
        # The base branch's text only: a pull request cannot weaken its own rules.
        defaults = policy_defaults_load(_installation_defaults_text(revision))
        policy = policy_load(revision.policy_text or None, defaults=defaults)
        files, hunks, findings = _policy_inputs(revision)
        result = policy_evaluate(
            policy,
            files=files,
            hunks=hunks,
            findings=findings,
            additions=revision.additions,
            ai_added_lines=revision.ai_added_lines,
        )
    except PolicyError as error:
        # A bad policy file fails the check run with this message; it never fails the job.
        values["error"] = (error.message or "invalid policy")[:POLICY_ERROR_LIMIT]
        values["error_line"] = error.line if error.line and error.line > 0 else None
        logger.info(
            "reviews.policy.invalid",
            extra={"revision_id": revision.pk, "line": values["error_line"]},
        )
    else:
        values.update(
            tier=result.tier,
            level=result.level,
            required_approvals=result.required_approvals,
            required_groups=list(result.required_groups),
            sla_hours=result.sla_hours,
            reasons=[{"tier": r.tier, "text": r.text} for r in result.reasons],
            boundary_violations=[
                {"path": v.path, "hunk": v.hunk, "rule": v.rule} for v in result.boundary_violations
            ],
            exceptions_needed=[
                {"path": e.path, "group": e.group} for e in result.exceptions_needed
            ],
        )
        logger.info(
            "reviews.policy.evaluated",
            extra={
                "revision_id": revision.pk,
                "tier": result.tier,
                "boundary_violations": len(result.boundary_violations),
                "exceptions_needed": len(result.exceptions_needed),
            },
        )
    stored, _created = RevisionPolicy.objects.update_or_create(revision=revision, defaults=values)
    # Keep the caller's instance coherent: its cached `policy` (or cached absence) is now stale.
    revision.policy = stored
    return stored


def pull_request_process(*, repository: Repository, snapshot: PullRequestSnapshot) -> Revision:
    """Analyse a pull request's head, prepare its checklist and policy when ready, and notify."""
    from findings.services import revision_analyze  # analysis is a lower layer; import late

    revision = revision_analyze(repository=repository, snapshot=snapshot)
    contents = {f.path: f.content for f in snapshot.files if f.content is not None}
    with transaction.atomic():
        if revision.status == Revision.Status.READY:
            revision_review_prepare(revision=revision, contents=contents)
            # After the checklist: preparing it may record carried-over findings, which count.
            revision_policy_evaluate(revision=revision)
            approvals_carry_over(revision=revision)
        notify_state_changed(revision=revision)
    return revision


def _revision_hunk_hashes(revision: Revision) -> list[str]:
    return sorted(
        set(
            Hunk.objects.filter(changed_file__revision=revision).values_list(
                "content_hash", flat=True
            )
        )
    )


def _approval_source(revision: Revision) -> Revision | None:
    """The latest earlier revision of the pull request with approvals (a failed push has none)."""
    return (
        Revision.objects.filter(pull_request_id=revision.pull_request_id)
        .filter(
            Q(created_at__lt=revision.created_at)
            | Q(created_at=revision.created_at, id__lt=revision.id)
        )
        .exclude(pk=revision.pk)
        .filter(approvals__isnull=False)
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def approvals_carry_over(*, revision: Revision) -> list[Approval]:
    """Carry earlier approvals to a ready revision; stale where the push changed covered hunks."""
    if revision.status != Revision.Status.READY:
        return []
    source = _approval_source(revision)
    if source is None:
        return []
    present = set(_revision_hunk_hashes(revision))
    already = set(Approval.objects.filter(revision=revision).values_list("user_id", flat=True))
    created: list[Approval] = []
    for earlier in Approval.objects.filter(revision=source).order_by("created_at", "id"):
        if earlier.user_id in already:
            continue  # idempotent: a re-run of the same push carries nothing twice
        covered = [str(h) for h in (earlier.covered_hashes or [])]
        changed = [h for h in covered if h not in present]
        # Once stale, always stale: only a fresh approval by its owner makes it count again.
        stale = earlier.stale or bool(changed)
        try:
            with transaction.atomic():
                approval = Approval.objects.create(
                    revision=revision,
                    user_id=earlier.user_id,
                    covered_hashes=covered,
                    groups=list(earlier.groups or []),
                    stale=stale,
                    carried_over_from=source.head_sha,
                )
        except IntegrityError:
            continue  # the same user approved the new revision concurrently
        created.append(approval)
        _audit(
            revision=revision,
            actor=None,
            action="approval.stale" if stale else "approval.carried_over",
            details={
                "approval_id": approval.pk,
                "user_id": earlier.user_id,
                "from_approval_id": earlier.pk,
                "from_head_sha": source.head_sha,
                "changed_hunks": len(changed),
                "groups": approval.groups,
            },
        )
    logger.info(
        "reviews.approvals.carried_over",
        extra={
            "revision_id": revision.pk,
            "carried": sum(1 for a in created if not a.stale),
            "stale": sum(1 for a in created if a.stale),
        },
    )
    return created


# --- answers, triage, approval -------------------------------------------------------------------


def _normalised(text: str) -> str:
    return " ".join(text.split()).casefold()


def _check_assumption_answer(text: str, outcome: str) -> None:
    if outcome not in (
        ChecklistItem.Outcome.HOLDS,
        ChecklistItem.Outcome.DOES_NOT_HOLD,
        ChecklistItem.Outcome.NOT_APPLICABLE,
    ):
        raise AnswerRejected(
            "Choose whether the assumption holds, does not hold or does not apply."
        )
    if outcome == ChecklistItem.Outcome.HOLDS:
        if has_location(text):
            if len(text) < HOLDS_LOCATION_MIN_LENGTH:
                raise AnswerRejected("Say where the assumption is enforced (file:line).")
        elif len(text) < ANSWER_MIN_LENGTH:
            raise AnswerRejected(
                "Say where the assumption is enforced: a file:line (e.g. app/db.py:42) or an "
                f"explanation of at least {ANSWER_MIN_LENGTH} characters; this one has "
                f"{len(text)}."
            )
    elif len(text) < REASON_MIN_LENGTH:
        what = (
            "why it does not hold"
            if outcome == ChecklistItem.Outcome.DOES_NOT_HOLD
            else "why it does not apply"
        )
        raise AnswerRejected(
            f"Say {what}: a reason of at least {REASON_MIN_LENGTH} characters is needed."
        )


def _check_explanation(item: ChecklistItem, text: str) -> str | None:
    """Reject copied, short or duplicate explanations; return a flag reason for thin ones."""
    if len(text) < ANSWER_MIN_LENGTH:
        raise AnswerRejected(
            f"An explanation needs at least {ANSWER_MIN_LENGTH} characters; "
            f"this one has {len(text)}."
        )
    hunks = Hunk.objects.filter(changed_file_id=item.changed_file_id)
    if item.kind == ChecklistItem.Kind.COMPREHENSION:
        hunks = hunks.filter(authorship=Hunk.Authorship.AI)
    copied = copied_code_reason(text, list(hunks.values_list("content", flat=True)))
    if copied is not None:
        raise AnswerRejected(copied)
    others = (
        ChecklistItem.objects.filter(revision_id=item.revision_id, kind__in=TEXT_ANSWER_KINDS)
        .exclude(pk=item.pk)
        .exclude(answer="")
        .values_list("answer", flat=True)
    )
    if _normalised(text) in {_normalised(other) for other in others}:
        what = "file" if item.kind == ChecklistItem.Kind.EXPLAIN else "part of the code"
        raise AnswerRejected(
            "This explanation is identical to another one on this pull request; "
            f"explain each {what} in its own words."
        )
    return thin_answer_reason(text)


@transaction.atomic
def checklist_item_answer(
    *, item: ChecklistItem, user: AbstractBaseUser, answer: str, outcome: str = ""
) -> ChecklistItem:
    """Record a reviewer's answer to an assumption, comprehension, explain or sign-off item
    (raises AnswerRejected); `outcome` is required for assumptions only."""
    item = (
        ChecklistItem.objects.select_for_update(of=("self",))
        .select_related("revision__pull_request__repository")
        .get(pk=item.pk)
    )
    revision = item.revision
    pull_request = revision.pull_request
    if item.kind == ChecklistItem.Kind.TRIAGE:
        raise AnswerRejected("Findings are answered by triaging them, not with a text answer.")
    if revision.status != Revision.Status.READY or pull_request.head_sha != revision.head_sha:
        raise AnswerRejected("This revision is no longer the pull request's head.")
    if not selectors.user_is_member(user=user, repository=pull_request.repository):
        raise AnswerRejected("You are not a member of an installation of this repository.")
    if selectors.user_is_author(user=user, pull_request=pull_request):
        raise AnswerRejected("The author of a pull request cannot answer its review checklist.")
    text = (answer or "").strip()
    outcome = (outcome or "").strip()
    if len(text) > ANSWER_MAX_LENGTH:
        raise AnswerRejected(f"An answer may have at most {ANSWER_MAX_LENGTH} characters.")
    flag_reason: str | None = None
    if item.kind == ChecklistItem.Kind.ASSUMPTION:
        _check_assumption_answer(text, outcome)
    elif item.kind == ChecklistItem.Kind.SIGNOFF:
        outcome = ""
        if len(text) < SIGNOFF_MIN_LENGTH:
            raise AnswerRejected(
                f"Say how you verified the change: at least {SIGNOFF_MIN_LENGTH} characters; "
                f"this one has {len(text)}."
            )
    else:
        outcome = ""
        flag_reason = _check_explanation(item, text)

    previous = None
    if item.answered_at is not None:
        previous = {
            "answer": item.answer[:AUDIT_ANSWER_LIMIT],
            "outcome": item.outcome,
            "answered_by_id": item.answered_by_id,
            "answered_at": item.answered_at.isoformat(),
            "carried_over_from": item.carried_over_from,
        }
    finding_id = None
    if item.kind == ChecklistItem.Kind.ASSUMPTION:
        if outcome == ChecklistItem.Outcome.DOES_NOT_HOLD:
            finding_id = _record_assumption_finding(item=item, user=user, reason=text).pk
        elif item.outcome == ChecklistItem.Outcome.DOES_NOT_HOLD:
            finding_id = _withdraw_assumption_finding(item=item, user=user, outcome=outcome)

    item.answer = text
    item.outcome = outcome
    item.flagged = flag_reason is not None
    item.flag_reason = (flag_reason or "")[:300]
    item.answered_by = user
    item.answered_at = timezone.now()
    item.carried_over_from = ""
    item.save(
        update_fields=[
            "answer",
            "outcome",
            "flagged",
            "flag_reason",
            "answered_by",
            "answered_at",
            "carried_over_from",
        ]
    )
    details: dict[str, Any] = {
        "item_id": item.pk,
        "key": item.key,
        "kind": item.kind,
        "length": len(text),
        "answer": text[:AUDIT_ANSWER_LIMIT],
        "outcome": outcome,
        "flagged": item.flagged,
        "flag_reason": item.flag_reason,
    }
    if finding_id is not None:
        details["finding_id"] = finding_id
    if previous is not None:
        details["previous"] = previous
    _audit(revision=revision, actor=user, action="checklist.answered", details=details)
    if finding_id is not None:
        # A finding was raised or withdrawn: open findings decide the tier.
        revision_policy_evaluate(revision=revision)
    notify_state_changed(revision=revision)
    logger.info(
        "reviews.checklist.answered",
        extra={
            "item_id": item.pk,
            "user_id": user.pk,
            "kind": item.kind,
            "outcome": outcome,
            "flagged": item.flagged,
        },
    )
    return item


def _withdraw_assumption_finding(
    *, item: ChecklistItem, user: AbstractBaseUser, outcome: str
) -> int | None:
    """The reviewer changed their mind: the finding they raised no longer blocks approval."""
    from findings.services import finding_triage  # lower layer; import late

    finding = Finding.objects.filter(
        revision_id=item.revision_id, fingerprint=_assumption_fingerprint(item.key)
    ).first()
    if finding is None:
        return None
    finding_triage(
        finding=finding,
        user=user,
        decision=Finding.Triage.FALSE_POSITIVE,
        reason=f"The reviewer re-answered the assumption as {outcome.replace('_', ' ')}.",
    )
    return finding.pk


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
    # Open findings decide the tier: a false positive can lower it, a confirmation raise it.
    revision_policy_evaluate(revision=revision)
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
    groups = sorted(user.groups.values_list("name", flat=True))
    covered = _revision_hunk_hashes(revision)
    # A stale approval of this user (carried from an earlier push) is replaced by the fresh one.
    replaced = Approval.objects.filter(revision=revision, user=user, stale=True).first()
    if replaced is not None:
        replaced.covered_hashes = covered
        replaced.groups = groups
        replaced.stale = False
        replaced.carried_over_from = ""
        replaced.created_at = timezone.now()
        replaced.save(
            update_fields=["covered_hashes", "groups", "stale", "carried_over_from", "created_at"]
        )
        approval = replaced
    else:
        try:
            with transaction.atomic():
                approval = Approval.objects.create(
                    revision=revision, user=user, covered_hashes=covered, groups=groups
                )
        except IntegrityError as error:
            raise ApprovalDenied("You have already approved this revision.") from error
    _audit(
        revision=revision,
        actor=user,
        action="revision.approved",
        details={
            "approval_id": approval.pk,
            "head_sha": revision.head_sha,
            "groups": groups,
            "covered_hunks": len(covered),
            "replaced_stale": replaced is not None,
        },
    )
    notify_state_changed(revision=revision)
    logger.info("reviews.revision.approved", extra={"revision_id": revision.pk, "user_id": user.pk})
    return approval


# --- usage-boundary exceptions -------------------------------------------------------------------


def _exception_revision(pull_request: PullRequest) -> Revision:
    """The pull request's latest revision, which must be its ready head: the exceptions it needs
    are the only ones that can be requested or decided."""
    revision = selectors.latest_revision(pull_request)
    if (
        revision is None
        or revision.status != Revision.Status.READY
        or revision.head_sha != pull_request.head_sha
    ):
        raise BoundaryExceptionDenied(
            "The pull request's latest push is not analysed and ready; try again when it is."
        )
    return revision


def _exception_is_needed(revision: Revision, *, path: str, group: str) -> bool:
    policy = selectors.revision_policy(revision)
    if policy is None or policy.error:
        return False
    return any(
        str(entry.get("path")) == path and str(entry.get("group")) == group
        for entry in policy.exceptions_needed
    )


@transaction.atomic
def boundary_exception_request(
    *, pull_request: PullRequest, path: str, group: str, user: AbstractBaseUser, reason: str
) -> BoundaryException:
    """Ask the named group for an exception for AI-written code on a path (idempotent per PR,
    path and group; a refused one goes back to requested); raises BoundaryExceptionDenied."""
    # Lock the pull request: requests and decisions on it serialise, so the upsert cannot race.
    pull_request = (
        PullRequest.objects.select_for_update(of=("self",))
        .select_related("repository")
        .get(pk=pull_request.pk)
    )
    if not selectors.user_is_member(user=user, repository=pull_request.repository):
        raise BoundaryExceptionDenied("You are not a member of an installation of this repository.")
    text = (reason or "").strip()
    if len(text) < EXCEPTION_REASON_MIN_LENGTH:
        raise BoundaryExceptionDenied(
            f"Say why AI-written code should stand here: at least {EXCEPTION_REASON_MIN_LENGTH} "
            f"characters; this reason has {len(text)}."
        )
    if len(text) > EXCEPTION_TEXT_MAX_LENGTH:
        raise BoundaryExceptionDenied(
            f"A reason may have at most {EXCEPTION_TEXT_MAX_LENGTH} characters."
        )
    revision = _exception_revision(pull_request)
    if not _exception_is_needed(revision, path=path, group=group):
        raise BoundaryExceptionDenied(
            "The latest push needs no exception from this group for this path."
        )
    exception = BoundaryException.objects.filter(
        pull_request=pull_request, path=path, group=group
    ).first()
    previous: dict[str, Any] | None = None
    if exception is not None:
        if exception.state != BoundaryException.State.REFUSED:
            # Already requested or granted: asking again changes nothing and records nothing.
            return exception
        previous = {
            "state": exception.state,
            "reason": exception.reason[:AUDIT_ANSWER_LIMIT],
            "requested_by_id": exception.requested_by_id,
            "decided_by_id": exception.decided_by_id,
            "decision_note": exception.decision_note[:AUDIT_ANSWER_LIMIT],
        }
        exception.state = BoundaryException.State.REQUESTED
        exception.reason = text
        exception.requested_by = user
        exception.requested_at = timezone.now()
        exception.decided_by = None
        exception.decided_at = None
        exception.decision_note = ""
        exception.save(
            update_fields=[
                "state",
                "reason",
                "requested_by",
                "requested_at",
                "decided_by",
                "decided_at",
                "decision_note",
            ]
        )
    else:
        exception = BoundaryException.objects.create(
            pull_request=pull_request, path=path, group=group, reason=text, requested_by=user
        )
    details: dict[str, Any] = {
        "exception_id": exception.pk,
        "path": path,
        "group": group,
        "reason": text[:AUDIT_ANSWER_LIMIT],
        "head_sha": revision.head_sha,
    }
    if previous is not None:
        details["previous"] = previous
    _audit(revision=revision, actor=user, action="boundary.exception_requested", details=details)
    notify_state_changed(revision=revision)
    logger.info(
        "reviews.boundary_exception.requested",
        extra={"exception_id": exception.pk, "user_id": user.pk, "re_request": bool(previous)},
    )
    return exception


@transaction.atomic
def boundary_exception_decide(
    *, exception: BoundaryException, user: AbstractBaseUser, grant: bool, note: str
) -> BoundaryException:
    """Grant or refuse a requested exception as a member of its group who is neither the author
    nor the requester (a refusal needs a note); raises BoundaryExceptionDenied."""
    pull_request = (
        PullRequest.objects.select_for_update(of=("self",))
        .select_related("repository")
        .get(pk=exception.pull_request_id)
    )
    exception = BoundaryException.objects.get(pk=exception.pk)
    if not selectors.user_is_member(user=user, repository=pull_request.repository):
        raise BoundaryExceptionDenied("You are not a member of an installation of this repository.")
    if not user.groups.filter(name=exception.group).exists():
        raise BoundaryExceptionDenied(
            f"Only a member of the group {one_line(exception.group, 150)} can decide this "
            "exception."
        )
    if selectors.user_is_author(user=user, pull_request=pull_request):
        raise BoundaryExceptionDenied(
            "The author of a pull request cannot decide its usage exceptions."
        )
    if exception.requested_by_id == user.pk:
        raise BoundaryExceptionDenied("You requested this exception; someone else must decide it.")
    if exception.state != BoundaryException.State.REQUESTED:
        raise BoundaryExceptionDenied(
            f"This exception is already {exception.get_state_display().lower()}."
        )
    text = (note or "").strip()
    if not grant and not text:
        raise BoundaryExceptionDenied("Say why the exception is refused.")
    if len(text) > EXCEPTION_TEXT_MAX_LENGTH:
        raise BoundaryExceptionDenied(
            f"A note may have at most {EXCEPTION_TEXT_MAX_LENGTH} characters."
        )
    revision = _exception_revision(pull_request)
    if not _exception_is_needed(revision, path=exception.path, group=exception.group):
        raise BoundaryExceptionDenied("The latest push no longer needs this exception.")
    exception.state = BoundaryException.State.GRANTED if grant else BoundaryException.State.REFUSED
    exception.decided_by = user
    exception.decided_at = timezone.now()
    exception.decision_note = text
    exception.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    _audit(
        revision=revision,
        actor=user,
        action="boundary.exception_granted" if grant else "boundary.exception_refused",
        details={
            "exception_id": exception.pk,
            "path": exception.path,
            "group": exception.group,
            "note": text[:AUDIT_ANSWER_LIMIT],
            "requested_by_id": exception.requested_by_id,
            "head_sha": revision.head_sha,
        },
    )
    notify_state_changed(revision=revision)
    logger.info(
        "reviews.boundary_exception.decided",
        extra={"exception_id": exception.pk, "user_id": user.pk, "granted": grant},
    )
    return exception
