"""AI-use declarations through the real pipeline: required by the policy, read from the description,
answered when the author edits it; "none" against AI evidence becomes an item and a count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from findings.models import Repository, Revision
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import AnswerRejected
from reviewbench.insights.feedback import feedback_numbers
from reviewbench.reviews.report import check_report_for_revision
from reviewbench.reviews.selectors import review_state
from reviewbench.reviews.services import pull_request_process, review_item_answer
from tests.insights.pipeline import SQL_CODE, added, member_and_repository, snapshot

REQUIRED = "version: 1\nchecklist:\n  require_ai_declaration: true\n"


@pytest.fixture
def team(db):
    return member_and_repository()


def _process(repository, *, body: str, policy_text: str | None = REQUIRED, labels=()) -> Revision:
    return pull_request_process(
        repository=repository,
        snapshot=snapshot(
            5,
            [added("app/users.py", SQL_CODE, "1")],
            body=body,
            policy_text=policy_text,
            labels=labels,
        ),
    )


def test_a_missing_declaration_blocks_until_the_author_edits_the_description(team, client):
    rita, repository = team
    revision = _process(repository, body="Adds a user search.")
    client.force_login(rita)
    page = client.get("/acme/shop/pull/5/").content.decode()
    assert "AI-use declaration" in page
    assert "Waiting for the author: ReviewBench reads the description again" in page

    item = ChecklistItem.objects.get(revision=revision, kind=ChecklistItem.Kind.DECLARATION)
    assert item.answered_at is None
    assert "has not declared AI assistance" in item.prompt
    with pytest.raises(
        AnswerRejected, match="declares AI assistance in the pull request's description"
    ):
        review_item_answer(
            item=item, user=rita, answer="The author told me on chat it was Copilot."
        )
    state = review_state(revision)
    assert state.items_answered < state.items_total
    report = check_report_for_revision(revision=revision)
    assert "AI-use declaration missing" in report.title
    assert "**AI-use declaration missing.**" in report.summary

    # the author edits the description (GitHub's `edited` event: same head, new body)
    again = _process(
        repository, body="Adds a user search.\n\nAI assistance: partial\nAI tool: copilot\n"
    )

    assert again.pk == revision.pk
    item.refresh_from_db()
    assert item.answered_at is not None
    assert item.answer == "Declared in the description: AI assistance partial (GitHub Copilot)."
    assert "AI-use declaration missing" not in check_report_for_revision(revision=revision).summary


def test_without_the_policy_key_nothing_is_required(team):
    _rita, repository = team
    revision = _process(repository, body="Adds a user search.", policy_text=None)
    assert not ChecklistItem.objects.filter(
        revision=revision, kind__in=[ChecklistItem.Kind.DECLARATION, ChecklistItem.Kind.UNDECLARED]
    ).exists()


def test_declared_none_against_ai_evidence_asks_the_reviewer_and_counts_for_the_leads(team, client):
    rita, repository = team
    revision = _process(repository, body="AI assistance: none\n", labels=["claude"])

    item = ChecklistItem.objects.get(revision=revision, kind=ChecklistItem.Kind.UNDECLARED)
    assert (
        "declares no AI assistance, but ReviewBench found AI evidence: label claude" in item.prompt
    )
    assert not ChecklistItem.objects.filter(
        revision=revision, kind=ChecklistItem.Kind.DECLARATION
    ).exists()
    summary = check_report_for_revision(revision=revision).summary
    assert "**Undeclared AI use.**" in summary and "a reviewer must ask" in summary
    with pytest.raises(AnswerRejected, match="at least 20 characters"):
        review_item_answer(item=item, user=rita, answer="asked")
    review_item_answer(
        item=item, user=rita, answer="The author says Claude wrote the search query."
    )
    assert "recorded by a reviewer" in check_report_for_revision(revision=revision).summary

    today = timezone.now().date()
    numbers = feedback_numbers(repositories=Repository.objects.all(), since=today, until=today)
    assert (numbers.undeclared_ai_prs, numbers.missing_declaration_prs) == (1, 0)
    client.force_login(rita)
    content = client.get("/insights/feedback/").content.decode()
    assert '<strong id="undeclared-ai">1</strong>' in content


def test_declared_none_without_evidence_is_taken_at_its_word(team):
    _rita, repository = team
    revision = _process(repository, body="AI assistance: none\n")
    assert not ChecklistItem.objects.filter(
        revision=revision, kind__in=[ChecklistItem.Kind.DECLARATION, ChecklistItem.Kind.UNDECLARED]
    ).exists()
