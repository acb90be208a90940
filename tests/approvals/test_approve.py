"""The approve gate on real PostgreSQL: every reason it says no, and approving once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from findings.models import Finding, Revision
from reviewbench.access.models import ReviewerProfile
from reviewbench.approvals.models import Approval
from reviewbench.approvals.services import ApprovalDenied, revision_approve
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from tests.factories import NEXT_SHA, make_revision

GOOD_ANSWER = "Builds the export query and streams the rows to a CSV response."
OTHER_ANSWER = "Documents the new CSV export endpoint for the operations team."


def complete_checklist(review) -> None:
    Finding.objects.filter(revision=review.revision).update(
        triage=Finding.Triage.FALSE_POSITIVE, triage_reason="Test data only."
    )
    ChecklistItem.objects.filter(revision=review.revision, kind__in=["explain", "signoff"]).update(
        answer=GOOD_ANSWER, answered_by=review.reviewer, answered_at=timezone.now()
    )


# --- revision_approve --------------------------------------------------------------------------


def assert_denied(review, user, reason, listener_calls, capture, revision=None):
    revision = revision or review.revision
    approvals_before = Approval.objects.count()
    approved_events_before = AuditEvent.objects.filter(action="revision.approved").count()
    with capture(execute=True) as callbacks, pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=revision, user=user)
    assert denied.value.reason == reason
    assert Approval.objects.count() == approvals_before
    assert AuditEvent.objects.filter(action="revision.approved").count() == approved_events_before
    assert callbacks == []
    assert listener_calls == []


def test_approve_denied_while_checklist_incomplete(
    review, listener_calls, django_capture_on_commit_callbacks
):
    assert_denied(
        review,
        review.reviewer,
        "5 checklist items still to answer.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_approve_denied_for_a_failed_revision(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)
    Revision.objects.filter(pk=review.revision.pk).update(
        status=Revision.Status.FAILED, status_reason="Malformed diff."
    )
    review.revision.refresh_from_db()

    assert_denied(
        review,
        review.reviewer,
        "This revision is failed, not ready for review.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_superseded_revision_cannot_be_approved(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)
    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.SUPERSEDED)

    assert_denied(
        review,
        review.reviewer,
        "This revision was superseded by a newer push; review the latest revision.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_approve_denied_when_the_revision_is_not_the_pull_requests_head(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)
    review.pull_request.head_sha = NEXT_SHA
    review.pull_request.save()

    assert_denied(
        review,
        review.reviewer,
        "This revision is not the pull request's current head.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_approve_denied_for_a_user_outside_the_installation(
    review, make_user, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)

    assert_denied(
        review,
        make_user("outsider"),
        "You are not a member of an installation of this repository.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_author_cannot_approve_their_own_pull_request(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)

    assert_denied(
        review,
        review.author,
        "The author of a pull request cannot approve it.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_author_login_is_compared_case_insensitively(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)
    ReviewerProfile.objects.create(user=review.reviewer, github_login="  RITA-GH ")
    review.pull_request.author_login = "rita-gh"
    review.pull_request.save()

    assert_denied(
        review,
        review.reviewer,
        "The author of a pull request cannot approve it.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_approve_denied_while_a_finding_is_confirmed(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)
    Finding.objects.filter(pk=review.high.pk).update(triage=Finding.Triage.CONFIRMED)

    assert_denied(
        review,
        review.reviewer,
        "1 finding is confirmed; a confirmed finding must be fixed by a new push.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_approve_denied_when_the_checklist_was_never_prepared(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)
    ChecklistItem.objects.filter(revision=review.revision).delete()

    assert_denied(
        review,
        review.reviewer,
        "The checklist for this revision has not been prepared yet.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_approve_succeeds_once_then_is_denied_as_already_approved(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)

    with django_capture_on_commit_callbacks(execute=True):
        approval = revision_approve(revision=review.revision, user=review.reviewer)
        assert listener_calls == []

    assert listener_calls == [review.revision.pk]
    assert Approval.objects.get() == approval
    assert approval.user == review.reviewer
    assert approval.revision == review.revision
    event = AuditEvent.objects.get(action="revision.approved")
    assert event.actor == review.reviewer
    assert event.details == {
        "approval_id": approval.pk,
        "head_sha": review.revision.head_sha,
        "groups": [],
        "covered_hunks": 2,
        "replaced_stale": False,
    }

    listener_calls.clear()
    assert_denied(
        review,
        review.reviewer,
        "You have already approved this revision.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_a_second_reviewer_can_approve_too(
    review, listener_calls, django_capture_on_commit_callbacks
):
    complete_checklist(review)
    revision_approve(revision=review.revision, user=review.reviewer)

    revision_approve(revision=review.revision, user=review.second_reviewer)

    assert sorted(Approval.objects.values_list("user__username", flat=True)) == ["rita", "sam"]


def test_revision_without_files_or_findings_has_an_empty_checklist_and_can_be_approved(
    review, listener_calls
):
    empty = make_revision(review.pull_request, head_sha=NEXT_SHA)
    review.pull_request.head_sha = NEXT_SHA
    review.pull_request.save()

    assert revision_review_prepare(revision=empty) == []
    approval = revision_approve(revision=empty, user=review.reviewer)

    assert approval.revision == empty
