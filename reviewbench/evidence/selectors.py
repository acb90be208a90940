"""Evidence for auditors, per pull request or for a period: the revision reviewed, its AI
provenance with the evidence behind it, findings with their triage and reasons, the answered
checklist, approvals with the policy version that required them, and the whole audit trail,
sealed with a SHA-256 chain and a server signature (`evidence.chain`).

Read-only: it writes nothing, and it shows only pull requests the caller may see.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac

from findings.models import ChangedFile, Finding, Hunk, PullRequest, Repository, Revision
from reviewbench.access.selectors import AnyUser, pull_request_for_user, pull_requests_for
from reviewbench.approvals.selectors import (
    missing_approvals,
    policy_version,
    revision_approvals,
    revision_policy,
)
from reviewbench.audit.selectors import audit_trail
from reviewbench.checklist.selectors import revision_checklist
from reviewbench.evidence.chain import FORMAT, seal

MAX_PULL_REQUESTS = 500


class EvidenceError(ValueError):
    """An export that cannot be made as asked (an empty or too long period)."""


def evidence_key() -> bytes:
    """The server's signing key, derived from the secret key for this one purpose."""
    return salted_hmac("reviewbench.evidence.signature", "", secret=settings.SECRET_KEY).digest()


def _iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _login(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _reviewed_revision(pull_request: PullRequest) -> Revision | None:
    revisions = Revision.objects.filter(pull_request=pull_request).order_by("-created_at", "-id")
    return revisions.filter(status=Revision.Status.READY).first() or revisions.first()


def _provenance(revision: Revision) -> dict[str, Any]:
    files = (
        ChangedFile.objects.filter(revision=revision)
        .prefetch_related(Prefetch("hunks", queryset=Hunk.objects.order_by("index")))
        .order_by("position", "path")
    )
    return {
        "ai_added_lines": revision.ai_added_lines,
        "additions": revision.additions,
        "ai_tools": list(revision.ai_tools),
        "signals": list(revision.ai_signals),
        "hunks": [
            {
                "path": changed.path,
                "index": hunk.index,
                "start_line": hunk.target_start,
                "line_count": hunk.target_length,
                "added": hunk.added,
                "content_sha256": hunk.content_hash,
                "authorship": hunk.authorship,
                "ai_tool": hunk.ai_tool,
                "evidence": list(hunk.ai_evidence),
            }
            for changed in files
            for hunk in changed.hunks.all()
        ],
    }


def _findings(revision: Revision) -> list[dict[str, Any]]:
    rows = Finding.objects.filter(revision=revision).select_related("triaged_by")
    return [
        {
            "id": finding.pk,
            "scanner": finding.scanner_id,
            "rule_id": finding.rule_id,
            "cwe": finding.cwe,
            "severity": finding.severity,
            "title": finding.title,
            "path": finding.path,
            "line": finding.line,
            "new_in_this_pull_request": not finding.pre_existing,
            "fingerprint": finding.fingerprint,
            "triage": finding.triage,
            "triage_reason": finding.triage_reason,
            "triage_expires_at": _iso(finding.triage_expires_at),
            "triaged_by": _login(finding.triaged_by),
            "triaged_at": _iso(finding.triaged_at),
        }
        for finding in rows.order_by("pre_existing", "path", "line", "rule_id", "id")
    ]


def _checklist(revision: Revision) -> list[dict[str, Any]]:
    return [
        {
            "position": item.position,
            "kind": item.kind,
            "key": item.key,
            "prompt": item.prompt,
            "answer": item.answer,
            "outcome": item.outcome,
            "flagged": item.flagged,
            "answered_by": _login(item.answered_by),
            "answered_at": _iso(item.answered_at),
            "carried_over_from": item.carried_over_from,
        }
        for item in revision_checklist(revision)
    ]


def _policy_and_approvals(revision: Revision) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    policy = revision_policy(revision)
    version = policy_version(revision)
    usable = policy is not None and not policy.error
    approvals = revision_approvals(revision)
    missing, groups = missing_approvals(revision, approvals, policy=policy)
    decided = {
        **version,
        "analyzer_version": revision.analyzer_version,
        "tier": policy.tier if usable and policy else "",
        "required_approvals": policy.required_approvals if usable and policy else 1,
        "required_groups": list(policy.required_groups) if usable and policy else [],
        "reasons": list(policy.reasons) if usable and policy else [],
        "error": policy.error if policy is not None else "not evaluated",
        "evaluated_at": _iso(policy.evaluated_at) if policy is not None else None,
        "missing_approvals": missing,
        "missing_groups": list(groups),
    }
    rows = [
        {
            "user": _login(approval.user),
            "at": _iso(approval.created_at),
            "groups": list(approval.groups or []),
            "stale": approval.stale,
            "carried_over_from": approval.carried_over_from,
            "tier": decided["tier"],
            "policy_file_sha256": version["policy_file_sha256"],
            "defaults_sha256": version["defaults_sha256"],
        }
        for approval in approvals
    ]
    return decided, rows


def _audit(pull_request: PullRequest) -> list[dict[str, Any]]:
    return [
        {
            "id": event.pk,
            "at": _iso(event.created_at),
            "actor": _login(event.actor),
            "action": event.action,
            "head_sha": event.revision.head_sha if event.revision is not None else "",
            "details": event.details,
        }
        for event in audit_trail(pull_request)
    ]


def _pull_request_evidence(pull_request: PullRequest) -> dict[str, Any]:
    revision = _reviewed_revision(pull_request)
    entry: dict[str, Any] = {
        "repository": pull_request.repository.full_name,
        "number": pull_request.number,
        "title": pull_request.title,
        "author": pull_request.author_login,
        "url": pull_request.html_url,
        "state": pull_request.state,
        "revisions": [
            {"head_sha": r.head_sha, "status": r.status, "analysed_at": _iso(r.finished_at)}
            for r in Revision.objects.filter(pull_request=pull_request).order_by("created_at", "id")
        ],
        "revision": None,
        "provenance": None,
        "findings": [],
        "checklist": [],
        "policy": None,
        "approvals": [],
    }
    if revision is not None:
        decided, approvals = _policy_and_approvals(revision)
        entry.update(
            revision={
                "head_sha": revision.head_sha,
                "base_sha": revision.base_sha,
                "status": revision.status,
                "analyzer_version": revision.analyzer_version,
                "analysed_at": _iso(revision.finished_at),
                "commits": list(revision.commits),
            },
            provenance=_provenance(revision),
            findings=_findings(revision),
            checklist=_checklist(revision),
            policy=decided,
            approvals=approvals,
        )
    entry["audit"] = _audit(pull_request)
    return entry


def evidence_document(
    pull_requests: Iterable[PullRequest], *, scope: dict[str, Any], user: AnyUser | None
) -> dict[str, Any]:
    """The sealed evidence document for these pull requests, in the order given."""
    document = {
        "format": FORMAT,
        "generated_at": _iso(timezone.now()),
        "generated_by": _login(user) if user is not None and user.is_authenticated else None,
        "scope": scope,
        "pull_requests": [_pull_request_evidence(pr) for pr in pull_requests],
    }
    return seal(document, key=evidence_key())


def pull_requests_in_period(
    *,
    user: AnyUser | None,
    since: datetime.date,
    until: datetime.date,
    repository: str = "",
) -> QuerySet[PullRequest]:
    """Pull requests with a revision analysed in [since, until] (dates inclusive), that `user`
    may see (None: a command run by an operator, everything)."""
    if until < since:
        raise EvidenceError("the period ends before it starts")
    start = datetime.datetime.combine(since, datetime.time.min, tzinfo=datetime.UTC)
    end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time.min)
    rows = PullRequest.objects.all() if user is None else pull_requests_for(user)
    rows = rows.exclude(repository__source=Repository.Source.CALIBRATION).filter(
        revisions__created_at__gte=start,
        revisions__created_at__lt=end.replace(tzinfo=datetime.UTC),
    )
    if repository:
        rows = rows.filter(repository__full_name=repository)
    rows = rows.select_related("repository").distinct().order_by("repository__full_name", "number")
    if rows.count() > MAX_PULL_REQUESTS:
        raise EvidenceError(
            f"more than {MAX_PULL_REQUESTS} pull requests in the period; export a shorter one "
            "or one repository"
        )
    return rows


def evidence_pull_request(*, user: AnyUser, owner: str, name: str, number: int) -> PullRequest:
    """The pull request whose evidence the user asks for; Http404 when they may not see it, or
    when it is a calibration exercise (practice, with nothing to evidence, and its findings are
    the exercise's answers)."""
    pull_request = pull_request_for_user(user=user, owner=owner, name=name, number=number)
    if pull_request.repository.source == Repository.Source.CALIBRATION:
        raise Http404("Calibration exercises have no evidence bundle.")
    return pull_request
