"""`manage.py demo` and `manage.py review_local`: local git through the real pipeline."""

from __future__ import annotations

import io
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, PullRequest, Repository, Revision
from github_app.management.demo_repository import demo_repository_create
from github_app.models import Installation
from reviewbench.approvals.models import Approval
from reviewbench.audit.models import AuditEvent
from reviewbench.calibration.models import Attempt
from reviewbench.checklist.models import ChecklistItem
from reviewbench.queue.models import SlaBreachNotice
from reviewbench.queue.selectors import (
    chart_queue_size,
    chart_sla_breaches,
    chart_time_to_approval,
)
from reviewbench.reviews.selectors import pull_requests_visible_to


def _rules(number: int) -> list[str]:
    revision = Revision.objects.get(pull_request__number=number)
    return sorted(revision.findings.values_list("rule_id", flat=True))


@pytest.mark.django_db
def test_demo_creates_login_and_analyses_demo_pull_requests(tmp_path):
    out = io.StringIO()

    call_command("demo", path=str(tmp_path / "repo"), no_history=True, stdout=out)

    user = get_user_model().objects.get(username="demo")
    assert "Demo login created (shown once): username 'demo' password '" in out.getvalue()
    assert user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["security"]
    assert list(
        pull_requests_visible_to(user).order_by("number").values_list("number", flat=True)
    ) == [
        1,
        2,
        3,
    ]
    assert set(Revision.objects.values_list("status", flat=True)) == {Revision.Status.READY}
    assert _rules(1) == [
        "python-taint.command-injection",
        "python-taint.sqli",
        "python.tls-verification-off",
    ]
    assert _rules(2) == [
        "python-taint.deserialization",
        "python-taint.deserialization",
        "python.weak-password-hash",
    ]
    assert _rules(3) == []
    pr1 = PullRequest.objects.get(number=1)
    assert (pr1.repository.full_name, pr1.author_login, pr1.labels) == (
        "acme/shop",
        "dana",
        ["ai-assisted"],
    )
    commits = Revision.objects.get(pull_request=pr1).commits
    assert [c["message"].splitlines()[0] for c in commits] == [
        "Add order search by customer",
        "Export receipts as PDF",
        "Document the search endpoint",
    ]
    # Every commit of PR 1 is AI-marked (Copilot trailers, an "ai-assisted" label): triage first,
    # then the assumptions of the AI code, then comprehension of each AI-written function (and of
    # its riskiest line), sign-off; the README the PR also changes gets no question.
    items = list(
        ChecklistItem.objects.filter(revision__pull_request=pr1)
        .order_by("position")
        .values_list("kind", "key")
    )
    assert [kind for kind, _key in items] == (
        ["triage"] * 3 + ["assumption"] * 5 + ["comprehension"] * 6 + ["signoff"]
    )
    assert [key for kind, key in items if kind == "comprehension"] == [
        "comprehension:shop/receipts.py:export_receipt",
        "comprehension:shop/receipts.py:export_receipt:edge",
        "comprehension:shop/receipts.py:fetch_logo",
        "comprehension:shop/receipts.py:fetch_logo:edge",
        "comprehension:shop/search.py:search_orders",
        "comprehension:shop/search.py:search_orders:edge",
    ]


@pytest.mark.django_db
def test_demo_loads_thirty_days_of_reviews_so_the_queue_charts_have_numbers(tmp_path, client):
    # when
    out = io.StringIO()
    call_command("demo", path=str(tmp_path / "repo"), stdout=out)

    # then twelve past pull requests were analysed and reviewed through the services
    assert "Loaded 12 past pull requests of the last 30 days" in out.getvalue()
    user = get_user_model().objects.get(username="demo")
    lead = get_user_model().objects.get(username="demo-lead")
    assert not lead.has_usable_password()
    past = Revision.objects.filter(pull_request__number__gt=100)
    assert past.count() == 12
    now = timezone.now()
    ages = sorted((now - revision.finished_at).days for revision in past)
    assert ages[0] >= 1 and ages[-1] == 29
    approved = Approval.objects.filter(revision__in=past)
    assert {approval.user.username for approval in approved} == {"demo", "demo-lead"}
    assert all(approval.created_at > approval.revision.finished_at for approval in approved)
    assert Finding.objects.filter(revision__in=past, triage=Finding.Triage.OPEN).count() == 0
    assert Finding.objects.filter(revision__in=past, triage=Finding.Triage.CONFIRMED).count() == 2
    # the audit trail says who did it, dated with the review
    triaged = AuditEvent.objects.filter(revision__in=past, action="finding.triaged")
    assert triaged.exists() and all(
        event.created_at < now - timedelta(hours=12) for event in triaged
    )

    # and the queue's charts show them
    queue = chart_queue_size(user=user, now=now)
    assert queue.keys == ("ai-heavy", "sensitive", "standard")
    assert sum(sum(day) for day in queue.values) > 20
    waited = chart_time_to_approval(user=user, now=now)
    assert dict(zip(waited.labels, (v for (v,) in waited.values))) == {
        "ai-heavy": 30.0,
        "standard": 4.0,
    }
    breaches = chart_sla_breaches(user=user, now=now)
    assert sum(v for (v,) in breaches.values) == 2  # the two still waiting, past their SLA
    assert SlaBreachNotice.objects.filter(revision__in=past).count() == 2
    client.force_login(user)
    page = client.get(reverse("queue:queue_charts"))
    assert page.status_code == 200
    assert b"ai-heavy" in page.content

    # and a second run loads nothing twice
    call_command("demo", path=str(tmp_path / "repo"), stdout=io.StringIO())
    assert Revision.objects.filter(pull_request__number__gt=100).count() == 12


