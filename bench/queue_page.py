"""The leads' queue page with 10,000 open PRs: server time and query count (goal <= 300 ms)."""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta
from typing import Any

from bench.harness import bench_env, percentile, reset_database

OPEN_PRS = 10_000


def _seed(user: Any) -> None:
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from findings.models import Finding, PullRequest, Repository, Revision
    from github_app.models import Installation
    from reviewbench.approvals.models import Approval, RevisionPolicy

    Group.objects.create(name="security").user_set.add(user)
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
        for n in range(OPEN_PRS)
    )
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
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
    RevisionPolicy.objects.bulk_create(
        RevisionPolicy(
            revision=r,
            tier=f"tier{n % 3}",
            level=n % 3,
            required_approvals=2,
            required_groups=["security"] if n % 2 else [],
            sla_hours=24 + n % 48,
        )
        for n, r in enumerate(revisions)
    )
    Approval.objects.bulk_create(
        Approval(revision=r, user=user, groups=["qa"]) for r in revisions[::3]
    )
    Finding.objects.bulk_create(
        Finding(
            revision=r,
            scanner_id="bench",
            scanner_version="1",
            rule_id="r",
            severity=("critical", "high", "medium", "low", "info")[n % 5],
            confidence="high",
            title="t",
            message="m",
            path="a.py",
            line=1,
            end_line=1,
            fingerprint="f",
        )
        for n, r in enumerate(revisions)
    )


def run(requests: int = 15) -> None:
    env = bench_env()
    reset_database(env)
    # The Django test client runs the real view stack in-process against the bench database.
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewbench.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user = get_user_model().objects.create_user("bench-lead", password="x")  # noqa: S106  # nosec B106
    _seed(user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    # The charts are a fragment the page loads after itself; timed apart, without the goal.
    urls = ("/queue/", "/queue/?sort=sla&mine=1", "/queue/?state=breached&sort=findings")
    for url in (*urls, "/queue/charts/"):
        client.get(url)  # warm up
        timings: list[float] = []
        counts: list[int] = []
        for _ in range(requests):
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            counts.append(len(captured))
        goal = " (goal <= 300 ms)" if url in urls else " (30-day charts fragment)"
        print(
            f"queue page {url} with {OPEN_PRS} open PRs: p50 {statistics.median(timings):.0f} ms, "
            f"p90 {percentile(timings, 0.9):.0f} ms, queries {sorted(set(counts))}{goal}"
        )


if __name__ == "__main__":
    run()
