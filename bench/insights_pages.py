"""The leads' insight pages with 10,000 PRs and 100,000 findings: the Feedback page (per rule and
per AI tool; every figure aggregated live over all findings of the period, goal <= 1 s), a
repository's page (goal <= 500 ms), and the Calibration page with 5,000 scored attempts of 100
reviewers (goal <= 500 ms); server time and query count."""

from __future__ import annotations

import statistics
from typing import Any

from bench.harness import (
    percentile,
    seed_ready_revisions,
    seeded_client,
    time_page,
)

PULL_REQUESTS = 10_000
FINDINGS_PER_PR = 10
PUSHED_EVERY = 5
GOALS_MS = {"/insights/feedback/": 1000, "/repos/": 500, "/insights/calibration/": 500}
REVIEWERS = 100
ATTEMPTS_PER_REVIEWER = 50
RULES = ("py.sqli", "py.cmdi", "js.xss", "java.sqli", "go.ssrf", "py.secret", "js.redos")
TRIAGES = ("open", "confirmed", "false_positive", "accepted_risk", "confirmed")
PATHS = ("app/a.py", "web/b.js", "src/C.java", "svc/d.go")
LANGUAGES = ("python", "javascript", "java", "go")


def _seed(user: Any) -> None:
    from django.utils import timezone

    from findings.models import ChangedFile, Finding, Hunk

    now = timezone.now()
    revisions = seed_ready_revisions(user, PULL_REQUESTS)
    files = ChangedFile.objects.bulk_create(
        ChangedFile(
            revision=revision,
            path=PATHS[n % 4],
            language=LANGUAGES[n % 4],
            additions=100,
            analysis=ChangedFile.Analysis.ANALYSED,
        )
        for n, revision in enumerate(revisions)
    )
    Hunk.objects.bulk_create(
        Hunk(
            changed_file=changed,
            index=0,
            source_start=0,
            source_length=0,
            target_start=1,
            target_length=100,
            content="+x\n",
            content_hash=f"{n:064d}",
            added=100,
            authorship=Hunk.Authorship.AI if n % 2 else Hunk.Authorship.UNKNOWN,
            ai_tool=("Claude", "GitHub Copilot", "Cursor")[n % 3] if n % 2 else "",
        )
        for n, changed in enumerate(files)
    )
    findings = (
        Finding(
            revision=revision,
            changed_file=changed,
            scanner_id="bench",
            scanner_version="1",
            rule_id=RULES[(n + k) % len(RULES)],
            cwe=(89, 78, 79, 89, 918, 798, 1333)[(n + k) % len(RULES)],
            severity="high",
            confidence="high",
            title="t",
            message="m",
            path=changed.path,
            line=k + 1,
            end_line=k + 1,
            code=f"query = 'SELECT ' + value_{k}",
            fingerprint=f"{n:032d}{k:032d}",
            triage=TRIAGES[(n + k) % len(TRIAGES)],
            triaged_at=None if TRIAGES[(n + k) % len(TRIAGES)] == "open" else now,
        )
        for n, (revision, changed) in enumerate(zip(revisions, files, strict=True))
        for k in range(FINDINGS_PER_PR)
    )
    Finding.objects.bulk_create(findings, batch_size=5000)
    _seed_pushes(revisions[::PUSHED_EVERY], now)
    _seed_attempts(user, now)


