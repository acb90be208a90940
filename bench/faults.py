"""`make faults`: faults injected into the real processes, one line per figure:

    FAULT <name>: <measured> (goal <goal>) ok|FAIL

and a non-zero exit when any goal is missed.

Worker death (issue 17): a batch of pull requests is opened through signed webhooks against the
web server, a Celery worker with its beat schedule (as `make run` starts it) works through them
against the GitHub double, and the worker's pool processes are killed with SIGKILL a few seconds
apart, as the out-of-memory killer would. Every pull request must end with exactly one check run,
completed, and none may be left queued or in progress. It runs on the embedded default (SQLite,
kombu's filesystem broker) and on PostgreSQL + Redis.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench.harness import (
    PYTHON,
    ROOT,
    WEBHOOK_SECRET,
    bench_env,
    flush_broker,
    free_port,
    reset_database,
    signed_headers,
    wait_http,
)
from github_app.management.demo_repository import PULL_REQUESTS, demo_repository_create
from tests.github_double import GitHubDouble

FULL_NAME = "acme/shop"
INSTALLATION_ID = 777
STACKS = ("embedded", "postgres+redis")


@dataclass(frozen=True)
class Figure:
    name: str
    measured: float
    goal: float
    unit: str = ""
    higher_is_better: bool = False

    @property
    def ok(self) -> bool:
        return self.measured >= self.goal if self.higher_is_better else self.measured <= self.goal

    def line(self) -> str:
        sign = "≥" if self.higher_is_better else "≤"
        measured = f"{self.measured:g}{self.unit}"
        return (
            f"FAULT {self.name}: {measured} (goal {sign} {self.goal:g}{self.unit}) "
            f"{'ok' if self.ok else 'FAIL'}"
        )


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(  # noqa: S603  # nosec B603 B607
        ["git", "-C", str(repo), *args],  # noqa: S607 - git from PATH, as make run uses it
        check=True, capture_output=True, text=True, env=env,
    ).stdout.strip()  # fmt: skip


def _branches(repo: Path, count: int) -> list[tuple[int, str, Any]]:
    """`count` pull-request branches with distinct heads: an empty commit on each demo branch."""
    made = []
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Dana Developer",
        "GIT_AUTHOR_EMAIL": "dana@example.com",
        "GIT_COMMITTER_NAME": "Dana Developer",
        "GIT_COMMITTER_EMAIL": "dana@example.com",
    }
    for index in range(count):
        pr = PULL_REQUESTS[index % len(PULL_REQUESTS)]
        parent = _git(repo, "rev-parse", pr.branch)
        tree = _git(repo, "rev-parse", f"{parent}^{{tree}}")
        head = _git(repo, "commit-tree", tree, "-p", parent, "-m", f"Batch {index}", env=env)
        branch = f"faults/{index}"
        _git(repo, "update-ref", f"refs/heads/{branch}", head)
        made.append((100 + index, branch, pr))
    return made


def _stack_env(stack: str, data_dir: Path, double: GitHubDouble) -> dict[str, str]:
    extra = {
        "GITHUB_API_URL": double.base_url,
        "GITHUB_APP_ID": str(double.app_id),
        "GITHUB_PRIVATE_KEY": double.private_key_pem,
        "REVIEWBENCH_BASE_URL": "https://reviewbench.faults",
        "REVIEWBENCH_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "INFO",
    }
    env = bench_env(**extra)
    if stack == "embedded":
        # What `make run` runs: SQLite and the filesystem broker under the data directory.
        env.pop("DATABASE_URL")
        env.pop("CELERY_BROKER_URL")
        env["DJANGO_DEBUG"] = "1"
    return env


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process in its own process group, stopped with its children at the end."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603  # nosec B603
            args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield proc
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextlib.contextmanager
def _production_stack(
    env: dict[str, str], port: int, data_dir: Path, logs: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn (sync workers, as scripts/serve web) and a prefork Celery worker with beat, on
    PostgreSQL and Redis; yields the worker's main process once the web server answers."""
    web_args = [PYTHON, "-m", "gunicorn", "reviewbench.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--workers", "3",
                "--log-level", "warning"]  # fmt: skip
    worker_args = [PYTHON, "-m", "celery", "-A", "reviewbench", "worker", "--beat",
                   "--loglevel", "INFO", "--concurrency", "2",
                   "--schedule", str(data_dir / "celerybeat-schedule")]  # fmt: skip
    with (
        _process(web_args, env, logs / "web.log"),
        _process(worker_args, env, logs / "worker.log") as worker,
    ):
        wait_http(port, logs / "web.log")
        yield worker


