"""A signed webhook in, a check run out: Django test client → Redis → a real Celery worker → the
GitHub double. Needs the findings and reviews layers."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from findings.models import PullRequest, Revision
from github_app.models import CheckRun, WebhookDelivery
from reviewbench.celery import app as celery_app
from tests.github_app.conftest import pull_request_payload

APP_PY = '''import subprocess


def run(command):
    """Run a shell command the caller gave us."""
    return subprocess.call(command, shell=True)


def calculate(expression):
    return eval(expression)
'''

APP_PY_V2 = (
    APP_PY
    + """

def checksum(data):
    import hashlib

    return hashlib.md5(data).hexdigest()
"""
)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _commit(repo: Path, path: str, text: str, message: str) -> str:
    (repo / path).write_text(text)
    _git(repo, "add", path)
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


@pytest.fixture
def source_repo(tmp_path) -> Path:
    repo = tmp_path / "payments"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "mona@example.com")
    _git(repo, "config", "user.name", "Mona")
    _commit(repo, "README.md", "# payments\n", "Initial commit")
    _git(repo, "checkout", "-q", "-b", "refund")
    return repo


def _wait_for(condition, *, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


def _completed_run(github, head_sha: str):
    runs = [
        run
        for run in list(github.check_runs.values())
        if run["head_sha"] == head_sha and run.get("conclusion")
    ]
    return runs[-1] if runs else None


@pytest.mark.django_db(transaction=True)
def test_signed_webhook_to_published_check_run_and_supersede(
    github, post_webhook, broker, source_repo
):
    head_1 = _commit(source_repo, "app.py", APP_PY, "Add command runner")
    github.load_from_git(
        source_repo, "octo-org/payments", 42, "main", head_1, title="Add runner", user="mona"
    )

    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        response = post_webhook(
            "pull_request", pull_request_payload("opened", double=github), delivery_id="e2e-1"
        )
        assert response.status_code == 202
        first = _wait_for(lambda: _completed_run(github, head_1))

        head_2 = _commit(source_repo, "app.py", APP_PY_V2, "Add checksum")
        github.load_from_git(
            source_repo, "octo-org/payments", 42, "main", head_2, title="Add runner", user="mona"
        )
        response = post_webhook(
            "pull_request",
            pull_request_payload("synchronize", double=github),
            delivery_id="e2e-2",
        )
        assert response.status_code == 202
        second = _wait_for(lambda: _completed_run(github, head_2))

    # The first push: created in progress, then completed with the findings annotated.
    creates = [r for r in github.requests_to("POST", "/repos/octo-org/payments/check-runs")]
    assert creates[0].json["status"] == "in_progress"
    assert creates[0].json["head_sha"] == head_1
    assert creates[0].json["name"] == "ReviewBench"
    assert first["conclusion"] == "action_required"
    assert first["details_url"] == "https://reviewbench.test/octo-org/payments/pull/42/"
    assert {a["path"] for a in first["annotations"]} == {"app.py"}
    rules = sorted(a["title"].rsplit("[", 1)[1].rstrip("]") for a in first["annotations"])
    # eval of calculate()'s parameter and the shell command built from run()'s (the taint
    # engine, which supersedes bandit's B307/B404/B602 on files it analysed)
    assert rules == ["python-taint.code-injection", "python-taint.command-injection"]
    lines = sorted(a["start_line"] for a in first["annotations"])
    assert 6 in lines and 10 in lines
    last_patch = [
        r
        for r in github.requests_to("PATCH", f"/repos/octo-org/payments/check-runs/{first['id']}")
        if r.json.get("conclusion")
    ][-1]
    assert last_patch.json["conclusion"] == "action_required"
    assert last_patch.json["status"] == "completed"

    # The second push supersedes the first revision and gets its own check run.
    assert second["id"] != first["id"]
    assert second["conclusion"] == "action_required"
    pull_request = PullRequest.objects.get(number=42)
    assert pull_request.head_sha == head_2
    old = Revision.objects.get(pull_request=pull_request, head_sha=head_1)
    new = Revision.objects.get(pull_request=pull_request, head_sha=head_2)
    assert old.status == Revision.Status.SUPERSEDED
    assert new.status == Revision.Status.READY
    assert CheckRun.objects.get(revision=new).github_id == second["id"]
    assert sorted(WebhookDelivery.objects.values_list("delivery_id", "status")) == [
        ("e2e-1", "processed"),
        ("e2e-2", "processed"),
    ]
    # Tokens were minted by the worker and used only as credentials, never sent as data.
    assert github.issued_tokens
    bodies = [str(r.json or "") for r in github.api_requests()]
    assert not [t for t in github.issued_tokens for body in bodies if t in body]
