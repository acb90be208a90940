"""Webhook-to-completed-check time for the demo pull requests.

Everything is real but GitHub: gunicorn takes the signed webhooks, a Celery worker on Redis runs
the pipeline against PostgreSQL, and the GitHub HTTP double used by the tests serves the demo
repository's pull requests and records the check runs.
"""

from __future__ import annotations

import http.client
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import (
    bench_env,
    celery_worker,
    flush_broker,
    gunicorn,
    reset_database,
    signed_headers,
)
from github_app.management.demo_repository import PULL_REQUESTS, demo_repository_create
from tests.github_double import GitHubDouble

FULL_NAME = "acme/shop"
INSTALLATION_ID = 777


def _completed_run(double: GitHubDouble, head_sha: str) -> dict | None:
    for run in list(double.check_runs.values()):
        if run["head_sha"] == head_sha and run.get("status") == "completed":
            return run
    return None


def run(timeout: float = 120.0) -> None:
    with tempfile.TemporaryDirectory() as tmp, GitHubDouble() as double:
        repo = demo_repository_create(Path(tmp) / "demo-repo")
        double.add_repository(FULL_NAME)
        for pr in PULL_REQUESTS:
            double.load_from_git(
                repo,
                FULL_NAME,
                pr.number,
                "main",
                pr.branch,
                title=pr.title,
                body=pr.body,
                user=pr.author_login,
                labels=pr.labels,
            )
        env = bench_env(
            GITHUB_API_URL=double.base_url,
            GITHUB_APP_ID=str(double.app_id),
            GITHUB_PRIVATE_KEY=double.private_key_pem,
            REVIEWBENCH_BASE_URL="https://reviewbench.bench",
        )
        reset_database(env)
        flush_broker(env)
        timings: list[tuple[int, float, str]] = []
        with gunicorn(env, workers=2, threads=4) as port, celery_worker(env, concurrency=2):
            time.sleep(3)  # let the worker connect before the clock starts
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for pr in PULL_REQUESTS:
                payload: dict[str, Any] = {
                    "action": "opened",
                    "number": pr.number,
                    "pull_request": double.pull_request_json(FULL_NAME, pr.number),
                    "repository": double.repository_json(FULL_NAME),
                    "installation": {"id": INSTALLATION_ID},
                    "sender": {"login": pr.author_login, "id": 1, "type": "User"},
                }
                head_sha = payload["pull_request"]["head"]["sha"]
                body = json.dumps(payload).encode()
                started = time.perf_counter()
                conn.request(
                    "POST",
                    "/github/webhook",
                    body=body,
                    headers=signed_headers(body, "pull_request", f"bench-{pr.number}"),
                )
                response = conn.getresponse()
                response.read()
                if response.status != 202:
                    raise RuntimeError(f"webhook answered {response.status}")
                deadline = started + timeout
                while (finished := _completed_run(double, head_sha)) is None:
                    if time.perf_counter() > deadline:
                        raise RuntimeError(f"no completed check for #{pr.number}; see var/bench/")
                    time.sleep(0.02)
                timings.append((pr.number, time.perf_counter() - started, finished["conclusion"]))
        flush_broker(env)
    print(
        "webhook -> completed check run (gunicorn, Celery worker on Redis, PostgreSQL, "
        "GitHub double), demo PRs one after another:"
    )
    for number, seconds, conclusion in timings:
        print(f"  {FULL_NAME}#{number}: {seconds * 1000:.0f} ms ({conclusion})")
    print(f"  mean {statistics.mean(t for _, t, _ in timings) * 1000:.0f} ms")