def _children(pid: int) -> list[int]:
    """The direct children of a process (Linux's /proc)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children.extend(int(child) for child in task.read_text().split())
    return children


def _pool_processes(worker: int, schedule: Path) -> list[int]:
    """The prefork pool's children of the worker's main process; the embedded beat, which holds
    the schedule file open, is not one of them."""
    pool = []
    for child in _children(worker):
        try:
            open_files = [os.readlink(fd) for fd in Path(f"/proc/{child}/fd").iterdir()]
        except OSError:
            continue
        if not any(name.startswith(str(schedule)) for name in open_files):
            pool.append(child)
    return pool


def _embedded_workers(log: Path) -> list[int]:
    """The worker process scripts/celery-embedded runs, once it has taken a task (what the
    out-of-memory killer would pick: the thread pool's process is where the analyses run)."""
    text = log.read_text(errors="replace")
    found = list(re.finditer(r"\[celery-embedded\] worker running \(pid (\d+)\)", text))
    if not found:
        return []
    pid = int(found[-1].group(1))
    busy = re.search(r"Task \S+ received", text[found[-1].end() :])
    return [pid] if busy and Path(f"/proc/{pid}").exists() else []


def _wait_for(find: Any, timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := find():
            return list(found)
        time.sleep(0.1)
    return []


def _runs_by_head(double: GitHubDouble) -> dict[str, list[dict[str, Any]]]:
    by_head: dict[str, list[dict[str, Any]]] = {}
    for run in list(double.check_runs.values()):
        by_head.setdefault(run["head_sha"], []).append(run)
    return by_head


def worker_sigkill(
    stack: str, *, prs: int, kills: int, gap: float, settle: float, recovery_goal: float | None
) -> list[Figure]:
    """Kill pool processes `kills` times, `gap` seconds apart, while `prs` PRs are processed."""
    with tempfile.TemporaryDirectory(prefix="reviewbench-faults-") as tmp, GitHubDouble() as double:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        logs = ROOT / "var" / "faults" / stack.replace("+", "-")
        logs.mkdir(parents=True, exist_ok=True)
        repo = demo_repository_create(Path(tmp) / "demo-repo")
        double.add_repository(FULL_NAME)
        heads = {}
        for number, branch, pr in _branches(repo, prs):
            loaded = double.load_from_git(
                repo, FULL_NAME, number, "main", branch, title=pr.title, body=pr.body,
                user=pr.author_login, labels=pr.labels,
            )  # fmt: skip
            heads[number] = loaded["head"]["sha"]
        # A slow GitHub (0.5 s a pull-request request): an analysis is under way, its check run
        # open, for most of the time a pool process lives.
        double.fail_next(
            f"/repos/{FULL_NAME}/pulls/*", times=10_000, status=None, method="GET", delay=0.5
        )
        env = _stack_env(stack, data_dir, double)
        if stack != "embedded":  # `make run` migrates its own SQLite database
            reset_database(env)
            flush_broker(env)
        port = free_port()
        env["PORT"] = str(port)
        web_log = logs / "web.log"
        if stack == "embedded":
            # `make run` itself: its web server, and scripts/celery-embedded keeping a worker
            # (thread pool) and beat alive.
            running = contextlib.ExitStack()
            running.enter_context(_process(["scripts/run-local"], env, web_log))
            victims = lambda: _embedded_workers(data_dir / "worker.log")  # noqa: E731
        else:
            running = contextlib.ExitStack()
            worker = running.enter_context(_production_stack(env, port, data_dir, logs))
            schedule = data_dir / "celerybeat-schedule"
            victims = lambda: _pool_processes(worker.pid, schedule)  # noqa: E731
        with running:
            wait_http(port, web_log)
            time.sleep(4)  # the worker connects and forks its pool
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for number in heads:
                body = _opened(double, number)
                headers = signed_headers(body, "pull_request", f"faults-{stack}-{number}")
                conn.request("POST", "/github/webhook", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 202:
                    raise RuntimeError(f"webhook answered {response.status}; see {web_log}")
            killed = 0
            last_kill = time.monotonic()
            for _ in range(kills):
                time.sleep(gap)
                # GitHub is slow, so both pool processes are in the middle of a pull request.
                # A worker being started again has no victim yet: wait for it.
                pool = _wait_for(victims, 30)
                if pool:
                    os.kill(pool[0], signal.SIGKILL)
                    killed += 1
                    last_kill = time.monotonic()
            deadline = last_kill + settle
            done_at = None
            while time.monotonic() < deadline:
                runs = _runs_by_head(double)
                if all(
                    any(run.get("status") == "completed" for run in runs.get(sha, ()))
                    for sha in heads.values()
                ):
                    done_at = time.monotonic()
                    break
                time.sleep(0.5)
            # a moment more: a late duplicate would show now
            time.sleep(3)
        if (data_dir / "worker.log").exists():
            shutil.copy(data_dir / "worker.log", logs / "worker.log")
        runs = _runs_by_head(double)
    completed = Counter(
        sha for sha, items in runs.items() for run in items if run.get("status") == "completed"
    )
    exactly_one = sum(1 for sha in heads.values() if completed[sha] == 1)
    duplicates = sum(max(len(runs.get(sha, ())) - 1, 0) for sha in heads.values())
    unfinished = sum(
        1 for items in runs.values() for run in items if run.get("status") != "completed"
    )
    recovery = (done_at - last_kill) if done_at is not None else float(settle)
    name = f"worker SIGKILL x{killed} during {prs} PRs [{stack}]"
    figures = [
        Figure(f"{name} PRs with exactly one completed check run", exactly_one, prs, "",
               higher_is_better=True),
        Figure(f"{name} duplicate check runs", duplicates, 0),
        Figure(f"{name} check runs left queued/in progress", unfinished, 0),
    ]  # fmt: skip
    if recovery_goal is not None:
        figures.append(
            Figure(f"{name} last completed check after the last kill", round(recovery, 1),
                   recovery_goal, " s")
        )  # fmt: skip
    return figures


def _workspace(tmp: Path, name: str, double: GitHubDouble) -> tuple[Path, Path, Path]:
    """(data directory, log folder under var/faults/, demo repository served by the double)."""
    data_dir, logs = tmp / "data", ROOT / "var" / "faults" / name
    data_dir.mkdir()
    logs.mkdir(parents=True, exist_ok=True)
    repo = demo_repository_create(tmp / "demo-repo")
    double.add_repository(FULL_NAME)
    return data_dir, logs, repo


def _opened(double: GitHubDouble, number: int) -> bytes:
    """The body of GitHub's `pull_request` `opened` delivery for a PR the double serves."""
    payload = {
        "action": "opened",
        "number": number,
        "pull_request": double.pull_request_json(FULL_NAME, number),
        "repository": double.repository_json(FULL_NAME),
        "installation": {"id": INSTALLATION_ID},
        "sender": {"login": "dana", "id": 1, "type": "User"},
    }
    return json.dumps(payload).encode()


def _post(port: int, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/github/webhook", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        conn.close()


def _forgeries(body: bytes, delivery: str) -> dict[str, tuple[bytes, dict[str, str]]]:
    """Deliveries that must be refused, each with its own delivery id."""
    good = signed_headers(body, "pull_request", delivery)
    digest = good["X-Hub-Signature-256"].removeprefix("sha256=")

    def headers(name: str, **changes: str | None) -> dict[str, str]:
        out = {**good, "X-GitHub-Delivery": f"{delivery}-{name}"}
        for key, value in changes.items():
            key = key.replace("_", "-")
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out

    other = signed_headers(body + b" ", "pull_request", delivery)["X-Hub-Signature-256"]
    sha1 = "sha1=" + hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha1).hexdigest()
    wrong = "sha256=" + hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
    form = b"payload=" + body
    return {
        "no signature": (body, headers("none", X_Hub_Signature_256=None)),
        "sha1 only": (body, headers("sha1", X_Hub_Signature_256=None, X_Hub_Signature=sha1)),
        "wrong secret": (body, headers("wrong", X_Hub_Signature_256=wrong)),
        "truncated digest": (body, headers("trunc", X_Hub_Signature_256=f"sha256={digest[:40]}")),
        "upper-cased digest": (body, headers("upper",
                                             X_Hub_Signature_256=f"sha256={digest.upper()}")),
        "no algorithm prefix": (body, headers("bare", X_Hub_Signature_256=digest)),
        "sha512 prefix": (body, headers("sha512", X_Hub_Signature_256=f"sha512={digest}")),
        "not hex": (body, headers("nothex", X_Hub_Signature_256="sha256=" + "zz" * 32)),
        "signature of another body": (body, headers("other", X_Hub_Signature_256=other)),
        "body changed after signing": (body.replace(b"synchronize", b"opened"), headers("changed")),
        "body cut after signing": (body[: len(body) // 2], headers("cut")),
        "empty body": (b"", headers("empty")),
        "form-encoded body signed as JSON": (form, headers(
            "form", Content_Type="application/x-www-form-urlencoded")),
        "oversize body": (b" " * (26 * 1024 * 1024), headers("huge")),
    }  # fmt: skip


def forged_deliveries(*, flips: int = 1000) -> list[Figure]:
    """Forged deliveries against gunicorn: none is accepted, none is stored."""
    with tempfile.TemporaryDirectory(prefix="reviewbench-faults-") as tmp:
        data_dir, logs = Path(tmp), ROOT / "var" / "faults" / "webhook"
        logs.mkdir(parents=True, exist_ok=True)
        env = bench_env(REVIEWBENCH_DATA_DIR=str(data_dir))
        reset_database(env)
        flush_broker(env)
        port = free_port()
        fixture = ROOT / "tests" / "fixtures" / "github" / "pull_request.opened.json"
        body = json.dumps({**json.loads(fixture.read_text()), "action": "synchronize"}).encode()
        rng = random.Random(17)  # noqa: S311 - reproducible flips, not a secret  # nosec B311
        with _production_stack(env, port, data_dir, logs):
            accepted: Counter[str] = Counter()
            for name, (forged, headers) in _forgeries(body, "forged").items():
                if 200 <= _post(port, forged, headers) < 300:
                    accepted[name] += 1
            flipped_accepted = 0
            for index in range(flips):
                position = rng.randrange(len(body))
                changed = bytearray(body)
                changed[position] ^= 1 << rng.randrange(8)
                headers = {**signed_headers(body, "pull_request", f"flip-{index}")}
                if 200 <= _post(port, bytes(changed), headers) < 300:
                    flipped_accepted += 1
            # and the genuine one still goes through
            genuine = _post(port, body, signed_headers(body, "pull_request", "genuine"))
        stored = _count(env, "SELECT count(*) FROM github_app_webhookdelivery")
    variants = len(_forgeries(body, "x"))
    return [
        Figure(f"forged deliveries ({variants} variants) accepted", sum(accepted.values()), 0),
        Figure(f"signed bodies with one bit flipped ({flips}) accepted", flipped_accepted, 0),
        Figure("deliveries stored after the forgeries and one genuine one", stored, 1),
        Figure("the genuine delivery's answer", genuine, 202, higher_is_better=True),
    ]


def duplicate_delivery(*, copies: int = 100, settle: float = 60.0) -> list[Figure]:
    """The same delivery `copies` times at once (a redelivery storm): one job, one check run."""
    with tempfile.TemporaryDirectory(prefix="reviewbench-faults-") as tmp, GitHubDouble() as double:
        data_dir, logs, repo = _workspace(Path(tmp), "duplicate", double)
        pr = PULL_REQUESTS[0]
        loaded = double.load_from_git(repo, FULL_NAME, 1, "main", pr.branch, title=pr.title)
        head = loaded["head"]["sha"]
        env = _stack_env("postgres+redis", data_dir, double)
        reset_database(env)
        flush_broker(env)
        port = free_port()
        body = _opened(double, 1)
        headers = signed_headers(body, "pull_request", "storm-1")
        with _production_stack(env, port, data_dir, logs):
            gate = threading.Barrier(copies)
            codes: Counter[int] = Counter()
            lock = threading.Lock()

            def send() -> None:
                gate.wait()
                status = _post(port, body, headers)
                with lock:
                    codes[status] += 1

            senders = [threading.Thread(target=send) for _ in range(copies)]
            for thread in senders:
                thread.start()
            for thread in senders:
                thread.join()
            _wait_for(lambda: [r for r in _runs_by_head(double).get(head, ())
                               if r.get("status") == "completed"], settle)  # fmt: skip
            time.sleep(3)  # a late second job would show now
        rows = _count(env, "SELECT count(*) FROM github_app_webhookdelivery")
        attempts = _count(env, "SELECT coalesce(sum(attempts), 0) FROM github_app_webhookdelivery")
        revisions = _count(env, "SELECT count(*) FROM findings_revision")
        runs = len(_runs_by_head(double).get(head, ()))
    return [
        Figure(f"same delivery x{copies} at once: answered 202", codes[202], copies,
               higher_is_better=True),
        Figure(f"same delivery x{copies} at once: deliveries stored", rows, 1),
        Figure(f"same delivery x{copies} at once: jobs run", attempts, 1),
        Figure(f"same delivery x{copies} at once: analyses", revisions, 1),
        Figure(f"same delivery x{copies} at once: check runs", runs, 1),
    ]  # fmt: skip


def github_errors(*, prs: int = 6, settle: float = 600.0) -> list[Figure]:
    """GitHub answering 429 with Retry-After, 403 secondary rate limits, 502s and a 401 on a
    token, and for one pull request never recovering: every check run ends completed."""
    with tempfile.TemporaryDirectory(prefix="reviewbench-faults-") as tmp, GitHubDouble() as double:
        data_dir, logs, repo = _workspace(Path(tmp), "github-errors", double)
        # PRs 1..prs on distinct heads, and #99, for which GitHub never recovers
        branches = [(index + 1, branch) for index, (_, branch, _) in
                    enumerate(_branches(repo, prs))] + [(99, "fix/order-typing")]  # fmt: skip
        numbers = [number for number, _ in branches]
        heads = {
            number: double.load_from_git(repo, FULL_NAME, number, "main", branch)["head"]["sha"]
            for number, branch in branches
        }
        never = 99
        for number in numbers[:-1]:
            double.fail_next(
                f"/repos/{FULL_NAME}/pulls/{number}/commits",
                status=429,
                message="Too many requests",
                headers={"Retry-After": "2"},
            )
        for number in numbers[:3]:
            double.fail_next(
                f"/repos/{FULL_NAME}/pulls/{number}",
                status=403,
                message="You have exceeded a secondary rate limit.",
                headers={"Retry-After": "1"},
            )
        double.fail_next(f"/repos/{FULL_NAME}/check-runs", method="POST", status=502, times=2)
        double.fail_next(
            f"/app/installations/{INSTALLATION_ID}/access_tokens",
            method="POST",
            status=401,
            message="Bad credentials",
        )
        double.fail_next(f"/repos/{FULL_NAME}/pulls/{never}/commits", status=502, times=100_000,
                         message="Bad Gateway")  # fmt: skip
        env = _stack_env("postgres+redis", data_dir, double)
        reset_database(env)
        flush_broker(env)
        port = free_port()
        with _production_stack(env, port, data_dir, logs):
            for number in numbers:
                body = _opened(double, number)
                _post(port, body, signed_headers(body, "pull_request", f"errors-{number}"))

            def all_completed() -> bool:
                runs = _runs_by_head(double)
                return all(
                    runs.get(sha) and all(r.get("status") == "completed" for r in runs[sha])
                    for sha in heads.values()
                )

            _wait_for(lambda: [1] if all_completed() else [], settle)
        runs = _runs_by_head(double)
        gaps = []
        for number in numbers[:-1]:
            seen = [
                r.at
                for r in double.requests
                if r.path == f"/repos/{FULL_NAME}/pulls/{number}/commits"
            ]
            if len(seen) >= 2:
                gaps.append(seen[1] - seen[0])
    completed = sum(
        1 for sha in heads.values()
        if runs.get(sha) and all(r.get("status") == "completed" for r in runs[sha])
    )  # fmt: skip
    left_open = sum(1 for items in runs.values() for r in items if r.get("status") != "completed")
    never_runs = runs.get(heads[never], [])
    explained = sum(
        1 for r in never_runs
        if r.get("conclusion") == "failure" and "502" in (r.get("output") or {}).get("summary", "")
    )  # fmt: skip
    return [
        Figure(f"GitHub errors: PRs whose check run ended completed ({len(heads)})", completed,
               len(heads), higher_is_better=True),
        Figure("GitHub errors: check runs left queued/in progress", left_open, 0),
        Figure("GitHub never recovers: check run completed as failed with the reason", explained,
               1, higher_is_better=True),
        Figure("GitHub errors: shortest wait after a 429 with Retry-After: 2",
               round(min(gaps, default=0.0), 2), 1.9, " s", higher_is_better=True),
    ]  # fmt: skip


def _timed_post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    started = time.perf_counter()
    status = _post(port, body, headers)
    return status, time.perf_counter() - started


def _many_pull_requests(double: GitHubDouble, repo: Path, count: int) -> dict[int, str]:
    """PRs 1..count on distinct heads, copies of the demo's first branch."""
    pr = PULL_REQUESTS[0]
    first = double.load_from_git(repo, FULL_NAME, 1, "main", pr.branch, title=pr.title)
    heads = {1: first["head"]["sha"]}
    for number in range(2, count + 1):
        head = hashlib.sha1(f"outage-{number}".encode(), usedforsecurity=False).hexdigest()
        heads[number] = double.clone_pull_request(FULL_NAME, 1, number, head_sha=head)["head"][
            "sha"
        ]
    return heads


def redis_outage(*, deliveries: int = 500, settle: float = 600.0) -> list[Figure]:
    """Redis stopped during a stream of deliveries and started again: every one analysed once.
    The webhook records each delivery in PostgreSQL before it queues it; what could not be
    queued, the sweep hands over (here every 5 s, after 20 s)."""
    with tempfile.TemporaryDirectory(prefix="reviewbench-faults-") as tmp, GitHubDouble() as double:
        data_dir, logs, repo = _workspace(Path(tmp), "redis-outage", double)
        heads = _many_pull_requests(double, repo, deliveries)
        redis_port = free_port()
        redis_args = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                      "--save", "", "--appendonly", "no"]  # fmt: skip
        env = _stack_env("postgres+redis", data_dir, double)
        env.update(
            CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
            REVIEWBENCH_SWEEP_SECONDS="5",
            REVIEWBENCH_SWEEP_AFTER_SECONDS="20",
        )
        reset_database(env)
        port = free_port()
        codes: Counter[int] = Counter()
        slowest = 0.0
        redis = contextlib.ExitStack()
        redis.enter_context(_process(redis_args, env, logs / "redis.log"))
        with _production_stack(env, port, data_dir, logs):
            for number in heads:
                if number == deliveries * 3 // 10:
                    redis.close()  # Redis stops
                if number == deliveries * 6 // 10:
                    redis = contextlib.ExitStack()
                    redis.enter_context(_process(redis_args, env, logs / "redis-again.log"))
                # One body, signed as sent: the payload carries a timestamp, so building it twice
                # can straddle a second and sign a different body.
                body = _opened(double, number)
                status, took = _timed_post(
                    port, body, signed_headers(body, "pull_request", f"redis-{number}")
                )
                codes[status] += 1
                slowest = max(slowest, took)
            _wait_for(lambda: [1] if _all_completed(double, heads) else [], settle)
            time.sleep(3)
            redis.close()
        runs = _runs_by_head(double)
    completed = sum(1 for sha in heads.values() if _completed_once(runs.get(sha, ())))
    extra = sum(max(len(runs.get(sha, ())) - 1, 0) for sha in heads.values())
    return [
        Figure(f"Redis stopped during {deliveries} deliveries: answered 202", codes[202],
               deliveries, higher_is_better=True),
        Figure("Redis stopped: slowest webhook answer", round(slowest, 2), 10.0, " s"),
        Figure("Redis stopped: PRs analysed, one completed check run each", completed,
               deliveries, higher_is_better=True),
        Figure("Redis stopped: duplicate check runs", extra, 0),
    ]  # fmt: skip


def _all_completed(double: GitHubDouble, heads: dict[int, str]) -> bool:
    runs = _runs_by_head(double)
    return all(_completed_once(runs.get(sha, ())) for sha in heads.values())


def _completed_once(runs: Any) -> bool:
    return len(runs) == 1 and runs[0].get("status") == "completed"


def _postgres(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(  # noqa: S603  # nosec B603 B607
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action,  # noqa: S607
         *(["-m", "fast"] if action == "stop" else [])],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def postgres_restart(*, during: int = 30, after: int = 50) -> list[Figure]:
    """PostgreSQL stopped under a stream of deliveries and started again: fast 503s while it is
    down, no 5xx once it is back, and GitHub's redelivery of the refused ids recorded once."""
    with tempfile.TemporaryDirectory(prefix="reviewbench-faults-") as tmp, GitHubDouble() as double:
        data_dir, logs, repo = _workspace(Path(tmp), "postgres-restart", double)
        heads = _many_pull_requests(double, repo, 20 + during + after)
        env = _stack_env("postgres+redis", data_dir, double)
        reset_database(env)
        flush_broker(env)
        port = free_port()
        numbers = list(heads)
        refused: list[int] = []
        outage: list[tuple[int, float]] = []
        back: Counter[int] = Counter()

        def send(number: int, delivery: str) -> tuple[int, float]:
            body = _opened(double, number)
            return _timed_post(port, body, signed_headers(body, "pull_request", delivery))

        with _production_stack(env, port, data_dir, logs):
            for number in numbers[:20]:
                send(number, f"pg-{number}")
            try:
                _postgres("stop")
                for number in numbers[20 : 20 + during]:
                    status, took = send(number, f"pg-{number}")
                    outage.append((status, took))
                    if status != 202:
                        refused.append(number)
            finally:
                _postgres("start")
            for number in numbers[20 + during :]:
                back[send(number, f"pg-{number}")[0]] += 1
            for number in refused:  # GitHub's "redeliver", same delivery id
                send(number, f"pg-{number}")
                send(number, f"pg-{number}")
            _wait_for(lambda: [1] if _all_completed(double, heads) else [], 300)
        stored = _count(env, "SELECT count(*) FROM github_app_webhookdelivery")
        runs = _runs_by_head(double)
    statuses = Counter(status for status, _ in outage)
    completed = sum(1 for sha in heads.values() if _completed_once(runs.get(sha, ())))
    return [
        Figure(f"PostgreSQL down: answers that were 503 ({during})", statuses[503], during,
               higher_is_better=True),
        Figure("PostgreSQL down: slowest answer", round(max(t for _, t in outage), 2), 1.0, " s"),
        Figure(f"PostgreSQL back: 5xx in the next {after} deliveries",
               sum(n for status, n in back.items() if status >= 500 or status == 0), 0),
        Figure("PostgreSQL back: refused deliveries redelivered and recorded once",
               stored - (20 + after), len(refused), higher_is_better=True),
        Figure("PostgreSQL back: deliveries recorded (each once)", stored, len(heads)),
        Figure("PostgreSQL back: PRs with one completed check run", completed, len(heads),
               higher_is_better=True),
    ]  # fmt: skip


def large_pull_request(*, files: int = 3000, settle: float = 900.0) -> list[Figure]:
    """A pull request of `files` files (GitHub lists at most 3,000), served by the double over
    git's smart HTTP as GitHub serves it: analysed to a completed check run, every file recorded
    and shown, in a constant number of GitHub API requests."""
    from bench.large_pr import generated_repository

    with tempfile.TemporaryDirectory(prefix="reviewbench-faults-") as tmp, GitHubDouble() as double:
        data_dir, logs, _repo = _workspace(Path(tmp), "large-pr", double)
        generated = Path(tmp) / "generated"
        generated_repository(generated, files, 2)
        head = double.load_from_git(generated, FULL_NAME, 1, "main", "feature")["head"]["sha"]
        env = _stack_env("postgres+redis", data_dir, double)
        reset_database(env)
        flush_broker(env)
        port = free_port()
        with _production_stack(env, port, data_dir, logs):
            double.requests.clear()
            started = time.monotonic()
            body = _opened(double, 1)
            status = _post(port, body, signed_headers(body, "pull_request", "large-1"))
            done = _wait_for(
                lambda: [r for r in _runs_by_head(double).get(head, ())
                         if r.get("status") == "completed"], settle,
            )  # fmt: skip
            seconds = time.monotonic() - started
        recorded = _count(env, "SELECT count(*) FROM findings_changedfile")
        requests = len(double.api_requests())
    return [
        Figure(f"{files}-file PR: webhook answered", status, 202, higher_is_better=True),
        Figure(f"{files}-file PR: completed check runs", len(done), 1, higher_is_better=True),
        Figure(f"{files}-file PR: files recorded", recorded, files, higher_is_better=True),
        Figure(f"{files}-file PR: GitHub API requests", requests, 30),
        Figure(f"{files}-file PR: seconds to the completed check", round(seconds, 1), settle,
               " s"),
    ]  # fmt: skip


def _count(env: dict[str, str], sql: str) -> int:
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults")
    parser.add_argument(
        "--only",
        choices=("webhook", "github", "large", "outages", "sigkill"),
        help="one group of faults",
    )
    parser.add_argument("--stack", choices=STACKS, action="append")
    parser.add_argument("--prs", type=int, default=20, help="PRs of the timed SIGKILL runs")
    parser.add_argument("--batch", type=int, default=200, help="PRs of the large SIGKILL run")
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between kills")
    args = parser.parse_args(argv)
    figures: list[Figure] = []

    def report(found: list[Figure]) -> None:
        for figure in found:
            print(figure.line(), flush=True)
            figures.append(figure)

    if args.only in (None, "webhook"):
        report(forged_deliveries())
        report(duplicate_delivery())
    if args.only in (None, "github"):
        report(github_errors())
    if args.only in (None, "large"):
        report(large_pull_request())
    if args.only in (None, "outages"):
        report(redis_outage())
        report(postgres_restart())
    if args.only in (None, "sigkill"):
        for stack in args.stack or STACKS:
            # issue 17: every PR completed within a minute of the last kill
            report(worker_sigkill(stack, prs=args.prs, kills=args.kills, gap=args.gap,
                                  settle=120.0, recovery_goal=60.0))  # fmt: skip
        if args.batch and "postgres+redis" in (args.stack or STACKS):
            # issue 11: a long batch on the production stack, nothing lost and nothing twice
            report(worker_sigkill("postgres+redis", prs=args.batch, kills=args.kills,
                                  gap=args.gap, settle=900.0, recovery_goal=None))  # fmt: skip
    failed = [figure for figure in figures if not figure.ok]
    print(f"faults: {len(figures) - len(failed)} of {len(figures)} figures meet their goal")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
