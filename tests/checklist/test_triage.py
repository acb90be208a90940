"""Triage through the review service: review rules here, triage rules from findings.services."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from findings.models import Finding, Revision
from findings.services import TriageError
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.services import TriageDenied
from reviewbench.reviews.services import review_finding_triage


def assert_nothing_recorded(finding, listener_calls, callbacks):
    finding.refresh_from_db()
    assert finding.triage == Finding.Triage.OPEN
    assert finding.triaged_by is None
    assert AuditEvent.objects.count() == 0
    assert callbacks == []
    assert listener_calls == []


def test_false_positive_with_reason_is_recorded_audited_and_notified(
    review, listener_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding = review_finding_triage(
            finding=review.high,
            user=review.reviewer,
            decision=Finding.Triage.FALSE_POSITIVE,
            reason="The id is an integer path converter.",
        )
        assert listener_calls == []

    assert listener_calls == [review.revision.pk]
    finding.refresh_from_db()
    assert finding.triage == Finding.Triage.FALSE_POSITIVE
    assert finding.triage_reason == "The id is an integer path converter."
    assert finding.triaged_by == review.reviewer
    event = AuditEvent.objects.get()
    assert event.action == "finding.triaged"
    assert event.actor == review.reviewer
    assert event.details == {
        "finding_id": review.high.pk,
        "fingerprint": review.high.fingerprint,
        "from": "open",
        "to": "false_positive",
        "reason": "The id is an integer path converter.",
        "expires_at": None,
    }


def test_false_positive_without_a_reason_is_refused(
    review, listener_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TriageError) as error:
            review_finding_triage(
                finding=review.high, user=review.reviewer, decision="false_positive", reason=" "
            )

    assert str(error.value) == (
        "Explain the decision: a reason of at least 10 characters is needed."
    )
    assert_nothing_recorded(review.high, listener_calls, callbacks)


def test_accepted_risk_needs_an_expiry_date(
    review, listener_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TriageError) as error:
            review_finding_triage(
                finding=review.high,
                user=review.reviewer,
                decision="accepted_risk",
                reason="Internal tool behind the VPN only.",
            )

    assert str(error.value) == "An accepted risk needs an expiry date."
    assert_nothing_recorded(review.high, listener_calls, callbacks)


def test_accepted_risk_with_reason_and_expiry_is_recorded(review, listener_calls):
    expiry = timezone.localdate() + datetime.timedelta(days=30)

    finding = review_finding_triage(
        finding=review.high,
        user=review.reviewer,
        decision="accepted_risk",
        reason="Internal tool behind the VPN only.",
        expires_at=expiry,
    )

    assert finding.triage == Finding.Triage.ACCEPTED_RISK
    assert finding.triage_expires_at == expiry
    assert AuditEvent.objects.get().details["expires_at"] == expiry.isoformat()


def test_confirmed_needs_no_reason(review, listener_calls):
    finding = review_finding_triage(
        finding=review.critical, user=review.reviewer, decision="confirmed"
    )

    assert finding.triage == Finding.Triage.CONFIRMED


def test_author_cannot_triage_findings_in_their_own_pull_request(
    review, listener_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TriageDenied) as denied:
            review_finding_triage(
                finding=review.high,
                user=review.author,
                decision="false_positive",
                reason="Trust me, this is totally fine.",
            )

    assert denied.value.message == "The author of a pull request cannot triage its findings."
    assert_nothing_recorded(review.high, listener_calls, callbacks)


def test_outsider_cannot_triage(
    review, make_user, listener_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TriageDenied) as denied:
            review_finding_triage(
                finding=review.high, user=make_user("outsider"), decision="confirmed"
            )

    assert denied.value.message == "You are not a member of an installation of this repository."
    assert_nothing_recorded(review.high, listener_calls, callbacks)


def test_findings_of_a_superseded_revision_cannot_be_triaged(
    review, listener_calls, django_capture_on_commit_callbacks
):
    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.SUPERSEDED)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(TriageDenied) as denied:
            review_finding_triage(finding=review.high, user=review.reviewer, decision="confirmed")

    assert denied.value.message == "This revision is no longer the pull request's head."
    assert_nothing_recorded(review.high, listener_calls, callbacks)
