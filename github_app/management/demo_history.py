"""Thirty days of review history for the demo, so the queue's charts and SLA figures show numbers
on a fresh `make run` (issue 16.5).

Each past pull request goes through the same code a real one does: the review pipeline analyses a
branch of the demo repository, reviewers triage its findings, answer its checklist and approve
it through the services the UI calls, and the SLA sweep notifies the breaches. Only one thing is
demo-only: once a pull request has been reviewed, its records are moved back in time (the
arrival by `days_ago`, the review a further `hours_to_review`), because the services stamp
everything with the present.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from findings.models import Finding, PullRequest, Revision
from github_app.management.demo_repository import PULL_REQUESTS
from github_app.management.local_review import local_pull_request_review
from reviewbench.approvals.models import Approval, RevisionPolicy
from reviewbench.approvals.selectors import missing_approvals
from reviewbench.approvals.services import revision_approve
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.queue.services import sla_breaches_notify
from reviewbench.reviews.services import review_finding_triage, review_item_answer

REPOSITORY = "acme/shop"
WORKSPACE = "demo"


@dataclass(frozen=True)
class PastReview:
    number: int
    branch: int  # which of the demo repository's branches the pull request carries
    title: str
    days_ago: float
    hours_to_review: float  # from ready to the last approval (or to the reviewer's triage)
    approved: bool  # False: still waiting (a confirmed finding, or nobody got to it)


# Spread over four weeks and the three tiers the default policy picks for the branches (#1 is
# ai-heavy, #2 sensitive, #3 standard); two still wait, past their SLA.
HISTORY: tuple[PastReview, ...] = (
    PastReview(101, 2, "Type the invoice totals", 29, 5, True),
    PastReview(102, 0, "Search orders by customer", 27, 30, True),
    PastReview(103, 1, "Import carts from the old shop", 26, 20, True),
    PastReview(104, 2, "Type the refund lookup", 23, 2, True),
    PastReview(105, 0, "Export receipts as PDF", 20, 52, True),
    PastReview(106, 1, "Migrate legacy password hashes", 18, 40, True),
    PastReview(107, 2, "Type the customer record", 15, 8, True),
    PastReview(108, 0, "Add an order search endpoint", 12, 26, True),
    PastReview(109, 1, "Restore saved sessions", 9, 14, False),
    PastReview(110, 2, "Type the shipping rates", 6, 3, True),
    PastReview(111, 0, "Receipt export for admins", 4, 0, False),
    PastReview(112, 1, "Load carts from backups", 2, 30, True),
)

_ASSUMPTION_ANSWER = (
    "Verified by reading the call sites: every caller passes a value it built itself, and the "
    "tests of this module exercise the empty and the oversized case."
)


def demo_history_load(
    *, repo_path: Path, reviewers: Sequence[User], history: Sequence[PastReview] = HISTORY
) -> list[Revision]:
    """Analyse and review each past pull request not loaded yet; returns the revisions made."""
    names = [reviewer.get_username() for reviewer in reviewers]
    loaded = set(
        PullRequest.objects.filter(
            repository__full_name=REPOSITORY, number__in=[past.number for past in history]
        ).values_list("number", flat=True)
    )
    now = timezone.now()
    revisions = []
    for past in history:
        if past.number in loaded:
            continue
        pr = PULL_REQUESTS[past.branch]
        revision = local_pull_request_review(
            repo_path=repo_path,
            base="main",
            head=pr.branch,
            name=REPOSITORY,
            number=past.number,
            title=past.title,
            body=pr.body,
            author_login=pr.author_login,
            labels=pr.labels,
            workspace=WORKSPACE,
            members=names,
        )
        review_started = timezone.now()
        if revision.status == Revision.Status.READY:
            _review(revision, reviewers, approve=past.approved)
        ready_at = now - datetime.timedelta(days=past.days_ago)
        _move_back(
            revision,
            ready_at=ready_at,
            review_started=review_started,
            review_delay=datetime.timedelta(hours=past.hours_to_review),
        )
        revisions.append(revision)
    # The sweep the beat schedule runs: the pull requests still waiting past their SLA.
    sla_breaches_notify(now=timezone.now())
    return revisions


def _review(revision: Revision, reviewers: Sequence[User], *, approve: bool) -> None:
    """Triage, answer and approve as reviewers do in the UI (the services raise on a refusal)."""
    first = reviewers[0]
    open_findings = revision.findings.filter(triage=Finding.Triage.OPEN).order_by("pk")
    for position, finding in enumerate(open_findings):
        if not approve and position == 0:
            review_finding_triage(
                finding=finding,
                user=first,
                decision=Finding.Triage.CONFIRMED,
                reason="Reproduced with a crafted request; the author is fixing it.",
            )
        elif finding.severity in ("critical", "high"):
            review_finding_triage(
                finding=finding,
                user=first,
                decision=Finding.Triage.ACCEPTED_RISK,
                reason="Internal tool behind the VPN; replaced next quarter (ticket SHOP-88).",
                expires_at=timezone.localdate() + datetime.timedelta(days=90),
            )
        else:
            review_finding_triage(
                finding=finding,
                user=first,
                decision=Finding.Triage.FALSE_POSITIVE,
                reason="The value comes from our own configuration, never from a request.",
            )
    if not approve:
        return
    items = ChecklistItem.objects.filter(revision=revision, answered_at__isnull=True).exclude(
        kind=ChecklistItem.Kind.TRIAGE
    )
    for item in items.order_by("position", "pk"):
        outcome = ChecklistItem.Outcome.HOLDS if item.kind == ChecklistItem.Kind.ASSUMPTION else ""
        review_item_answer(item=item, user=first, answer=_answer(item), outcome=outcome)
    for reviewer in reviewers:
        if missing_approvals(revision)[0] == 0:
            break
        revision_approve(revision=revision, user=reviewer)


def _answer(item: ChecklistItem) -> str:
    """A reviewer's answer in prose: it names what the question is about, never quotes code."""
    if item.kind == ChecklistItem.Kind.ASSUMPTION:
        return _ASSUMPTION_ANSWER
    if item.kind == ChecklistItem.Kind.SIGNOFF:
        return "Read every changed line and ran the module's tests locally; nothing left open."
    terms = [str(term) for term in item.expected_terms or ()][:3]
    about = " and ".join(f"`{term}`" for term in terms) or "this part"
    return (
        f"In {item.path or 'this change'} (item {item.position}), {about} take what the caller "
        "hands over, look it up with a bound parameter and hand the result back unchanged; "
        "on an empty or unknown value nothing is written and the caller gets nothing back, "
        "which is what the callers in this repository expect."
    )


