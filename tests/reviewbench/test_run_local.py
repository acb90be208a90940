"""`make run` stops cleanly (issue 16.1) and keeps to its data directory (16.2): the real
scripts/run-local on the embedded default (SQLite, the filesystem broker, a worker with beat),
fed a pull request through the GitHub double while GitHub is slow, then stopped the way a
supervisor stops it: SIGTERM to its whole process group."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.github_app.conftest import pull_request_payload
from tests.github_double import GitHubDouble

ROOT = Path(__file__).resolve().parents[2]
SECRET = "run-local-webhook-secret"
pytestmark = pytest.mark.xdist_group("processes")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(predicate, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _processes_of(groups: set[int]) -> list[int]:
    """Live processes whose process group is one of `groups` (zombies do not count)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, pgrp = fields[0], int(fields[2])
        if pgrp in groups and state != "Z":
            found.append(int(entry.name))
    return found


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _pull_request_42(tmp_path: Path, github, app_py: str) -> str:  # type: ignore[no-untyped-def]
    """octo-org/payments#42 in the GitHub double: a branch adding app.py; returns its head."""
    repo = tmp_path / "payments"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "mona@example.com")
    _git(repo, "config", "user.name", "Mona")
    (repo / "README.md").write_text("# payments\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "init")
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "app.py").write_text(app_py)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "Add app.py")
    head = _git(repo, "rev-parse", "HEAD")
    github.load_from_git(repo, "octo-org/payments", 42, "main", head, title="App", user="mona")
    return head


class RunLocal:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            ["scripts/run-local"],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker_pid(self) -> int:
        match = re.findall(r"Celery worker running \(pid (\d+)", self.log.read_text())
        return int(match[-1]) if match else 0

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)

    def kill(self) -> None:
        """After a failed test: SIGKILL to make run's group and to the worker's own (setsid)
        group, so no supervisor outlives the test and keeps restarting workers."""
        for group in (self.process.pid, self.worker_pid()):
            if group:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(group, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)


@pytest.fixture
def github():
    with GitHubDouble() as double:
        yield double


@pytest.fixture
def env(tmp_path, github) -> dict[str, str]:
    data = tmp_path / "instance-data"
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    environment.update(
        REVIEWBENCH_DATA_DIR=str(data),
        PORT=str(_free_port()),
        GITHUB_API_URL=github.base_url,
        GITHUB_APP_ID=str(github.app_id),
        GITHUB_PRIVATE_KEY=github.private_key_pem,
        GITHUB_WEBHOOK_SECRET=SECRET,
        REVIEWBENCH_SWEEP_SECONDS="1",
        REVIEWBENCH_SWEEP_AFTER_SECONDS="3",
    )
    return environment


def _deliver(port: int, payload: dict, delivery_id: str) -> int:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/github/webhook",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-GitHub-Event": "pull_request",
            "X-GitHub-Delivery": delivery_id,
            "X-Hub-Signature-256": "sha256="
            + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def _delivery_status(data: Path, delivery_id: str) -> str | None:
    with sqlite3.connect(f"file:{data / 'reviewbench.sqlite3'}?mode=ro", uri=True) as db:
        row = db.execute(
            "SELECT status FROM github_app_webhookdelivery WHERE delivery_id = ?", (delivery_id,)
        ).fetchone()
    return row[0] if row else None


def _completed(github, head_sha: str) -> list[dict]:
    return [
        run
        for run in list(github.check_runs.values())
        if run["head_sha"] == head_sha and run.get("status") == "completed"
    ]


