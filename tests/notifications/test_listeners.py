"""Review-state listeners: called after commit, each failure logged, the others still run."""

from __future__ import annotations

import logging

from django.utils import timezone

from findings.models import Finding
from reviewbench.checklist.models import ChecklistItem
from reviewbench.notifications.services import notify_state_changed

GOOD_ANSWER = "Builds the export query and streams the rows to a CSV response."
OTHER_ANSWER = "Documents the new CSV export endpoint for the operations team."


def complete_checklist(review) -> None:
    Finding.objects.filter(revision=review.revision).update(
        triage=Finding.Triage.FALSE_POSITIVE, triage_reason="Test data only."
    )
    ChecklistItem.objects.filter(revision=review.revision, kind__in=["explain", "signoff"]).update(
        answer=GOOD_ANSWER, answered_by=review.reviewer, answered_at=timezone.now()
    )


# --- listeners ---------------------------------------------------------------------------------


def test_a_failing_listener_is_logged_and_the_others_still_run(
    review, settings, listener_calls, django_capture_on_commit_callbacks, caplog
):
    settings.REVIEWBENCH_STATE_LISTENERS = [
        "tests.review_fixtures.exploding_listener",
        "tests.reviews.missing_module.listener",
        "tests.review_fixtures.record_state_change",
    ]

    with caplog.at_level(logging.ERROR, logger="reviewbench.notifications.services"):
        with django_capture_on_commit_callbacks(execute=True):
            notify_state_changed(revision=review.revision)

    assert listener_calls == [review.revision.pk]
    failures = [r for r in caplog.records if r.getMessage() == "reviews.listener.failed"]
    assert [r.listener for r in failures] == [
        "tests.review_fixtures.exploding_listener",
        "tests.reviews.missing_module.listener",
    ]


def test_notify_outside_a_commit_does_not_call_listeners(
    review, listener_calls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify_state_changed(revision=review.revision)

    assert len(callbacks) == 1
    assert listener_calls == []
