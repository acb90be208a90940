"""Writes of the checklist: preparing it for a revision, answers, and triage as a reviewer.

Every answer and triage writes an audit event and notifies the review-state listeners after
commit. The checklist knows nothing of tiers: re-evaluating the tier after an answer or a triage
is the review workflow's (`reviewbench.reviews.services`) job.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from findings.cache import DatabaseScanCache
from findings.engine.provenance.declaration import ai_declaration
from findings.models import ChangedFile, Finding, Hunk, Revision
from findings.services import finding_record_from_review, finding_triage
from reviewbench.access.selectors import user_is_author, user_is_member
from reviewbench.audit.services import audit_record
from reviewbench.checklist import selectors
from reviewbench.checklist.assumptions import KIND_CWE, KIND_LABELS
from reviewbench.checklist.build import (
    ANSWER_MIN_LENGTH,
    FileInfo,
    FindingInfo,
    HunkInfo,
    checklist_build,
    copied_code_reason,
    copied_text_reason,
    has_location,
    missing_terms_reason,
    partial_terms_reason,
    similar_answer_reason,
    thin_answer_reason,
)
from reviewbench.checklist.models import ChecklistItem
from reviewbench.notifications.services import notify_state_changed
from reviewbench.policy import ChecklistSettings

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


class AnswerRejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TriageDenied(Exception):
    """The user may not triage this finding (the review rules, not the triage rules, say no)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _file_infos(
    revision: Revision, contents: Mapping[str, str | None] | None
) -> tuple[list[FileInfo], dict[str, int], dict[tuple[str, int], int]]:
    """The build's view of the revision's files, in the PR's order, read as plain values (a
    1,000-file PR is 2,000 rows: model instances would cost more than the build), with the
    ids of the files by path and of the hunks by (path, index)."""
    files = list(
        ChangedFile.objects.filter(revision=revision)
        .order_by("position", "path")
        .values_list("pk", "path")
    )
    hunks_of: dict[int, list[HunkInfo]] = {pk: [] for pk, _path in files}
    hunk_pks: dict[tuple[int, int], int] = {}
    rows = (
        Hunk.objects.filter(changed_file__revision=revision)
        .order_by("changed_file_id", "index")
        .values_list(
            "pk",
            "changed_file_id",
            "index",
            "content_hash",
            "content",
            "target_start",
            "section_header",
            "authorship",
        )
    )
    for pk, file_pk, index, content_hash, content, target_start, header, authorship in rows:
        hunk_pks[(file_pk, index)] = pk
        hunks_of[file_pk].append(
            HunkInfo(
                index=index,
                content_hash=content_hash,
                content=content,
                target_start=target_start,
                section_header=header,
                ai=authorship == Hunk.Authorship.AI,
            )
        )
    infos = []
    for file_pk, path in files:
        text = (contents or {}).get(path)
        if text is not None and len(text) > MAX_CONTENT_CHARS:
            text = None
        hunks = tuple(hunks_of[file_pk])
        infos.append(
            FileInfo(
                path=path,
                hunk_hashes=tuple(h.content_hash for h in hunks),
                hunks=hunks,
                text=text,
            )
        )
    path_of = {pk: path for pk, path in files}
    hunk_ids = {
        (path_of[file_pk], index): hunk_pk for (file_pk, index), hunk_pk in hunk_pks.items()
    }
    return infos, {path: pk for pk, path in files}, hunk_ids


def _assumption_fingerprint(key: str) -> str:
    return hashlib.sha256(f"{ASSUMPTION_SCANNER_ID}:{key}".encode()).hexdigest()


def _record_assumption_finding(*, item: ChecklistItem, user: User | None, reason: str) -> Finding:

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


def _finding_info(finding: Finding) -> FindingInfo:
    return FindingInfo(
        fingerprint=finding.fingerprint,
        rule_id=finding.rule_id,
        title=finding.title,
        severity=finding.severity,
        path=finding.path,
        line=finding.line,
        cwe=finding.cwe,
        pre_existing=finding.pre_existing,
    )


DECLARATION_KEY = "declaration"
UNDECLARED_KEY = "undeclared-ai"
MAX_EVIDENCE_SHOWN = 3


def _ai_evidence(revision: Revision) -> list[str]:
    """What provenance found that says an AI wrote part of the revision (besides the author's
    own declaration)."""
    details = [
        str(signal.get("detail", ""))
        for signal in revision.ai_signals or ()
        if isinstance(signal, dict)
        and not str(signal.get("detail", "")).startswith("AI assistance:")
    ]
    if (
        not details
        and Hunk.objects.filter(
            changed_file__revision=revision, authorship=Hunk.Authorship.AI
        ).exists()
    ):
        details.append("AI-written hunks (commit trailers, markers or authors)")
    return [detail for detail in details if detail]


