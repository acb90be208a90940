"""An analysis whose worker dies leaves no second check run and none open for ever (issue 17)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from findings.models import PullRequest, Revision
from github_app import checks
from github_app.checks import pull_request_analyze
from github_app.models import CheckRun, CheckRunStart, Installation
from github_app.tasks import MAX_CHECK_RUN_ATTEMPTS, analyze_pull_request, sweep_check_runs
from tests.github_app.conftest import HEAD, one_file_pull_request

pytestmark = pytest.mark.django_db

FULL_NAME = "octo-org/payments"
CHECKS = f"/repos/{FULL_NAME}/check-runs"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause catches it."""


@pytest.fixture
def pull_request(github):
    return one_file_pull_request(github)


def _installation():
    return Installation.objects.get(github_id=7001)


def _runs(github) -> list[dict]:
    return [run for run in github.check_runs.values() if run["head_sha"] == HEAD]


def _queued(broker) -> list[tuple[str, str]]:
    messages = [json.loads(raw) for raw in reversed(broker.lrange("celery", 0, -1))]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


def test_the_analysis_run_again_after_a_worker_death_takes_up_the_open_check_run(
    github, pull_request, monkeypatch
):
    # given a worker that dies in the middle of the analysis, after opening the check run
    real_process = checks.pull_request_process

    def dies(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(checks, "pull_request_process", dies)
    with pytest.raises(WorkerKilled):
        pull_request_analyze(pull_request=pull_request, installation=_installation())
    [opened] = _runs(github)
    assert opened["status"] == "in_progress"
    assert CheckRunStart.objects.get().github_id == opened["id"]

    # when the task is delivered again and this time finishes
    monkeypatch.setattr(checks, "pull_request_process", real_process)
    revision = pull_request_analyze(pull_request=pull_request, installation=_installation())

    # then the same check run is completed: one check run for the head, none left open
    [run] = _runs(github)
    assert run["id"] == opened["id"]
    assert run["status"] == "completed"
    assert len(github.requests_to("POST", CHECKS)) == 1
    assert CheckRun.objects.get(revision=revision).github_id == opened["id"]
    assert not CheckRunStart.objects.exists()


def _interrupted(pull_request, monkeypatch, *, age_minutes: int, attempts: int = 1):
    """An analysis that opened its check run and died, `age_minutes` ago."""

    def dies(**kwargs):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(checks, "pull_request_process", dies)
        with pytest.raises(WorkerKilled):
            pull_request_analyze(pull_request=pull_request, installation=_installation())
    CheckRunStart.objects.update(
        opened_at=timezone.now() - timedelta(minutes=age_minutes), attempts=attempts
    )
    return CheckRunStart.objects.get()


def test_the_sweep_runs_an_analysis_left_open_past_the_deadline_again(
    github, pull_request, monkeypatch, broker, settings
):
    settings.REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS = 600
    start = _interrupted(pull_request, monkeypatch, age_minutes=11)

    assert sweep_check_runs() == 1

    assert _queued(broker) == [
        ("github_app.analyze_pull_request", f"({pull_request.repository_id}, 42, '{HEAD}')")
    ]
    start.refresh_from_db()
    assert start.attempts == 2
    assert timezone.now() - start.opened_at < timedelta(minutes=1)
    # and right after, it is not due again
    assert sweep_check_runs() == 0


def test_the_sweep_leaves_an_analysis_within_its_deadline_alone(
    github, pull_request, monkeypatch, broker, settings
):
    settings.REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS = 600
    _interrupted(pull_request, monkeypatch, age_minutes=5)

    assert sweep_check_runs() == 0
    assert broker.llen("celery") == 0


def test_an_analysis_that_never_finishes_gets_a_failed_check_run_that_says_why(
    github, pull_request, monkeypatch, broker, settings
):
    settings.REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS = 600
    start = _interrupted(pull_request, monkeypatch, age_minutes=11, attempts=MAX_CHECK_RUN_ATTEMPTS)

    assert sweep_check_runs() == 1

    [run] = _runs(github)
    assert run["id"] == start.github_id
    assert (run["status"], run["conclusion"]) == ("completed", "failure")
    assert run["output"]["title"] == "ReviewBench could not finish the analysis"
    assert f"started {MAX_CHECK_RUN_ATTEMPTS} times and never finished" in run["output"]["summary"]
    assert not CheckRunStart.objects.exists()
    assert broker.llen("celery") == 0


def test_an_interrupted_analysis_of_an_old_head_is_finished_as_superseded(
    github, pull_request, monkeypatch, broker, settings
):
    settings.REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS = 600
    start = _interrupted(pull_request, monkeypatch, age_minutes=11)
    PullRequest.objects.filter(pk=pull_request.pk).update(head_sha="3" * 40)

    assert sweep_check_runs() == 1

    [run] = _runs(github)
    assert (run["id"], run["status"], run["conclusion"]) == (
        start.github_id,
        "completed",
        "neutral",
    )
    assert "a newer push replaced this commit" in run["output"]["title"]
    assert broker.llen("celery") == 0


def test_the_sweep_publishes_a_revision_analysed_but_never_published(
    github, pull_request, broker, settings
):
    settings.REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS = 600
    revision = Revision.objects.create(
        pull_request=pull_request, head_sha=HEAD, analyzer_version="t", status="ready",
        finished_at=timezone.now() - timedelta(minutes=20),
    )  # fmt: skip
    CheckRun.objects.create(revision=revision, github_id=99, status="in_progress")
    done = Revision.objects.create(
        pull_request=pull_request, head_sha="4" * 40, analyzer_version="t", status="ready",
        finished_at=timezone.now() - timedelta(minutes=20),
    )  # fmt: skip
    CheckRun.objects.create(revision=done, github_id=98, status="completed")

    assert sweep_check_runs() == 1
    assert _queued(broker) == [("github_app.publish_check", f"({revision.pk},)")]


def test_the_sweep_queues_an_analysis_the_broker_never_took(github, pull_request, broker):
    # given a pull request whose delivery was processed, but whose analysis job the broker
    # refused (Redis down for a moment): no revision, no check run, for a while now
    PullRequest.objects.filter(pk=pull_request.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )

    # when the sweep runs, the analysis is queued, once
    assert sweep_check_runs() == 1
    assert _queued(broker) == [
        ("github_app.analyze_pull_request", f"({pull_request.repository_id}, 42, '{HEAD}')")
    ]
    assert sweep_check_runs() == 0

    # and a pull request whose head has a revision is left alone
    Revision.objects.create(pull_request=pull_request, head_sha=HEAD, analyzer_version="t")
    PullRequest.objects.filter(pk=pull_request.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    assert sweep_check_runs() == 0


def test_an_analysis_delivered_twice_after_it_completed_does_nothing(github, pull_request):
    revision = pull_request_analyze(pull_request=pull_request, installation=_installation())
    requests = len(github.requests)

    analyze_pull_request(pull_request.repository_id, 42, HEAD)

    assert CheckRun.objects.get(revision=revision).status == "completed"
    assert len(github.requests) == requests  # not even a token
