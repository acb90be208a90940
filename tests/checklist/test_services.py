"""Checklist writes on real PostgreSQL: preparing the checklist, answers, audit events."""

from __future__ import annotations

import pytest
from django.utils import timezone

from findings.models import Finding, Revision
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.build import file_content_hash
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import AnswerRejected, revision_review_prepare
from reviewbench.reviews.services import review_item_answer
from tests.factories import NEXT_SHA, make_file, make_finding, make_revision

GOOD_ANSWER = "Builds the export query and streams the rows to a CSV response."
OTHER_ANSWER = "Documents the new CSV export endpoint for the operations team."


def complete_checklist(review) -> None:
    Finding.objects.filter(revision=review.revision).update(
        triage=Finding.Triage.FALSE_POSITIVE, triage_reason="Test data only."
    )
    ChecklistItem.objects.filter(revision=review.revision, kind__in=["explain", "signoff"]).update(
        answer=GOOD_ANSWER, answered_by=review.reviewer, answered_at=timezone.now()
    )


# --- revision_review_prepare -----------------------------------------------------------------


def test_prepare_builds_ordered_items_linked_to_findings_and_files(review):
    items = review.items()

    assert [item.key for item in items] == [
        f"triage:{review.critical.fingerprint}",
        f"triage:{review.high.fingerprint}",
        "explain:app/views.py",
        "explain:app/csv.py",
        "signoff",
    ]
    assert [item.finding_id for item in items] == [
        review.critical.pk,
        review.high.pk,
        None,
        None,
        None,
    ]
    assert [item.changed_file_id for item in items] == [
        None,
        None,
        review.views_file.pk,
        review.second_file.pk,
        None,
    ]
    views_hunk_hash = review.views_file.hunks.get().content_hash
    assert items[2].content_hash == file_content_hash([views_hunk_hash])


def test_prepare_is_idempotent(review):
    before = [(item.pk, item.key) for item in review.items()]

    returned = revision_review_prepare(revision=review.revision)

    assert [(item.pk, item.key) for item in returned] == before
    assert ChecklistItem.objects.filter(revision=review.revision).count() == 5


def test_prepare_leaves_pre_existing_findings_out(review):
    make_finding(review.revision, review.second_file, rule_id="old.rule", pre_existing=True)
    ChecklistItem.objects.filter(revision=review.revision).delete()

    items = revision_review_prepare(revision=review.revision)

    assert [item.kind for item in items] == ["triage", "triage", "explain", "explain", "signoff"]


def test_prepare_does_nothing_for_a_revision_that_is_not_ready(review):
    failed = make_revision(review.pull_request, head_sha="c" * 40, status=Revision.Status.FAILED)
    make_file(failed, "app/views.py")

    items = revision_review_prepare(revision=failed)

    assert items == []
    assert ChecklistItem.objects.filter(revision=failed).count() == 0


def test_prepare_carries_unchanged_explanations_over_to_the_next_push(review):
    # given both files explained on the first revision
    complete_checklist(review)
    # and a new push that changes app/views.py but not app/csv.py
    review.pull_request.head_sha = NEXT_SHA
    review.pull_request.save()
    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.SUPERSEDED)
    nxt = make_revision(review.pull_request, head_sha=NEXT_SHA)
    make_file(nxt, "app/views.py", hunks=("+db.run('SELECT 1', params)\n",), position=0)
    make_file(nxt, "app/csv.py", hunks=("+CSV_HEADER = 'id,name'\n",), position=1)

    # when
    revision_review_prepare(revision=nxt)

    # then
    readme = ChecklistItem.objects.get(revision=nxt, key="explain:app/csv.py")
    views = ChecklistItem.objects.get(revision=nxt, key="explain:app/views.py")
    assert readme.answer == GOOD_ANSWER
    assert readme.answered_by == review.reviewer
    assert readme.answered_at is not None
    assert readme.carried_over_from == review.revision.head_sha
    assert views.answer == ""
    assert views.answered_at is None
    assert views.carried_over_from == ""


# --- checklist_item_answer -------------------------------------------------------------------


