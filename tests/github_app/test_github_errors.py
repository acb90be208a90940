"""GitHub answering errors: Retry-After honoured, one fresh token after a 401, and a check run
that always ends completed (issue 11)."""

from __future__ import annotations

import time

import pytest
from celery import Task

from github_app.client import GitHubClient, TransientGitHubError
from github_app.models import CheckRunStart
from github_app.tasks import analyze_pull_request
from tests.github_app.conftest import HEAD, one_file_pull_request

pytestmark = pytest.mark.django_db

FULL_NAME = "octo-org/payments"
FILES = f"/repos/{FULL_NAME}/pulls/42/files"


@pytest.fixture
def pull_request(github):
    return one_file_pull_request(github)


def _fetch_error(github, **failure) -> TransientGitHubError:
    github.fail_next(FILES, **failure)
    client = GitHubClient.for_installation(7001)
    with pytest.raises(TransientGitHubError) as raised:
        client.fetch_snapshot(full_name=FULL_NAME, number=42)
    return raised.value


def test_a_429_with_retry_after_says_how_long_to_wait(github, pull_request):
    error = _fetch_error(
        github, status=429, message="Too many requests", headers={"Retry-After": "7"}
    )

    assert error.retry_after == 7.0
    assert not error.credentials


def test_a_secondary_rate_limit_waits_until_the_reset(github, pull_request):
    reset = int(time.time()) + 120
    error = _fetch_error(
        github,
        status=403,
        message="You have exceeded a secondary rate limit.",
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
    )

    assert 100 <= error.retry_after <= 121


def test_a_401_is_worth_one_retry_with_a_fresh_token(github, pull_request):
    error = _fetch_error(github, status=401, message="Bad credentials")

    assert error.credentials
    assert error.retry_after is None


def test_the_task_waits_as_long_as_github_asked(monkeypatch):
    asked: dict = {}
    monkeypatch.setattr(Task, "retry", lambda self, *a, **options: asked.update(options))

    analyze_pull_request.retry(exc=TransientGitHubError("429", retry_after=42.0), countdown=3)
    assert asked["countdown"] == 42.0

    # an exponential backoff longer than GitHub's wait is kept
    analyze_pull_request.retry(exc=TransientGitHubError("429", retry_after=2.0), countdown=30)
    assert asked["countdown"] == 30


def test_a_second_401_in_a_row_is_not_retried_again(monkeypatch):
    monkeypatch.setattr(Task, "retry", lambda self, *a, **options: "retried")
    error = TransientGitHubError("401", credentials=True)

    analyze_pull_request.push_request(retries=0)
    try:
        assert analyze_pull_request.retry(exc=error) == "retried"
    finally:
        analyze_pull_request.pop_request()
    analyze_pull_request.push_request(retries=1)
    try:
        with pytest.raises(TransientGitHubError):
            analyze_pull_request.retry(exc=error)
    finally:
        analyze_pull_request.pop_request()


def test_when_github_never_recovers_the_check_run_ends_completed_and_says_why(
    github, pull_request, settings
):
    # given GitHub failing every listing of the PR's files with 502
    settings.CELERY_TASK_ALWAYS_EAGER = True
    github.fail_next(FILES, times=1000, status=502, message="Bad Gateway")

    # when the analysis runs through all its retries
    result = analyze_pull_request.apply(args=(pull_request.repository_id, 42, HEAD))

    # then it failed, and its check run is completed as failed with the reason, not left open
    assert result.failed()
    [run] = [r for r in github.check_runs.values() if r["head_sha"] == HEAD]
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert run["output"]["title"] == "ReviewBench could not finish the analysis"
    assert "GitHub answered 502" in run["output"]["summary"]
    assert not CheckRunStart.objects.exists()


def test_a_delivery_that_meets_a_database_restart_runs_again(monkeypatch, settings, db):
    from django.db import OperationalError

    from github_app import tasks
    from github_app.models import WebhookDelivery

    # given a stored delivery, and a database that refuses the first attempt
    settings.CELERY_TASK_ALWAYS_EAGER = True
    delivery = WebhookDelivery.objects.create(
        delivery_id="db-restart-1", event="ping", action="", payload={"zen": "hi"}
    )
    real = tasks.routing.route
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database system is shutting down")
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks.routing, "route", flaky)

    # when the job runs
    result = tasks.process_delivery.apply(args=(delivery.pk,))

    # then it was retried and the delivery processed
    assert result.successful()
    assert len(calls) == 2
    delivery.refresh_from_db()
    assert delivery.status in (WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.IGNORED)
