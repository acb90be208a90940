"""Reads for the review workflow: what a user may see, a revision's review state, its check report.

Tenancy is one filter, `repository__installations__members=user`; a pull request outside it is
indistinguishable from one that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse

from findings.models import ChangedFile, Finding, PullRequest, Repository, Revision
from reviewbench.reviews.checklist import SECTION_OF_KIND, SECTIONS
from reviewbench.reviews.models import (
    Approval,
    BoundaryException,
    ChecklistItem,
    ReviewerProfile,
    RevisionPolicy,
)
from reviewbench.reviews.report import Annotation, CheckReport
from reviewbench.reviews.text import markdown_escape, one_line

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
# Every kind but triage is answered by a reviewer's text; a triage item by its finding's decision.
ANSWERED_ITEM = (~Q(kind=ChecklistItem.Kind.TRIAGE) & Q(answered_at__isnull=False)) | (
    Q(kind=ChecklistItem.Kind.TRIAGE, finding__isnull=False)
    & ~Q(finding__triage=Finding.Triage.OPEN)
)

SUMMARY_LIMIT = 65_535
SUMMARY_FINDING_ROWS = 200
ANNOTATION_MESSAGE_LIMIT = 60_000
ANNOTATION_TITLE_LIMIT = 250
POLICY_ERROR_DISPLAY_LIMIT = 2000
TITLE_LIMIT = 250
POLICY_ERROR_DISPLAY_LIMIT = 2000


# --- who may see what ------------------------------------------------------------------------


def _count_subquery(queryset: QuerySet, group_field: str) -> Coalesce:
    counted = (
        queryset.order_by().values(group_field).annotate(total=Count("pk")).values("total")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def pull_requests_visible_to(user: AbstractBaseUser) -> QuerySet[PullRequest]:
    """Pull requests of the user's installations, annotated with their latest revision's state."""
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
        PullRequest.objects.filter(repository__installations__members=user)
        .distinct()
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


def pull_request_for_user(
    *, user: AbstractBaseUser, owner: str, name: str, number: int
) -> PullRequest:
    """The pull request if the user may see it; Http404 when missing or another tenant's."""
    pull_request = (
        PullRequest.objects.filter(
            repository__installations__members=user,
            repository__full_name=f"{owner}/{name}",
            number=number,
        )
        .select_related("repository")
        .distinct()
        .first()
    )
    if pull_request is None:
        raise Http404("No such pull request.")
    return pull_request


def user_is_member(*, user: AbstractBaseUser, repository: Repository) -> bool:
    if not user.is_authenticated:
        return False
    return Repository.objects.filter(pk=repository.pk, installations__members=user).exists()


def user_is_author(*, user: AbstractBaseUser, pull_request: PullRequest) -> bool:
    """True when the user's GitHub login (or username) is the pull request's author, any case."""
    author = pull_request.author_login.strip().casefold()
    if not author:
        return False
    logins = {user.get_username().casefold()}
    profile = ReviewerProfile.objects.filter(user=user).first()
    if profile is not None and profile.github_login:
        logins.add(profile.github_login.strip().casefold())
    return author in logins


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


def revision_to_carry_from(revision: Revision) -> Revision | None:
    """The latest earlier revision of the same pull request that has answered checklist items
    (a failed push in between has no checklist and must not break the carry-over)."""
    return (
        Revision.objects.filter(pull_request_id=revision.pull_request_id)
        .filter(
            Q(created_at__lt=revision.created_at)
            | Q(created_at=revision.created_at, id__lt=revision.id)
        )
        .exclude(pk=revision.pk)
        .filter(checklist_items__answered_at__isnull=False)
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class ChecklistSection:
    name: str
    title: str
    items: tuple[ChecklistItem, ...]

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items if item.is_answered)

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 100


def checklist_sections(items: list[ChecklistItem]) -> list[ChecklistSection]:
    """The loaded checklist split into its four sections, in order (empty ones left out)."""
    grouped: dict[str, list[ChecklistItem]] = {name: [] for name, _title in SECTIONS}
    for item in items:
        grouped[SECTION_OF_KIND.get(item.kind, "comprehension")].append(item)
    return [
        ChecklistSection(name=name, title=title, items=tuple(grouped[name]))
        for name, title in SECTIONS
        if grouped[name]
    ]