def test_answer_is_stripped_saved_audited_and_notifies_after_commit(
    review, listener_calls, django_capture_on_commit_callbacks
):
    item = review.item("explain:app/views.py")

    with django_capture_on_commit_callbacks(execute=True):
        saved = review_item_answer(item=item, user=review.reviewer, answer=f"  {GOOD_ANSWER}\n")
        # then nothing is told before the transaction commits
        assert listener_calls == []

    assert listener_calls == [review.revision.pk]
    saved.refresh_from_db()
    assert saved.answer == GOOD_ANSWER
    assert saved.answered_by == review.reviewer
    assert saved.answered_at is not None
    event = AuditEvent.objects.get()
    assert event.action == "checklist.answered"
    assert event.actor == review.reviewer
    assert event.revision == review.revision
    assert event.pull_request == review.pull_request
    assert event.details == {
        "item_id": item.pk,
        "key": "explain:app/views.py",
        "kind": "explain",
        "length": 63,
        "answer": GOOD_ANSWER,
        "outcome": "",
        "flagged": True,
        "flag_reason": "Thin answer: short (63 characters)",
    }


def assert_rejected(review, item, user, answer, message, listener_calls, capture):
    with capture(execute=True) as callbacks, pytest.raises(AnswerRejected) as rejected:
        review_item_answer(item=item, user=user, answer=answer)
    assert rejected.value.message == message
    item.refresh_from_db()
    assert item.answered_at is None
    assert AuditEvent.objects.count() == 0
    assert callbacks == []
    assert listener_calls == []


def test_answer_shorter_than_30_characters_is_rejected(
    review, listener_calls, django_capture_on_commit_callbacks
):
    assert_rejected(
        review,
        review.item("explain:app/views.py"),
        review.reviewer,
        "   looks fine to me        ",
        "An explanation needs at least 30 characters; this one has 16.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_answer_identical_to_another_answer_on_the_revision_is_rejected(
    review, listener_calls, django_capture_on_commit_callbacks
):
    review_item_answer(
        item=review.item("explain:app/views.py"), user=review.reviewer, answer=GOOD_ANSWER
    )
    AuditEvent.objects.all().delete()

    assert_rejected(
        review,
        review.item("explain:app/csv.py"),
        review.second_reviewer,
        GOOD_ANSWER.upper() + "  ",
        "This explanation is identical to another one on this pull request; "
        "explain each file in its own words.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_pull_request_author_cannot_answer(
    review, listener_calls, django_capture_on_commit_callbacks
):
    # the author's ReviewerProfile says Mallory-Dev; the PR says mallory-dev
    assert_rejected(
        review,
        review.item("explain:app/views.py"),
        review.author,
        GOOD_ANSWER,
        "The author of a pull request cannot answer its review checklist.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_author_recognised_by_username_when_no_profile(
    review, make_user, listener_calls, django_capture_on_commit_callbacks
):
    namesake = make_user("MALLORY-DEV")
    review.repository.installations.get().members.add(namesake)

    assert_rejected(
        review,
        review.item("explain:app/views.py"),
        namesake,
        GOOD_ANSWER,
        "The author of a pull request cannot answer its review checklist.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_non_member_cannot_answer(
    review, make_user, listener_calls, django_capture_on_commit_callbacks
):
    assert_rejected(
        review,
        review.item("explain:app/views.py"),
        make_user("outsider"),
        GOOD_ANSWER,
        "You are not a member of an installation of this repository.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_triage_item_cannot_be_answered_with_text(
    review, listener_calls, django_capture_on_commit_callbacks
):
    assert_rejected(
        review,
        review.item(f"triage:{review.high.fingerprint}"),
        review.reviewer,
        GOOD_ANSWER,
        "Findings are answered by triaging them, not with a text answer.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )


def test_answer_on_a_superseded_revision_is_rejected(
    review, listener_calls, django_capture_on_commit_callbacks
):
    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.SUPERSEDED)

    assert_rejected(
        review,
        review.item("explain:app/views.py"),
        review.reviewer,
        GOOD_ANSWER,
        "This revision is no longer the pull request's head.",
        listener_calls,
        django_capture_on_commit_callbacks,
    )
