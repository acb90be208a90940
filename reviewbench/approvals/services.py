"""Writes of approvals: the revision's evaluated tier, approvals and their carry-over to a new push,
and usage-boundary exceptions (request, grant, refuse).

Every approval and exception decision writes an audit event and notifies the review-state
listeners after commit.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from findings.engine.analysis import DEFAULT_LIMITS, AnalysisLimits
from findings.models import ChangedFile, Finding, Hunk, PullRequest, Repository, Revision
from reviewbench.access.selectors import user_is_author, user_is_member
from reviewbench.approvals import selectors
from reviewbench.approvals.models import Approval, BoundaryException, GroupTeam, RevisionPolicy
from reviewbench.audit.services import audit_record
from reviewbench.notifications.services import notify_state_changed
from reviewbench.policy import (
    ChangedFileInput,
    FindingInput,
    HunkInput,
    Policy,
    PolicyError,
    policy_defaults_load,
    policy_evaluate,
    policy_load,
)
from reviewbench.text import one_line

logger = logging.getLogger(__name__)


AUDIT_ANSWER_LIMIT = 2000


EXCEPTION_REASON_MIN_LENGTH = 20


EXCEPTION_TEXT_MAX_LENGTH = 5000


class ApprovalDenied(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BoundaryExceptionDenied(Exception):
    """A usage-boundary exception may not be requested or decided (the message says why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


POLICY_ERROR_LIMIT = 2000


def _policy_inputs(
    revision: Revision,
) -> tuple[list[ChangedFileInput], list[HunkInput], list[FindingInput]]:
    # Only the columns the policy reads: a 1,000-file revision's hunk texts stay in the database.
    file_inputs = [
        ChangedFileInput(path=path, added_lines=additions)
        for path, additions in ChangedFile.objects.filter(revision=revision)
        .order_by("position", "path")
        .values_list("path", "additions")
    ]
    hunk_inputs = [
        HunkInput(path=path, authorship=authorship, added=added, hunk_index=index, start=start)
        for path, authorship, added, index, start in Hunk.objects.filter(
            changed_file__revision=revision
        )
        .order_by("changed_file__position", "changed_file__path", "index")
        .values_list("changed_file__path", "authorship", "added", "index", "target_start")
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


def policy_for_revision(*, revision: Revision) -> Policy:
    """The revision's policy: its base branch's `.reviewbench.yml` merged over the installation's
    defaults (or the built-in ones); raises PolicyError with the line of a bad file."""
    # The base branch's text only: a pull request cannot weaken its own rules.
    defaults = policy_defaults_load(selectors.installation_defaults_text(revision))
    return policy_load(revision.policy_text or None, defaults=defaults)


def repository_policy(*, repository: Repository) -> Policy:
    """The policy the repository's most recently analysed pull request ran under (its base
    branch's `.reviewbench.yml` over the installation's defaults); the defaults alone when none
    was analysed. Raises PolicyError for a broken file."""
    latest = (
        Revision.objects.filter(pull_request__repository=repository, status=Revision.Status.READY)
        .order_by("-created_at", "-pk")
        .values_list("policy_text", flat=True)
        .first()
    )
    defaults = policy_defaults_load(selectors.repository_defaults_text(repository))
    return policy_load(latest or None, defaults=defaults)


def analysis_limits_for(*, repository: Repository, policy_text: str | None) -> AnalysisLimits:
    """The analysis limits of the policy a pull request's base branch sets (merged over the
    installation's defaults); the built-in limits when that policy is broken (the check then
    fails with its error anyway)."""
    try:
        defaults = policy_defaults_load(selectors.repository_defaults_text(repository))
        limits = policy_load(policy_text or None, defaults=defaults).limits
    except PolicyError:
        return DEFAULT_LIMITS
    return AnalysisLimits(
        max_files=limits.max_files,
        max_file_bytes=limits.max_file_bytes,
        scanner_seconds=float(limits.scanner_seconds),
    )


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
        "min_catch_rate": None,
        "reasons": [],
        "boundary_violations": [],
        "exceptions_needed": [],
        "error": "",
        "error_line": None,
    }
    try:
        policy = policy_for_revision(revision=revision)
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
            min_catch_rate=result.min_catch_rate,
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
        audit_record(
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


@transaction.atomic
def revision_approve(*, revision: Revision, user: User) -> Approval:
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
    audit_record(
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


def _exception_revision(pull_request: PullRequest) -> Revision:
    """The pull request's latest revision, which must be its ready head: the exceptions it needs
    are the only ones that can be requested or decided."""
    revision = (
        Revision.objects.filter(pull_request=pull_request).order_by("-created_at", "-id").first()
    )
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
    *, pull_request: PullRequest, path: str, group: str, user: User, reason: str
) -> BoundaryException:
    """Ask the named group for an exception for AI-written code on a path (idempotent per PR,
    path and group; a refused one goes back to requested); raises BoundaryExceptionDenied."""
    # Lock the pull request: requests and decisions on it serialise, so the upsert cannot race.
    pull_request = (
        PullRequest.objects.select_for_update(of=("self",))
        .select_related("repository")
        .get(pk=pull_request.pk)
    )
    if not user_is_member(user=user, repository=pull_request.repository):
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
    audit_record(
        revision=revision, actor=user, action="boundary.exception_requested", details=details
    )
    notify_state_changed(revision=revision)
    logger.info(
        "reviews.boundary_exception.requested",
        extra={"exception_id": exception.pk, "user_id": user.pk, "re_request": bool(previous)},
    )
    return exception


@transaction.atomic
def boundary_exception_decide(
    *, exception: BoundaryException, user: User, grant: bool, note: str
) -> BoundaryException:
    """Grant or refuse a requested exception as a member of its group who is neither the author
    nor the requester (a refusal needs a note); raises BoundaryExceptionDenied."""
    pull_request = (
        PullRequest.objects.select_for_update(of=("self",))
        .select_related("repository")
        .get(pk=exception.pull_request_id)
    )
    exception = BoundaryException.objects.get(pk=exception.pk)
    if not user_is_member(user=user, repository=pull_request.repository):
        raise BoundaryExceptionDenied("You are not a member of an installation of this repository.")
    if not user.groups.filter(name=exception.group).exists():
        raise BoundaryExceptionDenied(
            f"Only a member of the group {one_line(exception.group, 150)} can decide this "
            "exception."
        )
    if user_is_author(user=user, pull_request=pull_request):
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
    audit_record(
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


@transaction.atomic
def group_member_set(*, group: Group, user: User, member: bool, actor: User) -> Group:
    """Add `user` to or remove them from an approval group (staff, through the API or admin)."""
    if member:
        group.user_set.add(user)
    else:
        group.user_set.remove(user)
    logger.info(
        "approvals.group.member_added" if member else "approvals.group.member_removed",
        extra={"group": group.name, "user_id": user.pk, "actor_id": actor.pk},
    )
    return group


def _team_matches(slug: str, teams: frozenset[str]) -> bool:
    # "org/slug" names one team; a bare "slug" matches that team in any organisation.
    slug = slug.strip().casefold()
    return slug in teams if "/" in slug else any(t.split("/", 1)[-1] == slug for t in teams)


@transaction.atomic
def groups_sync_from_teams(*, user: User, teams: set[str] | frozenset[str]) -> list[str]:
    """Make the user's membership of every approval group mapped to GitHub teams follow those
    teams (`teams` as "org/slug"); groups without a mapping are left alone. Returns the user's
    mapped groups after the sync."""
    wanted = frozenset(team.casefold() for team in teams)
    joined = []
    for mapping in GroupTeam.objects.select_related("group"):
        if not mapping.team_slugs:
            continue
        member = any(_team_matches(str(slug), wanted) for slug in mapping.team_slugs or ())
        if member:
            mapping.group.user_set.add(user)
            joined.append(mapping.group.name)
        else:
            mapping.group.user_set.remove(user)
    logger.info("approvals.groups.synced", extra={"user_id": user.pk, "groups": joined})
    return sorted(joined)
