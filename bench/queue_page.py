"""The leads' queue page with 10,000 open PRs: server time and query count (goal <= 300 ms)."""

from __future__ import annotations

import statistics
from typing import Any

from bench.harness import (
    percentile,
    seed_ready_revisions,
    seeded_client,
    time_page,
)

OPEN_PRS = 10_000


def _seed(user: Any) -> None:
    from django.contrib.auth.models import Group

    from findings.models import Finding
    from reviewbench.approvals.models import Approval, RevisionPolicy

    Group.objects.create(name="security").user_set.add(user)
    revisions = seed_ready_revisions(user, OPEN_PRS)
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
    client = seeded_client(_seed)
    # The charts are a fragment the page loads after itself; timed apart, without the goal.
    urls = ("/queue/", "/queue/?sort=sla&mine=1", "/queue/?state=breached&sort=findings")
    for url in (*urls, "/queue/charts/"):
        timings, counts = time_page(client, url, requests)
        goal = " (goal <= 300 ms)" if url in urls else " (30-day charts fragment)"
        print(
            f"queue page {url} with {OPEN_PRS} open PRs: p50 {statistics.median(timings):.0f} ms, "
            f"p90 {percentile(timings, 0.9):.0f} ms, queries {sorted(set(counts))}{goal}"
        )


if __name__ == "__main__":
    run()