def checklist_item_for_pull_request(
    *, pull_request: PullRequest, item_id: int
) -> ChecklistItem | None:
    """One checklist item of the pull request, with what its partial shows joined."""
    return (
        ChecklistItem.objects.filter(pk=item_id, revision__pull_request=pull_request)
        .select_related("finding", "changed_file", "answered_by", "revision__pull_request")
        .first()
    )


def revision_checklist(revision: Revision) -> list[ChecklistItem]:
    """The revision's checklist, in order, with findings, files and answerers joined."""
    return list(
        ChecklistItem.objects.filter(revision=revision)
        .select_related("finding", "changed_file", "answered_by")
        .order_by("position", "id")
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


# --- the policy ---------------------------------------------------------------------------------


def revision_policy(revision: Revision) -> RevisionPolicy | None:
    """The revision's evaluated policy, or None when it has not been evaluated."""
    # A row joined by select_related("policy") (latest_revision) saves the page a query; the
    # approve service loads its revision fresh under a lock, so the gate always reads the table.
    if Revision.policy.is_cached(revision):
        try:
            return revision.policy
        except RevisionPolicy.DoesNotExist:
            return None
    return RevisionPolicy.objects.filter(revision_id=revision.pk).first()


def policy_error_text(policy: RevisionPolicy) -> str:
    """The stored policy error as "line N: message", the form the check run and the page show."""
    return f"line {policy.error_line}: {policy.error}" if policy.error_line else policy.error


def policy_blocker(policy: RevisionPolicy | None) -> str | None:
    """Why the policy itself forbids approval (invalid file, prohibited AI code), or None."""
    if policy is None:
        return None
    if policy.error:
        return (
            "The review policy (.reviewbench.yml on the base branch) is invalid: "
            f"{one_line(policy_error_text(policy), 500)}. Fix it on the base branch first."
        )
    count = len(policy.boundary_violations)
    if count:
        return (
            f"{count} AI-written hunk{'s are' if count != 1 else ' is'} on a path where the "
            "review policy prohibits AI-written code; remove or rewrite "
            f"{'them' if count != 1 else 'it'} in a new push."
        )
    return None


# --- usage-boundary exceptions -------------------------------------------------------------------

_UNSET_POLICY: Any = object()
EXCEPTION_STATE_NOT_REQUESTED = "not_requested"


@dataclass(frozen=True)
class NeededException:
    """One (path, group) the revision's policy needs an exception for, with its row if any."""

    path: str
    group: str
    exception: BoundaryException | None

    @property
    def state(self) -> str:
        return self.exception.state if self.exception is not None else EXCEPTION_STATE_NOT_REQUESTED

    @property
    def granted(self) -> bool:
        return self.state == BoundaryException.State.GRANTED

    @property
    def state_text(self) -> str:
        return self.state.replace("_", " ")


def boundary_exceptions_for(
    revision: Revision, *, policy: RevisionPolicy | None = _UNSET_POLICY
) -> list[NeededException]:
    """Each exception the revision's policy needs, paired with the pull request's row (one query).

    Rows are per pull request and path, so a grant given on an earlier push still counts.
    """
    if policy is _UNSET_POLICY:
        policy = revision_policy(revision)
    if policy is None or policy.error or not policy.exceptions_needed:
        return []
    rows = {
        (row.path, row.group): row
        for row in BoundaryException.objects.filter(
            pull_request_id=revision.pull_request_id
        ).select_related("requested_by", "decided_by")
    }
    needed = []
    for entry in policy.exceptions_needed:
        path, group = str(entry["path"]), str(entry["group"])
        needed.append(NeededException(path=path, group=group, exception=rows.get((path, group))))
    return needed


def exception_blocker(needed: list[NeededException]) -> str | None:
    """Why approval waits for a usage-boundary exception (the first one not granted), or None."""
    for entry in needed:
        if not entry.granted:
            return (
                f"AI-written code on {one_line(entry.path, 300)} needs an exception from "
                f"{one_line(entry.group, 150)}: {entry.state_text}"
            )
    return None


def user_group_names(user: AbstractBaseUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    return frozenset(user.groups.values_list("name", flat=True))


@dataclass(frozen=True)
class NeededExceptionForUser:
    """A needed exception and what this user may do with it on the page."""

    needed: NeededException
    can_request: bool
    can_decide: bool


def boundary_exceptions_for_user(
    *, revision: Revision, user: AbstractBaseUser, needed: list[NeededException] | None = None
) -> list[NeededExceptionForUser]:
    """The needed exceptions with the user's request/decide rights (mirrors the services' rules)."""
    if needed is None:
        needed = boundary_exceptions_for(revision)
    if not needed:
        return []
    pull_request = revision.pull_request
    member = user_is_member(user=user, repository=pull_request.repository)
    author = member and user_is_author(user=user, pull_request=pull_request)
    groups = user_group_names(user) if member else frozenset()
    is_head = (
        revision.status == Revision.Status.READY and pull_request.head_sha == revision.head_sha
    )
    rows = []
    for entry in needed:
        row = entry.exception
        can_request = (
            member
            and is_head
            and entry.state in (EXCEPTION_STATE_NOT_REQUESTED, BoundaryException.State.REFUSED)
        )
        can_decide = (
            member
            and is_head
            and not author
            and row is not None
            and row.state == BoundaryException.State.REQUESTED
            and row.requested_by_id != user.pk
            and entry.group in groups
        )
        rows.append(
            NeededExceptionForUser(needed=entry, can_request=can_request, can_decide=can_decide)
        )
    return rows


# --- the approve gate --------------------------------------------------------------------------


def approval_blocker(*, revision: Revision, user: AbstractBaseUser) -> str | None:
    """Why this user may not approve this revision now, or None when they may."""
    pull_request = revision.pull_request
    if revision.status == Revision.Status.SUPERSEDED:
        return "This revision was superseded by a newer push; review the latest revision."
    if revision.status != Revision.Status.READY:
        return f"This revision is {revision.get_status_display().lower()}, not ready for review."
    if pull_request.head_sha != revision.head_sha:
        return "This revision is not the pull request's current head."
    if not user_is_member(user=user, repository=pull_request.repository):
        return "You are not a member of an installation of this repository."
    if user_is_author(user=user, pull_request=pull_request):
        return "The author of a pull request cannot approve it."
    policy = revision_policy(revision)
    blocked = policy_blocker(policy) or exception_blocker(
        boundary_exceptions_for(revision, policy=policy)
    )
    if blocked is not None:
        return blocked
    items = ChecklistItem.objects.filter(revision=revision)
    counts = items.aggregate(total=Count("pk"), answered=Count("pk", filter=ANSWERED_ITEM))
    if counts["total"] == 0 and (
        revision.files.exists() or revision.findings.filter(pre_existing=False).exists()
    ):
        return "The checklist for this revision has not been prepared yet."
    if counts["answered"] < counts["total"]:
        missing = counts["total"] - counts["answered"]
        return f"{missing} checklist item{'s' if missing != 1 else ''} still to answer."
    confirmed = revision.findings.filter(triage=Finding.Triage.CONFIRMED).count()
    if confirmed:
        return (
            f"{confirmed} finding{'s are' if confirmed != 1 else ' is'} confirmed; "
            "a confirmed finding must be fixed by a new push."
        )
    # A stale approval (the push changed what it covered) does not count: its owner re-approves.
    if Approval.objects.filter(revision=revision, user=user, stale=False).exists():
        return "You have already approved this revision."
    return None


# --- approvals required and given ----------------------------------------------------------------


def revision_approvals(revision: Revision) -> list[Approval]:
    """Every approval of the revision (stale ones included), oldest first, with users joined."""
    return list(
        Approval.objects.filter(revision=revision)
        .select_related("user")
        .order_by("created_at", "id")
    )


_UNSET: Any = object()


def missing_approvals(
    revision: Revision,
    approvals: list[Approval] | tuple[Approval, ...] | None = None,
    *,
    policy: RevisionPolicy | None = _UNSET,
) -> tuple[int, tuple[str, ...]]:
    """(approvals still needed, required groups no non-stale approver belongs to).

    The count is at least 1 while a group is missing: someone from it still has to approve.
    Without an evaluated policy one approval from anyone is required.
    """
    if policy is _UNSET:
        policy = revision_policy(revision)
    required = policy.required_approvals if policy is not None and not policy.error else 1
    groups = list(policy.required_groups) if policy is not None and not policy.error else []
    if approvals is None:
        approvals = revision_approvals(revision)
    valid = [approval for approval in approvals if not approval.stale]
    given_groups = {group for approval in valid for group in (approval.groups or ())}
    groups_missing = tuple(group for group in groups if group not in given_groups)
    count = max(required - len(valid), 0)
    if groups_missing:
        count = max(count, 1)
    return count, groups_missing


def _groups_text(groups: tuple[str, ...]) -> str:
    if len(groups) == 1:
        return f"one from {groups[0]}"
    return f"one from each of {', '.join(groups)}"


def missing_approvals_text(count: int, groups: tuple[str, ...]) -> str:
    """ "1 more approval, one from security"; empty when nothing is missing."""
    if not count:
        return ""
    text = f"{count} more approval{'s' if count != 1 else ''}"
    return f"{text}, {_groups_text(groups)}" if groups else text


def awaiting_text(count: int, groups: tuple[str, ...]) -> str:
    """The check title's part: "awaiting 1 approval from security"; empty when none is missing."""
    if not count:
        return ""
    text = f"awaiting {count} approval{'s' if count != 1 else ''}"
    if not groups:
        return text
    if count == 1 and len(groups) == 1:
        return f"{text} from {groups[0]}"
    return f"{text}, {_groups_text(groups)}"


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


def review_state(revision: Revision, user: AbstractBaseUser | None = None) -> ReviewState:
    """Checklist progress, approvals and, for a user, whether they may approve and why not."""
    counts = ChecklistItem.objects.filter(revision=revision).aggregate(
        total=Count("pk"), answered=Count("pk", filter=ANSWERED_ITEM)
    )
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
        items_total=counts["total"],
        items_answered=counts["answered"],
        approvals=approvals,
        can_approve=user is not None and not reason,
        reason=reason,
        blocking_findings=blocking,
        missing_count=missing_count,
        missing_groups=missing_groups,
        policy_blocked=policy_blocker(policy) is not None,
        exceptions=tuple(boundary_exceptions_for(revision, policy=policy)),
    )


# --- the check report ---------------------------------------------------------------------------


def _annotation_level(severity: str) -> str:
    if severity in ("critical", "high"):
        return "failure"
    if severity == "medium":
        return "warning"
    return "notice"


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _findings_table(findings: list[Finding]) -> list[str]:
    lines = [
        "| Severity | Rule | CWE | Location | Triage |",
        "| --- | --- | --- | --- | --- |",
    ]
    for finding in findings[:SUMMARY_FINDING_ROWS]:
        cwe = f"CWE-{finding.cwe}" if finding.cwe else "-"
        location = markdown_escape(one_line(f"{finding.path}:{finding.line}", 300))
        rule = markdown_escape(one_line(finding.rule_id, 128))
        title = markdown_escape(one_line(finding.title, 200))
        lines.append(
            f"| {finding.get_severity_display()} | {rule}: {title} | {cwe} | {location} "
            f"| {finding.get_triage_display()} |"
        )
    if len(findings) > SUMMARY_FINDING_ROWS:
        lines.append("")
        lines.append(f"…and {len(findings) - SUMMARY_FINDING_ROWS} more findings in ReviewBench.")
    return lines


def _code_block(text: str) -> list[str]:
    """Text shown exactly as is: the fence is longer than any backtick run inside, so it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def _policy_section(policy: RevisionPolicy | None) -> list[str]:
    """The summary's policy part: the error, the boundary violations, and the tier and why."""
    if policy is None:
        return ["### Review tier", "The review policy has not been evaluated for this revision."]
    if policy.error:
        where = f" at line {policy.error_line}" if policy.error_line else ""
        return [
            "### Invalid .reviewbench.yml",
            f"The review policy on the base branch is invalid{where}; fix it there "
            "(a pull request cannot change its own review rules):",
            "",
            *_code_block(one_line(policy_error_text(policy), POLICY_ERROR_DISPLAY_LIMIT)),
        ]
    lines: list[str] = []
    violations = policy.boundary_violations
    if violations:
        lines += [
            "### Usage boundary violations",
            "AI-written code on paths where the review policy prohibits it:",
        ]
        for violation in violations[:SUMMARY_FINDING_ROWS]:
            lines.append(
                f"- {markdown_escape(one_line(violation['path'], 300))}, "
                f"{markdown_escape(one_line(violation['hunk'], 200))}: "
                f"{markdown_escape(one_line(violation['rule'], 400))}"
            )
        if len(violations) > SUMMARY_FINDING_ROWS:
            lines.append(f"- and {len(violations) - SUMMARY_FINDING_ROWS} more hunks")
        lines.append("")
    count = policy.required_approvals
    groups = ", ".join(markdown_escape(one_line(group, 150)) for group in policy.required_groups)
    lines += [
        "### Review tier",
        f"Tier **{markdown_escape(one_line(policy.tier, 100))}** (level {policy.level}): "
        f"{count} approval{'s' if count != 1 else ''}"
        + (f", including one from each of: {groups}" if groups else "")
        + (f"; SLA {policy.sla_hours} hours." if policy.sla_hours else "."),
    ]
    if policy.reasons:
        lines += ["", "Why:"]
        lines += [
            f"- {markdown_escape(one_line(reason['text'], 600))}"
            for reason in policy.reasons[:SUMMARY_FINDING_ROWS]
        ]
    return lines


def _user_text(user: AbstractBaseUser | None) -> str:
    return markdown_escape(one_line(user.get_username(), 100)) if user is not None else "someone"


def _exceptions_section(needed: tuple[NeededException, ...]) -> list[str]:
    """Each usage-boundary exception the policy needs and where it stands."""
    if not needed:
        return []
    lines = [
        "",
        "### Usage exceptions",
        "AI-written code on these paths needs an exception granted by the named group:",
    ]
    for entry in needed[:SUMMARY_FINDING_ROWS]:
        where = (
            f"- {markdown_escape(one_line(entry.path, 300))} "
            f"(exception from {markdown_escape(one_line(entry.group, 150))}): "
        )
        row = entry.exception
        if row is None:
            lines.append(where + "needed, not requested")
        elif row.state == BoundaryException.State.REQUESTED:
            lines.append(
                where + f"requested by {_user_text(row.requested_by)} "
                f"({markdown_escape(one_line(row.reason, 400))})"
            )
        elif row.state == BoundaryException.State.GRANTED:
            lines.append(where + f"granted by {_user_text(row.decided_by)}")
        else:
            lines.append(
                where + f"refused by {_user_text(row.decided_by)} "
                f"({markdown_escape(one_line(row.decision_note, 400))})"
            )
    if len(needed) > SUMMARY_FINDING_ROWS:
        lines.append(f"- and {len(needed) - SUMMARY_FINDING_ROWS} more paths")
    return lines


def _approver_text(approval: Approval) -> str:
    name = markdown_escape(one_line(approval.user.get_username(), 100))
    groups = ", ".join(markdown_escape(one_line(g, 150)) for g in (approval.groups or ())[:20])
    return f"{name} ({groups})" if groups else name


def _approvals_section(state: ReviewState) -> list[str]:
    """Approvals given (non-stale, with groups), stale ones, and who is still missing."""
    valid = state.valid_approvals
    lines = [
        f"Approved by {', '.join(_approver_text(a) for a in valid)}."
        if valid
        else "No approvals yet."
    ]
    stale = state.stale_approvals
    if stale:
        lines.append(
            f"Stale (the push changed hunks this approval covered): "
            f"{', '.join(_approver_text(a) for a in stale)}."
        )
    missing = state.missing_text
    if missing:
        escaped_groups = tuple(markdown_escape(one_line(g, 150)) for g in state.missing_groups)
        lines.append(
            f"Still missing: {missing_approvals_text(state.missing_count, escaped_groups)}."
        )
    return lines


def check_report_for_revision(*, revision: Revision) -> CheckReport:
    """What the ReviewBench check run for this revision should say."""
    pull_request = revision.pull_request
    repository = pull_request.repository
    owner, _, name = repository.full_name.partition("/")
    details_path = reverse(
        "reviews:pull_request_detail",
        kwargs={"owner": owner, "name": name, "number": pull_request.number},
    )
    link = f"[Open this review in ReviewBench]({settings.REVIEWBENCH_BASE_URL}{details_path})"
    heading = (
        f"## ReviewBench: {markdown_escape(one_line(repository.full_name, 200))}"
        f"#{pull_request.number} at `{revision.head_sha[:12]}`"
    )

    def report(status: str, conclusion: str | None, title: str, body: list[str], **extra):
        summary = "\n".join([heading, "", *body, "", link])
        if len(summary) > SUMMARY_LIMIT:
            cut = SUMMARY_LIMIT - len(link) - 40
            summary = summary[:cut] + "\n\n…(summary truncated)\n\n" + link
        return CheckReport(
            status=status,
            conclusion=conclusion,
            title=_bounded(one_line(title, TITLE_LIMIT), TITLE_LIMIT),
            summary=summary,
            details_path=details_path,
            **extra,
        )

    if revision.status in (Revision.Status.QUEUED, Revision.Status.ANALYZING):
        return report(
            "in_progress", None, "Analysis in progress", ["ReviewBench is analysing this push."]
        )
    if revision.status == Revision.Status.FAILED:
        reason = markdown_escape(one_line(revision.status_reason or "no reason recorded", 2000))
        return report("completed", "failure", "Analysis failed", [f"**Analysis failed:** {reason}"])
    if revision.status == Revision.Status.SUPERSEDED:
        return report(
            "completed",
            None,
            "Superseded by a newer push",
            ["This revision was superseded by a newer push and is not reviewed."],
            publishable=False,
        )

    policy = revision_policy(revision)
    findings = sorted(
        (f for f in revision_findings(revision) if not f.pre_existing),
        key=lambda f: (-Finding.SEVERITY_RANK.get(f.severity, -1), f.path, f.line, f.id),
    )
    state = review_state(revision)
    confirmed = [f for f in findings if f.triage == Finding.Triage.CONFIRMED]
    open_findings = [f for f in findings if f.triage == Finding.Triage.OPEN]
    progress = f"checklist {state.items_answered}/{state.items_total}"
    violations = policy.boundary_violations if policy is not None and not policy.error else []
    awaiting = awaiting_text(state.missing_count, state.missing_groups)
    if policy is not None and policy.error:
        conclusion = "failure"
        title = "Invalid .reviewbench.yml"
    elif violations:
        conclusion = "failure"
        n = len(violations)
        title = f"{n} AI-written hunk{'s' if n != 1 else ''} on a prohibited path · {progress}"
    elif confirmed:
        conclusion = "failure"
        n = len(confirmed)
        title = f"{n} confirmed finding{'s' if n != 1 else ''} to fix · {progress}"
    elif state.approved:
        conclusion = "success"
        names = ", ".join(a.user.get_username() for a in state.valid_approvals)
        title = f"Approved by {names} · {progress}" if names else f"Approved · {progress}"
    else:
        conclusion = "action_required"
        n = len(open_findings)
        parts = [f"{n} finding{'s' if n != 1 else ''} to triage"] if n else []
        pending = len(state.exceptions_pending)
        if pending:
            parts.append(f"{pending} usage exception{'s' if pending != 1 else ''} pending")
        title = " · ".join([*parts, progress, *([awaiting] if awaiting else [])])

    body: list[str] = [f"**{markdown_escape(one_line(title, TITLE_LIMIT))}**", ""]
    body += _policy_section(policy)
    body += _exceptions_section(state.exceptions)
    body += ["", "### Findings"]
    body += _findings_table(findings) if findings else ["No new findings."]
    not_analysed = list(
        ChangedFile.objects.filter(revision=revision)
        .exclude(analysis=ChangedFile.Analysis.ANALYSED)
        .order_by("position", "path")
    )
    if not_analysed:
        body += ["", "### Files not analysed"]
        for changed in not_analysed[:SUMMARY_FINDING_ROWS]:
            note = changed.analysis_note or changed.get_analysis_display()
            body.append(
                f"- {markdown_escape(one_line(changed.path, 300))}: "
                f"{markdown_escape(one_line(note, 300))}"
            )
    body += ["", "### Checklist", f"{state.items_answered} of {state.items_total} items answered."]
    body += ["", "### Approvals", *_approvals_section(state)]

    annotations = tuple(
        Annotation(
            path=f.path,
            start_line=max(f.line, 1),
            end_line=max(f.end_line, f.line, 1),
            annotation_level=_annotation_level(f.severity),
            title=_bounded(one_line(f"{f.rule_id}: {f.title}", ANNOTATION_TITLE_LIMIT), 255),
            message=_bounded(
                f.message + (f"\n\n{f.guidance}" if f.guidance else ""), ANNOTATION_MESSAGE_LIMIT
            ),
        )
        for f in findings
    )
    return report("completed", conclusion, title, body, annotations=annotations)


__all__ = [
    "ChecklistSection",
    "NeededException",
    "NeededExceptionForUser",
    "ReviewState",
    "approval_blocker",
    "awaiting_text",
    "boundary_exceptions_for",
    "boundary_exceptions_for_user",
    "check_report_for_revision",
    "checklist_item_for_pull_request",
    "checklist_sections",
    "exception_blocker",
    "latest_revision",
    "missing_approvals",
    "missing_approvals_text",
    "policy_blocker",
    "policy_error_text",
    "previous_revision",
    "pull_request_for_user",
    "pull_requests_visible_to",
    "review_state",
    "revision_approvals",
    "revision_checklist",
    "revision_files",
    "revision_findings",
    "revision_policy",
    "revision_to_carry_from",
    "user_group_names",
    "user_is_author",
    "user_is_member",
]