@pytest.mark.django_db
def test_demo_twice_writes_nothing_new_and_keeps_the_password(tmp_path):
    call_command("demo", path=str(tmp_path / "repo"), stdout=io.StringIO())
    counts = (Revision.objects.count(), Finding.objects.count(), ChecklistItem.objects.count())
    password = get_user_model().objects.get(username="demo").password
    out = io.StringIO()

    call_command("demo", path=str(tmp_path / "repo"), stdout=out)

    assert "Demo login 'demo' exists" in out.getvalue()
    assert "shown once" not in out.getvalue()
    assert (
        Revision.objects.count(),
        Finding.objects.count(),
        ChecklistItem.objects.count(),
    ) == counts
    assert get_user_model().objects.get(username="demo").password == password


def test_demo_repository_is_deterministic(tmp_path):
    first = demo_repository_create(tmp_path / "a")
    second = demo_repository_create(tmp_path / "b")

    def heads(repo: Path) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), "show-ref"], capture_output=True, text=True, check=True
        ).stdout

    assert heads(first) == heads(second)
    assert "refs/heads/feature/order-search" in heads(first)


@pytest.mark.django_db
def test_review_local_gives_members_access_and_reuses_the_pr_number(tmp_path, make_user):
    repo = demo_repository_create(tmp_path / "shop")
    alice = make_user("alice")
    make_user("mallory")
    out = io.StringIO()

    call_command(
        "review_local",
        repo=str(repo),
        base="main",
        head="fix/order-typing",
        member=["alice"],
        workspace="team",
        stdout=out,
    )
    call_command(
        "review_local",
        repo=str(repo),
        base="main",
        head="fix/order-typing",
        member=["alice"],
        workspace="team",
        stdout=io.StringIO(),
    )

    pr = PullRequest.objects.get()
    assert (pr.repository.full_name, pr.number, pr.title) == (
        "local/shop",
        1,
        "Type the order lookup result",
    )
    assert out.getvalue().startswith(f"local/shop#1 @ {pr.head_sha[:7]}: ready (0 findings)")
    assert Revision.objects.count() == 1
    installation = Installation.objects.get(account_login="team")
    assert installation.github_id is None
    assert list(installation.members.all()) == [alice]
    mallory = get_user_model().objects.get(username="mallory")
    assert not pull_requests_visible_to(mallory).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"head": "no-such-branch"}, "no-such-branch"),
        ({"member": ["nobody"]}, "unknown user(s): nobody"),
        ({"name": "not-a-full-name"}, "--name must look like owner/name"),
    ],
)
def test_review_local_errors_are_clear_and_leave_no_pull_request(tmp_path, options, message):
    repo = demo_repository_create(tmp_path / "shop")
    arguments = {"repo": str(repo), "base": "main", "head": "fix/order-typing", **options}

    with pytest.raises(CommandError) as raised:
        call_command("review_local", stdout=io.StringIO(), **arguments)

    assert message in str(raised.value)
    assert not Repository.objects.exists()
    assert not Installation.objects.exists()
    assert not PullRequest.objects.exists()


@pytest.mark.django_db
def test_review_local_refuses_a_folder_that_does_not_exist(tmp_path):
    with pytest.raises(CommandError, match="is not a directory"):
        call_command(
            "review_local",
            repo=str(tmp_path / "missing"),
            base="main",
            head="x",
            stdout=io.StringIO(),
        )
    assert not PullRequest.objects.exists()


@pytest.mark.django_db
def test_demo_runs_calibration_attempts_so_the_calibration_page_has_numbers(tmp_path, client):
    out = io.StringIO()
    call_command("demo", path=str(tmp_path / "repo"), stdout=out)

    assert "Ran 6 calibration attempts of the last 30 days" in out.getvalue()
    attempts = Attempt.objects.select_related("user", "revision")
    assert {attempt.user.username for attempt in attempts} == {"demo", "demo-lead"}
    # Each one is a pull request the pipeline analysed, scored against its key, dated back.
    assert all(attempt.revision.status == Revision.Status.READY for attempt in attempts)
    assert sum(attempt.caught for attempt in attempts) == 9
    assert sum(attempt.total for attempt in attempts) == 12
    ages = sorted((timezone.now() - attempt.submitted_at).days for attempt in attempts)
    assert ages[0] >= 2 and ages[-1] >= 25
    user = get_user_model().objects.get(username="demo")
    client.force_login(user)
    page = client.get(reverse("insights:calibration")).content.decode()
    assert "demo-lead" in page and "Planted flaws caught and missed per week" in page
    # The practice pull requests stay off the real lists.
    listed = client.get(reverse("reviews:pull_request_list")).content.decode()
    assert "acme/shop" in listed and "calibration/demo-" not in listed

    call_command("demo", path=str(tmp_path / "repo"), stdout=io.StringIO())
    assert Attempt.objects.count() == 6
