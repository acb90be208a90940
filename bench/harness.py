"""Processes the benchmarks run against: a bench database, gunicorn, a Celery worker."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DB = "reviewbench_bench"
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - a local benchmark's own secret  # nosec B105


def bench_env(**extra: str) -> dict[str, str]:
    """Production-like settings (DEBUG off) on PostgreSQL and Redis, local only."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",  # nosec B105
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_STATIC_MANIFEST": "0",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
        ),
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"),
        "GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "REVIEWBENCH_DATA_DIR": str(ROOT / "var" / "bench"),
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def reset_database(env: dict[str, str]) -> None:
    """Drop and recreate the bench database, then migrate it."""
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    subprocess.run(  # noqa: S603  # nosec B603
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def flush_broker(env: dict[str, str]) -> None:
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()


@contextlib.contextmanager
def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603  # nosec B603
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_http(port: int, log: Path, timeout: float = 60) -> None:
    """Wait for a web server on `port` to answer /healthz; RuntimeError naming its log if not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the web server did not start; see {log}")


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int = 2, threads: int = 4, *, extra: tuple[str, ...] = ()
) -> Iterator[int]:
    """A real HTTP server (gunicorn) with the production WSGI app; yields its port. `threads=0`
    runs gunicorn's sync workers, as `scripts/serve web` does."""
    port = free_port()
    args = [
        PYTHON,
        "-m",
        "gunicorn",
        "reviewbench.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        *(("--threads", str(threads)) if threads else ()),
        "--log-level",
        "warning",
        *extra,
    ]
    log = ROOT / "var" / "bench" / "gunicorn.log"
    with process(args, env, log):
        wait_http(port, log)
        yield port


@contextlib.contextmanager
def celery_worker(env: dict[str, str], concurrency: int = 2) -> Iterator[None]:
    args = [
        PYTHON,
        "-m",
        "celery",
        "-A",
        "reviewbench",
        "worker",
        "--loglevel",
        "WARNING",
        "--concurrency",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
    ]
    with process(args, env, ROOT / "var" / "bench" / "worker.log"):
        yield


def signed_headers(body: bytes, event: str, delivery: str) -> dict[str, str]:
    digest = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": f"sha256={digest}",
        "User-Agent": "GitHub-Hookshot/bench",
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def django_bench_client(env: dict[str, str], username: str) -> tuple[Any, Any]:
    """Django set up on the bench database and a test client signed in as a new user (the
    in-process client runs the real view stack); returns (client, user)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewbench.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.create_user(username, password="x")  # noqa: S106  # nosec B106
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client, user


def seeded_client(seed: Any) -> Any:
    """A fresh bench database, `seed(user)` run for a new lead, the planner's statistics
    refreshed; returns a test client signed in as that lead."""
    env = bench_env()
    # A page bench run before this one in the process holds a connection to the database about
    # to be dropped: close it, or Django's next query lands on a terminated connection.
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()
    reset_database(env)
    client, user = django_bench_client(env, "bench-lead")
    from django.db import connection

    seed(user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return client


def time_page(client: Any, url: str, requests: int) -> tuple[list[float], list[int]]:
    """After one warm-up, `requests` GETs of `url`: milliseconds and query counts of each
    (raises SystemExit when one does not answer 200)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    timings: list[float] = []
    counts: list[int] = []
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        counts.append(len(captured))
    return timings, counts


def seed_ready_revisions(user: Any, count: int) -> list[Any]:
    """`count` pull requests over 20 repositories of one installation `user` is a member of, each
    with one READY revision of 100 added lines (the n-th finished n minutes ago)."""
    from datetime import timedelta

    from django.utils import timezone

    from findings.models import PullRequest, Repository, Revision
    from github_app.models import Installation

    installation = Installation.objects.create(account_login="acme")
    installation.members.add(user)
    repositories = Repository.objects.bulk_create(
        Repository(full_name=f"acme/repo{n}") for n in range(20)
    )
    installation.repositories.add(*repositories)
    pulls = PullRequest.objects.bulk_create(
        PullRequest(
            repository=repositories[n % 20], number=n, title=f"PR {n}", head_sha=f"{n:040d}"
        )
        for n in range(count)
    )
    now = timezone.now()
    return Revision.objects.bulk_create(
        Revision(
            pull_request=pr,
            head_sha=pr.head_sha,
            analyzer_version="bench",
            status=Revision.Status.READY,
            finished_at=now - timedelta(minutes=n),
            additions=100,
            ai_added_lines=n % 100,
        )
        for n, pr in enumerate(pulls)
    )
