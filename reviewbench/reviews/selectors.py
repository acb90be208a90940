"""Reads for the review pages: the pull requests a user sees, a revision's files and findings, and
its review state (checklist progress, approvals, the gate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from findings.models import ChangedFile, Finding, PullRequest, Repository, Revision
from reviewbench.access.selectors import AnyUser, pull_requests_for
from reviewbench.approvals.models import Approval
from reviewbench.approvals.selectors import (
    NeededException,
    approval_blocker,
    boundary_exceptions_for,
    missing_approvals,
    missing_approvals_text,
    policy_blocker,
    revision_approvals,
    revision_policy,
)
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.selectors import ANSWERED_ITEM, checklist_counts

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


def _count_subquery(queryset: QuerySet, group_field: str) -> Coalesce:
    counted = (
        queryset.order_by().values(group_field).annotate(total=Count("pk")).values("total")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def pull_requests_visible_to(user: AnyUser) -> QuerySet[PullRequest]:
    """Pull requests of the user's installations, annotated with their latest revision's state.
    Calibration exercises are listed on the calibration page, not among real pull requests."""
    latest = Revision.objects.filter(pull_request=OuterRef("pk")).order_by("-created_at", "-id")
    revision_ref = OuterRef("latest_revision_id")
    new_findings = Finding.objects.filter(revision_id=revision_ref, pre_existing=False)
    severity_counts = {
        f"findings_{severity}": _count_subquery(
            new_findings.filter(severity=severity), "revision_id"
        )
        for severity in SEVERITY_ORDER
    }
    items = ChecklistItem.objects.filter(revision_id=revision_ref)
    return (
        pull_requests_for(user)
        .exclude(repository__source=Repository.Source.CALIBRATION)
        .select_related("repository")
        .annotate(
            latest_revision_id=Subquery(latest.values("id")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_head_sha=Subquery(latest.values("head_sha")[:1]),
            latest_additions=Subquery(latest.values("additions")[:1]),
            latest_ai_added_lines=Subquery(latest.values("ai_added_lines")[:1]),
        )
        .annotate(
            **severity_counts,
            findings_total=_count_subquery(new_findings, "revision_id"),
            findings_confirmed=_count_subquery(
                new_findings.filter(triage=Finding.Triage.CONFIRMED), "revision_id"
            ),
            checklist_total=_count_subquery(items, "revision_id"),
            checklist_answered=_count_subquery(items.filter(ANSWERED_ITEM), "revision_id"),
            approvals_count=_count_subquery(
                Approval.objects.filter(revision_id=revision_ref), "revision_id"
            ),
        )
        .order_by("-updated_at", "-id")
    )


def latest_revision(pull_request: PullRequest) -> Revision | None:
    # The policy is joined so the page's "Review tier" box costs no extra query.
    return (
        Revision.objects.filter(pull_request=pull_request)
        .select_related("pull_request__repository", "policy")
        .order_by("-created_at", "-id")
        .first()
    )


def previous_revision(revision: Revision) -> Revision | None:
    """The revision of the same pull request analysed just before this one."""
    return (
        Revision.objects.filter(pull_request_id=revision.pull_request_id)
        .filter(
            Q(created_at__lt=revision.created_at)
            | Q(created_at=revision.created_at, id__lt=revision.id)
        )
        .exclude(pk=revision.pk)
        .order_by("-created_at", "-id")
        .first()
    )


def revision_files(revision: Revision) -> list[ChangedFile]:
    """Changed files with hunks and findings prefetched, for the diff view."""
    return list(
        ChangedFile.objects.filter(revision=revision)
        .prefetch_related(
            "hunks",
            Prefetch("findings", queryset=Finding.objects.order_by("line", "rule_id", "id")),
        )
        .order_by("position", "path")
    )


def revision_findings(revision: Revision) -> list[Finding]:
    return list(
        Finding.objects.filter(revision=revision)
        .select_related("triaged_by")
        .order_by("path", "line", "rule_id", "id")
    )


@dataclass(frozen=True)
class ReviewState:
    items_total: int
    items_answered: int
    approvals: tuple[Approval, ...]  # stale ones included, for display; they do not count
    can_approve: bool
    reason: str
    blocking_findings: tuple[Finding, ...] = field(default_factory=tuple)
    missing_count: int = 0
    missing_groups: tuple[str, ...] = ()
    policy_blocked: bool = False
    exceptions: tuple[NeededException, ...] = ()

    @property
    def checklist_complete(self) -> bool:
        return self.items_answered == self.items_total

    @property
    def valid_approvals(self) -> tuple[Approval, ...]:
        return tuple(approval for approval in self.approvals if not approval.stale)

    @property
    def stale_approvals(self) -> tuple[Approval, ...]:
        return tuple(approval for approval in self.approvals if approval.stale)

    @property
    def exceptions_pending(self) -> tuple[NeededException, ...]:
        return tuple(entry for entry in self.exceptions if not entry.granted)

    @property
    def missing_text(self) -> str:
        return missing_approvals_text(self.missing_count, self.missing_groups)

    @property
    def approved(self) -> bool:
        """The gate: checklist done, nothing confirmed, policy fine, every usage exception
        granted, every approval given."""
        return (
            self.checklist_complete
            and not self.blocking_findings
            and not self.policy_blocked
            and not self.exceptions_pending
            and self.missing_count == 0
            and not self.missing_groups
        )


def review_state(revision: Revision, user: AnyUser | None = None) -> ReviewState:
    """Checklist progress, approvals and, for a user, whether they may approve and why not."""
    counts = checklist_counts(revision)
    approvals = tuple(revision_approvals(revision))
    blocking = tuple(
        Finding.objects.filter(revision=revision, triage=Finding.Triage.CONFIRMED).order_by(
            "path", "line", "id"
        )
    )
    policy = revision_policy(revision)
    missing_count, missing_groups = missing_approvals(revision, approvals, policy=policy)
    reason = "" if user is None else (approval_blocker(revision=revision, user=user) or "")
    return ReviewState(
        items_total=counts.total,
        items_answered=counts.answered,
        approvals=approvals,
        can_approve=user is not None and not reason,
        reason=reason,
        blocking_findings=blocking,
        missing_count=missing_count,
        missing_groups=missing_groups,
        policy_blocked=policy_blocker(policy) is not None,
        exceptions=tuple(boundary_exceptions_for(revision, policy=policy)),
    )