def _declaration_items(revision: Revision, settings: ChecklistSettings, *, position: int) -> None:
    """The AI-use declaration's items: "declare" while the policy requires a declaration the
    description lacks (answered by ReviewBench once the author adds one), and "undeclared AI use"
    when the description says none but provenance found AI evidence."""
    declaration = ai_declaration(revision.pull_request.body)
    now = timezone.now()
    existing = {
        item.key: item
        for item in ChecklistItem.objects.filter(
            revision=revision, key__in=(DECLARATION_KEY, UNDECLARED_KEY)
        )
    }
    new: list[ChecklistItem] = []
    if settings.require_ai_declaration and declaration is None and DECLARATION_KEY not in existing:
        new.append(
            ChecklistItem(
                revision=revision,
                key=DECLARATION_KEY,
                kind=ChecklistItem.Kind.DECLARATION,
                position=position,
                prompt=(
                    "The author has not declared AI assistance. The policy requires the "
                    "description to say 'AI assistance: none', 'partial' or 'most', and which "
                    "tool ('AI tool: …'); the pull-request template has the lines."
                ),
                rationale="checklist.require_ai_declaration is on in this repository's policy.",
            )
        )
    pending = existing.get(DECLARATION_KEY)
    if declaration is not None and pending is not None and pending.answered_at is None:
        pending.answer = f"Declared in the description: AI assistance {declaration.describe()}."
        pending.answered_at = now
        pending.save(update_fields=["answer", "answered_at"])
    declared_none = declaration is not None and not declaration.declares_ai
    evidence = _ai_evidence(revision) if declared_none and UNDECLARED_KEY not in existing else []
    if evidence:
        shown = "; ".join(evidence[:MAX_EVIDENCE_SHOWN])
        new.append(
            ChecklistItem(
                revision=revision,
                key=UNDECLARED_KEY,
                kind=ChecklistItem.Kind.UNDECLARED,
                position=position + 1,
                prompt=(
                    "The description declares no AI assistance, but ReviewBench found AI evidence: "
                    f"{shown[:1500]}. Ask the author which parts an assistant wrote, and record "
                    "what they said."
                ),
                rationale=(
                    "An undeclared assistant means the author may not have reviewed its code as "
                    "their own: read the AI-flagged hunks as AI-written."
                ),
            )
        )
    # A second delivery preparing the same revision at once makes the same rows: kept once.
    ChecklistItem.objects.bulk_create(new, ignore_conflicts=True)


