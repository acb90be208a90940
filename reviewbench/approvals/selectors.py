"""Reads of approvals: the evaluated tier and what blocks it, usage-boundary exceptions needed and
their state, the approve gate, and approvals given and still missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from findings.models import Finding, Repository, Revision
from reviewbench.access.selectors import (
    AnyUser,
    repository_access,
    user_group_names,
    user_is_author,
    user_is_member,
)
from reviewbench.approvals.models import Approval, BoundaryException, RevisionPolicy
from reviewbench.calibration.selectors import CATCH_RATE_WINDOW, catch_rate
from reviewbench.checklist.selectors import checklist_counts
from reviewbench.text import one_line


def installation_defaults_text(revision: Revision) -> str:
    """The installation's policy defaults for the revision's repository ("" for the built-in)."""
    return repository_defaults_text(revision.pull_request.repository)


def repository_defaults_text(repository: Repository) -> str:
    """The policy defaults of the installation a repository belongs to ("" for the built-in)."""
    # Through the reverse relation: the workflow layer never imports the GitHub edge.
    texts = (
        repository.installations.exclude(policy_defaults="")
        .order_by("pk")
        .values_list("policy_defaults", flat=True)
    )
    return next((text for text in texts if text.strip()), "")


def policy_version(revision: Revision) -> dict[str, str]:
    """Which policy text decided the revision's tier: SHA-256 of the base branch's
    `.reviewbench.yml` and of the installation defaults it was merged over ("" when built-in)."""

    def digest(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest() if text else ""

    defaults = installation_defaults_text(revision)
    return {
        "policy_file_sha256": digest(revision.policy_text),
        "defaults_sha256": digest(defaults),
        "source": "base branch .reviewbench.yml" if revision.policy_text else "defaults only",
    }


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


@dataclass(frozen=True)
class NeededExceptionForUser:
    """A needed exception and what this user may do with it on the page."""

    needed: NeededException
    can_request: bool
    can_decide: bool


def boundary_exceptions_for_user(
    *, revision: Revision, user: AnyUser, needed: list[NeededException] | None = None
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


def calibration_blocker(policy: RevisionPolicy | None, user: User) -> str | None:
    """Why the user's calibration falls short of the tier's `approvals.min_catch_rate`, or None."""
    if policy is None or policy.min_catch_rate is None:
        return None
    wanted, tier = policy.min_catch_rate, policy.tier
    measured = catch_rate(user)
    if measured.rate is None:
        return (
            f"Tier {tier} wants approvers who caught at least {wanted:.0%} of the planted flaws "
            f"in their recent calibration exercises; you have not submitted one yet "
            "(Calibration page)."
        )
    if measured.rate < wanted:
        return (
            f"Tier {tier} wants approvers who caught at least {wanted:.0%} of the planted flaws "
            f"in their last {CATCH_RATE_WINDOW} calibration exercises; you caught "
            f"{measured.caught} of {measured.total} ({measured.rate:.0%}) in {measured.attempts}."
        )
    return None


def approval_blocker(*, revision: Revision, user: AnyUser) -> str | None:
    """Why this user may not approve this revision now, or None when they may."""
    pull_request = revision.pull_request
    if pull_request.repository.source == Repository.Source.CALIBRATION:
        return "A calibration exercise is practice: it is scored, never approved or merged."
    if revision.status == Revision.Status.SUPERSEDED:
        return "This revision was superseded by a newer push; review the latest revision."
    if revision.status != Revision.Status.READY:
        return f"This revision is {revision.get_status_display().lower()}, not ready for review."
    if pull_request.head_sha != revision.head_sha:
        return "This revision is not the pull request's current head."
    access = repository_access(user=user, repository=pull_request.repository)
    if not isinstance(user, User) or not access.member:
        return "You are not a member of an installation of this repository."
    if access.write_blocker is not None:
        return access.write_blocker
    if user_is_author(user=user, pull_request=pull_request):
        return "The author of a pull request cannot approve it."
    policy = revision_policy(revision)
    blocked = policy_blocker(policy) or exception_blocker(
        boundary_exceptions_for(revision, policy=policy)
    )
    if blocked is not None:
        return blocked
    # Before the checklist: a reviewer the tier does not trust yet learns it before answering.
    calibration = calibration_blocker(policy, user)
    if calibration is not None:
        return calibration
    counts = checklist_counts(revision)
    if counts.total == 0 and (
        revision.files.exists() or revision.findings.filter(pre_existing=False).exists()
    ):
        return "The checklist for this revision has not been prepared yet."
    if counts.answered < counts.total:
        missing = counts.total - counts.answered
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
