"""A standard review: one repository, one PR by mallory-dev, two files, two findings."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from findings.models import ChangedFile, Finding, PullRequest, Repository, Revision
from reviewbench.access.models import ReviewerProfile
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from tests.factories import (
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
)

CALLS: list[int] = []


def record_state_change(revision_id: int) -> None:
    """Test listener: remembers which revisions it was told about."""
    CALLS.append(revision_id)


def exploding_listener(revision_id: int) -> None:
    raise RuntimeError("listener is down")


@pytest.fixture
def listener_calls(settings) -> list[int]:
    CALLS.clear()
    settings.REVIEWBENCH_STATE_LISTENERS = ["tests.review_fixtures.record_state_change"]
    yield CALLS
    CALLS.clear()


@dataclass
class Review:
    repository: Repository
    pull_request: PullRequest
    revision: Revision
    views_file: ChangedFile
    second_file: ChangedFile
    high: Finding
    critical: Finding
    reviewer: object
    second_reviewer: object
    author: object

    def items(self) -> list[ChecklistItem]:
        return list(ChecklistItem.objects.filter(revision=self.revision).order_by("position"))

    def item(self, key: str) -> ChecklistItem:
        return ChecklistItem.objects.get(revision=self.revision, key=key)


@pytest.fixture
def review(db, make_user, listener_calls) -> Review:
    reviewer = make_user("rita")
    second = make_user("sam")
    author = make_user("mallory")
    ReviewerProfile.objects.create(user=author, github_login="Mallory-Dev")
    repository = make_repository("acme/shop", members=[reviewer, second, author])
    pull_request = make_pull_request(repository)
    revision = make_revision(pull_request)
    views_file = make_file(
        revision,
        "app/views.py",
        hunks=(" import db\n+query = f'SELECT * FROM o WHERE id={id}'\n+db.run(query)\n",),
        position=0,
    )
    second_file = make_file(
        revision, "app/csv.py", hunks=("+CSV_HEADER = 'id,name'\n",), position=1
    )
    high = make_finding(revision, views_file, severity=Finding.Severity.HIGH, line=11)
    critical = make_finding(
        revision,
        views_file,
        rule_id="py.hardcoded-secret",
        severity=Finding.Severity.CRITICAL,
        line=12,
        cwe=798,
        title="Hard-coded secret",
    )
    revision_review_prepare(revision=revision)
    return Review(
        repository=repository,
        pull_request=pull_request,
        revision=revision,
        views_file=views_file,
        second_file=second_file,
        high=high,
        critical=critical,
        reviewer=reviewer,
        second_reviewer=second,
        author=author,
    )