@transaction.atomic
def _move_back(
    revision: Revision,
    *,
    ready_at: datetime.datetime,
    review_started: datetime.datetime,
    review_delay: datetime.timedelta,
) -> None:
    """Move a pull request's records back in time: what came before the review to `ready_at`,
    the review's own records (triage, answers, approvals, their audit) `review_delay` later."""
    finished = Revision.objects.filter(pk=revision.pk).values_list("finished_at", flat=True)[0]
    shift = ready_at - (finished or revision.created_at)
    stamped: list[tuple[QuerySet, str]] = [
        (Revision.objects.filter(pk=revision.pk), "created_at"),
        (Revision.objects.filter(pk=revision.pk), "started_at"),
        (Revision.objects.filter(pk=revision.pk), "finished_at"),
        (PullRequest.objects.filter(pk=revision.pull_request_id), "created_at"),
        (PullRequest.objects.filter(pk=revision.pull_request_id), "updated_at"),
        (Finding.objects.filter(revision=revision), "created_at"),
        (Finding.objects.filter(revision=revision), "triaged_at"),
        (ChecklistItem.objects.filter(revision=revision), "answered_at"),
        (Approval.objects.filter(revision=revision), "created_at"),
        (RevisionPolicy.objects.filter(revision=revision), "evaluated_at"),
        (AuditEvent.objects.filter(revision=revision), "created_at"),
    ]
    # Earlier records first: once moved they are before `review_started`, so the second update
    # never moves them twice.
    for queryset, field in stamped:
        queryset.filter(**{f"{field}__lt": review_started}).update(**{field: F(field) + shift})
    for queryset, field in stamped:
        queryset.filter(**{f"{field}__gte": review_started}).update(
            **{field: F(field) + shift + review_delay}
        )