def _seed_attempts(lead: Any, now: Any) -> None:
    """REVIEWERS reviewers with ATTEMPTS_PER_REVIEWER scored attempts each over the last 90 days,
    in their own calibration repositories; the lead sees every reviewer's."""
    from datetime import timedelta

    from django.contrib.auth.models import Permission, User

    from findings.models import PullRequest, Repository, Revision
    from reviewbench.calibration.models import Attempt, Exercise

    lead.user_permissions.add(Permission.objects.get(codename="view_all_attempts"))
    exercises = list(Exercise.objects.filter(active=True))
    users = User.objects.bulk_create(User(username=f"reviewer{n}") for n in range(REVIEWERS))
    repositories = Repository.objects.bulk_create(
        Repository(
            full_name=f"calibration/reviewer{n}-{user.pk}",
            source=Repository.Source.CALIBRATION,
            calibration_owner=user,
        )
        for n, user in enumerate(users)
    )
    pulls = PullRequest.objects.bulk_create(
        PullRequest(repository=repository, number=k + 1, head_sha=f"{k:040d}")
        for repository in repositories
        for k in range(ATTEMPTS_PER_REVIEWER)
    )
    revisions = Revision.objects.bulk_create(
        Revision(pull_request=pr, head_sha=pr.head_sha, analyzer_version="bench", status="ready")
        for pr in pulls
    )
    attempts = []
    for n, revision in enumerate(revisions):
        exercise = exercises[n % len(exercises)]
        results = [
            {**flaw, "caught": (n + k) % 3 != 0, "located": True, "mark": None}
            for k, flaw in enumerate(exercise.flaws)
        ]
        attempts.append(
            Attempt(
                exercise=exercise,
                user=users[n // ATTEMPTS_PER_REVIEWER],
                revision=revision,
                flaws=exercise.flaws,
                submitted_at=now - timedelta(hours=n % (89 * 24)),
                caught=sum(1 for result in results if result["caught"]),
                total=len(results),
                results=results,
            )
        )
    Attempt.objects.bulk_create(attempts, batch_size=2000)


def _seed_pushes(latest: list[Any], now: Any) -> None:
    """Every PUSHED_EVERY-th pull request had an earlier push, a day before its head, with a
    confirmed finding the head no longer has (fixed), so time to fix is measured too."""
    from datetime import timedelta

    from findings.models import Finding, Revision

    earlier = Revision.objects.bulk_create(
        Revision(
            pull_request_id=head.pull_request_id,
            head_sha=f"{head.pk:040x}",
            analyzer_version="bench",
            status=Revision.Status.SUPERSEDED,
            finished_at=now - timedelta(days=1),
            additions=100,
        )
        for head in latest
    )
    Revision.objects.filter(pk__in=[r.pk for r in earlier]).update(
        created_at=now - timedelta(days=1)
    )
    Finding.objects.bulk_create(
        (
            Finding(
                revision=revision,
                scanner_id="bench",
                scanner_version="1",
                rule_id=RULES[n % len(RULES)],
                cwe=89,
                severity="high",
                confidence="high",
                title="t",
                message="m",
                path="app/a.py",
                line=1,
                end_line=1,
                fingerprint=f"fixed-{n:058d}",
                triage="confirmed",
                triaged_at=now - timedelta(hours=20),
            )
            for n, revision in enumerate(earlier)
        ),
        batch_size=5000,
    )


def run(requests: int = 10) -> bool:
    client = seeded_client(_seed)
    ok = True
    for url in (
        "/insights/feedback/?dimension=rule",
        "/insights/feedback/?dimension=tool",
        "/repos/acme/repo0/",
        "/insights/calibration/",
    ):
        timings, counts = time_page(client, url, requests)
        p50 = statistics.median(timings)
        goal = next(ms for prefix, ms in GOALS_MS.items() if url.startswith(prefix))
        ok &= p50 <= goal
        held = (
            f"{REVIEWERS * ATTEMPTS_PER_REVIEWER:,} scored attempts of {REVIEWERS} reviewers"
            if url.startswith("/insights/calibration/")
            else f"{PULL_REQUESTS:,} PRs and {PULL_REQUESTS * FINDINGS_PER_PR:,} findings "
            f"({PULL_REQUESTS // PUSHED_EVERY:,} earlier pushes with a fixed one)"
        )
        print(
            f"insight page {url} with {held}: p50 {p50:.0f} ms, "
            f"p90 {percentile(timings, 0.9):.0f} ms, queries {sorted(set(counts))} "
            f"(goal <= {goal} ms) {'ok' if p50 <= goal else 'FAIL'}"
        )
    return ok


if __name__ == "__main__":
    run()