def test_sigterm_to_the_group_stops_every_process_and_loses_no_task(env, github, tmp_path):
    runner = "import subprocess\n\n\ndef run(c):\n    return subprocess.call(c, shell=True)\n"
    head = _pull_request_42(tmp_path, github, runner)
    data = Path(env["REVIEWBENCH_DATA_DIR"])
    port = int(env["PORT"])
    log = tmp_path / "run-local.log"

    # given make run serving, and GitHub slow to list the PR's files (the task stays in flight)
    first = RunLocal(env, log)
    try:
        _wait(lambda: _answers(port), 180, "make run to answer")
        github.fail_next("/repos/octo-org/payments/pulls/42/commits", status=None, delay=3.0)
        assert _deliver(port, pull_request_payload("opened", double=github), "stop-1") == 202
        _wait(
            lambda: github.requests_to("GET", "/repos/octo-org/payments/pulls/42/commits"),
            60,
            "the worker to start on the pull request",
        )
        groups = {first.process.pid, first.worker_pid()}
        assert first.worker_pid() and len(_processes_of(groups)) >= 4  # make, web, worker, pool

        # when a supervisor stops it: SIGTERM to the whole process group
        stopped_at = time.monotonic()
        first.stop()

        # then every process of make run, the worker's pool included, is gone within 10 s
        _wait(lambda: not _processes_of(groups), 10, "every process to exit")
        assert time.monotonic() - stopped_at < 10
        first.process.wait(timeout=5)
    finally:
        first.kill()  # a no-op once it stopped by itself

    # and the task in flight was finished (warm shutdown, acks late), or it comes back after a
    # restart (the sweep re-enqueues a delivery that was not processed): never lost
    if not _completed(github, head):
        again = RunLocal(env, log)
        try:
            _wait(lambda: _completed(github, head), 120, "the delivery to be swept and processed")
        finally:
            again.stop()
            with contextlib.suppress(subprocess.TimeoutExpired):
                again.process.wait(timeout=15)
            again.kill()
    assert _delivery_status(data, "stop-1") == "processed"
    assert len(_completed(github, head)) == 1

    # and everything the instance wrote is under its data directory
    assert (data / "worker.log").stat().st_size > 0
    assert (data / "celerybeat-schedule").exists() or list(data.glob("celerybeat-schedule*"))
    assert (data / "reviewbench.sqlite3").exists() and (data / "broker").is_dir()
    assert "Warm shutdown" in (data / "worker.log").read_text()


def _embedded_workers(data: Path) -> list[int]:
    log = data / "worker.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    return [
        int(pid) for pid in re.findall(r"\[celery-embedded\] worker running \(pid (\d+)\)", text)
    ]


def test_a_worker_killed_with_sigkill_is_started_again_and_its_task_done(env, github, tmp_path):
    head = _pull_request_42(tmp_path, github, "VALUE = 1\n")
    data = Path(env["REVIEWBENCH_DATA_DIR"])
    port = int(env["PORT"])
    running = RunLocal(env, tmp_path / "run-local.log")
    try:
        _wait(lambda: _answers(port), 180, "make run to answer")
        _wait(lambda: _embedded_workers(data), 60, "the worker to start")
        # given the worker in the middle of the pull request (GitHub slow to list its files)
        github.fail_next("/repos/octo-org/payments/pulls/42/commits", status=None, delay=4.0)
        assert _deliver(port, pull_request_payload("opened", double=github), "kill-1") == 202
        _wait(
            lambda: github.requests_to("GET", "/repos/octo-org/payments/pulls/42/commits"),
            60,
            "the worker to start on the pull request",
        )
        [victim] = _embedded_workers(data)

        # when the out-of-memory killer kills it
        os.kill(victim, signal.SIGKILL)

        # then another worker is started, takes the task back and completes one check run
        _wait(lambda: len(_embedded_workers(data)) == 2, 30, "the worker to be started again")
        _wait(lambda: _completed(github, head), 90, "the check run to be completed")
        assert f"worker (pid {victim}) exited with -9" in (data / "worker.log").read_text()
        assert len([r for r in github.check_runs.values() if r["head_sha"] == head]) == 1
        assert _delivery_status(data, "kill-1") == "processed"
    finally:
        running.stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            running.process.wait(timeout=15)
        running.kill()