@transaction.atomic
def revision_review_prepare(
    *,
    revision: Revision,
    contents: Mapping[str, str | None] | None = None,
    settings: ChecklistSettings | None = None,
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
    infos, file_ids, hunk_ids = _file_infos(revision, contents)
    specs = checklist_build(
        [_finding_info(f) for f in findings],
        infos,
        comprehension_limit=(settings or ChecklistSettings()).comprehension_limit,
        assumption_limit=(settings or ChecklistSettings()).assumption_limit,
        memo=DatabaseScanCache(),
    )
    findings_by_fingerprint = {f.fingerprint: f for f in findings}

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
            changed_file_id=file_ids.get(spec.path or ""),
            hunk_id=hunk_ids.get((spec.path or "", spec.hunk_index))
            if spec.hunk_index is not None
            else None,
            assumption_kind=spec.assumption_kind,
            path=(spec.path or "")[:1024],
            line=spec.line,
            expected_terms=list(spec.expected_terms),
            rationale=spec.rationale,
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
    _declaration_items(revision, settings or ChecklistSettings(), position=len(specs))
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
    """Reject explanations that are short, copied code, duplicates or about nothing the question
    names; return a flag reason for thin, partial, near-duplicate or description-copying ones."""
    if len(text) < ANSWER_MIN_LENGTH:
        raise AnswerRejected(
            f"An explanation needs at least {ANSWER_MIN_LENGTH} characters; "
            f"this one has {len(text)}."
        )
    terms = [str(term) for term in item.expected_terms or ()]
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
    other_answers = list(others)
    if _normalised(text) in {_normalised(other) for other in other_answers}:
        what = "file" if item.kind == ChecklistItem.Kind.EXPLAIN else "part of the code"
        raise AnswerRejected(
            "This explanation is identical to another one on this pull request; "
            f"explain each {what} in its own words."
        )
    missing = missing_terms_reason(text, terms)
    if missing is not None:
        raise AnswerRejected(missing)
    reasons = [
        reason
        for reason in (
            thin_answer_reason(text),
            partial_terms_reason(text, terms),
            copied_text_reason(
                text, item.revision.pull_request.body, "the pull request description"
            ),
            similar_answer_reason(text, other_answers),
        )
        if reason
    ]
    if not reasons:
        return None
    first, *rest = reasons
    return (
        "; ".join([first, *rest])
        if first.startswith("Thin answer")
        else ("Flagged: " + "; ".join(reasons))
    )


@transaction.atomic
def checklist_item_answer(
    *, item: ChecklistItem, user: User, answer: str, outcome: str = ""
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
    if item.kind == ChecklistItem.Kind.DECLARATION:
        raise AnswerRejected(
            "The author declares AI assistance in the pull request's description (the "
            "'AI assistance:' line of the template); ReviewBench reads it again when it changes."
        )
    if revision.status != Revision.Status.READY or pull_request.head_sha != revision.head_sha:
        raise AnswerRejected("This revision is no longer the pull request's head.")
    if not user_is_member(user=user, repository=pull_request.repository):
        raise AnswerRejected("You are not a member of an installation of this repository.")
    if user_is_author(user=user, pull_request=pull_request):
        raise AnswerRejected("The author of a pull request cannot answer its review checklist.")
    text = (answer or "").strip()
    outcome = (outcome or "").strip()
    if len(text) > ANSWER_MAX_LENGTH:
        raise AnswerRejected(f"An answer may have at most {ANSWER_MAX_LENGTH} characters.")
    flag_reason: str | None = None
    if item.kind == ChecklistItem.Kind.ASSUMPTION:
        _check_assumption_answer(text, outcome)
    elif item.kind in (ChecklistItem.Kind.SIGNOFF, ChecklistItem.Kind.UNDECLARED):
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
    audit_record(revision=revision, actor=user, action="checklist.answered", details=details)
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


def _withdraw_assumption_finding(*, item: ChecklistItem, user: User, outcome: str) -> int | None:
    """The reviewer changed their mind: the finding they raised no longer blocks approval."""

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
    user: User,
    decision: str,
    reason: str = "",
    expires_at: datetime.date | None = None,
) -> Finding:
    """Triage a finding as a reviewer: review rules here, triage rules in findings.services."""

    finding = Finding.objects.select_related("revision__pull_request__repository").get(
        pk=finding.pk
    )
    revision = finding.revision
    pull_request = revision.pull_request
    if revision.status != Revision.Status.READY or pull_request.head_sha != revision.head_sha:
        raise TriageDenied("This revision is no longer the pull request's head.")
    if not user_is_member(user=user, repository=pull_request.repository):
        raise TriageDenied("You are not a member of an installation of this repository.")
    if user_is_author(user=user, pull_request=pull_request):
        raise TriageDenied("The author of a pull request cannot triage its findings.")
    previous = finding.triage
    finding = finding_triage(
        finding=finding, user=user, decision=decision, reason=reason, expires_at=expires_at
    )
    audit_record(
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
def checklist_findings_add(*, revision: Revision, findings: list[Finding]) -> list[ChecklistItem]:
    """Triage items for findings recorded after the checklist was prepared (a SARIF import):
    placed after the last triage item, most severe first, the later sections moved down; a
    finding that already has its item, or is pre-existing, adds nothing."""
    new = [_finding_info(f) for f in findings if not f.pre_existing]
    items = list(ChecklistItem.objects.select_for_update().filter(revision=revision))
    keys = {item.key for item in items}
    specs = [
        spec
        for spec in checklist_build(new, [], signoff=False)
        if spec.kind == ChecklistItem.Kind.TRIAGE and spec.key not in keys
    ]
    if not specs:
        return []
    triage_positions = [i.position for i in items if i.kind == ChecklistItem.Kind.TRIAGE]
    start = max(triage_positions) + 1 if triage_positions else 0
    later = [item for item in items if item.position >= start]
    for item in later:
        item.position += len(specs)
    ChecklistItem.objects.bulk_update(later, ["position"])
    by_fingerprint = {f.fingerprint: f for f in findings}
    rows = [
        ChecklistItem(
            revision=revision,
            key=spec.key,
            kind=spec.kind,
            position=start + offset,
            prompt=spec.prompt,
            content_hash=spec.content_hash,
            finding=by_fingerprint.get(spec.finding_fingerprint or ""),
            changed_file_id=by_fingerprint[spec.finding_fingerprint].changed_file_id
            if spec.finding_fingerprint in by_fingerprint
            else None,
            path=(spec.path or "")[:1024],
            line=spec.line,
        )
        for offset, spec in enumerate(specs)
    ]
    return ChecklistItem.objects.bulk_create(rows)
