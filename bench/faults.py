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
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.harness import (
    PYTHON,
    ROOT,
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
    return subprocess.run(  # noqa: S603
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
        proc = subprocess.Popen(  # noqa: S603
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


def worker_sigkill(stack: str, *, prs: int, kills: int, gap: float, settle: float) -> list[Figure]:
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
            web_args = [PYTHON, "-m", "gunicorn", "reviewbench.wsgi:application",
                        "--bind", f"127.0.0.1:{port}", "--workers", "2",
                        "--log-level", "warning"]  # fmt: skip
            worker_args = [PYTHON, "-m", "celery", "-A", "reviewbench", "worker", "--beat",
                           "--loglevel", "INFO", "--concurrency", "2",
                           "--schedule", str(data_dir / "celerybeat-schedule")]  # fmt: skip
            running = contextlib.ExitStack()
            running.enter_context(_process(web_args, env, web_log))
            worker = running.enter_context(_process(worker_args, env, logs / "worker.log"))
            schedule = data_dir / "celerybeat-schedule"
            victims = lambda: _pool_processes(worker.pid, schedule)  # noqa: E731
        with running:
            wait_http(port, web_log)
            time.sleep(4)  # the worker connects and forks its pool
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for number in heads:
                payload = {
                    "action": "opened",
                    "number": number,
                    "pull_request": double.pull_request_json(FULL_NAME, number),
                    "repository": double.repository_json(FULL_NAME),
                    "installation": {"id": INSTALLATION_ID},
                    "sender": {"login": "dana", "id": 1, "type": "User"},
                }
                body = json.dumps(payload).encode()
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
    return [
        Figure(f"{name} PRs with exactly one completed check run", exactly_one, prs, "",
               higher_is_better=True),
        Figure(f"{name} duplicate check runs", duplicates, 0),
        Figure(f"{name} check runs left queued/in progress", unfinished, 0),
        Figure(f"{name} last completed check after the last kill", round(recovery, 1), 60, " s"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults")
    parser.add_argument("--stack", choices=STACKS, action="append")
    parser.add_argument("--prs", type=int, default=20)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--settle", type=float, default=120.0, help="seconds to wait after")
    args = parser.parse_args(argv)
    figures: list[Figure] = []
    for stack in args.stack or STACKS:
        for figure in worker_sigkill(
            stack, prs=args.prs, kills=args.kills, gap=args.gap, settle=args.settle
        ):
            print(figure.line(), flush=True)
            figures.append(figure)
    return 0 if all(figure.ok for figure in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
