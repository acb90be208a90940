"""The leads' queue: rows, filters, sorting, CSV, tenancy, query count, charts, SLA notices."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from findings.models import Finding, PullRequest, Repository, Revision
from reviewbench.approvals.models import Approval, RevisionPolicy
from reviewbench.checklist.models import ChecklistItem
from reviewbench.queue.models import SlaBreachNotice
from reviewbench.queue.selectors import (
    SEVERITIES,
    chart_queue_size,
    chart_sla_breaches,
    chart_time_to_approval,
)
from reviewbench.queue.tasks import notify_sla_breaches
from tests.factories import make_finding, make_pull_request, make_repository, make_revision

QUEUE = "/queue/"


def queue_pr(
    repository: Repository,
    number: int,
    *,
    title: str = "",
    tier: str = "standard",
    level: int = 1,
    required: int = 1,
    groups: tuple[str, ...] = (),
    sla: int | None = None,
    ready_hours_ago: float = 1,
    additions: int = 100,
    ai: int = 0,
    error: str = "",
) -> Revision:
    pull_request = make_pull_request(
        repository, number=number, title=title or f"Change {number}", head_sha=f"{number:040d}"
    )
    revision = make_revision(pull_request)
    ready = timezone.now() - timedelta(hours=ready_hours_ago)
    Revision.objects.filter(pk=revision.pk).update(
        finished_at=ready, created_at=ready, additions=additions, ai_added_lines=ai
    )
    RevisionPolicy.objects.create(
        revision=revision,
        tier=tier,
        level=level,
        required_approvals=required,
        required_groups=list(groups),
        sla_hours=sla,
        error=error,
    )
    return revision


def approve(revision: Revision, user, *, groups: tuple[str, ...] = (), stale: bool = False):
    return Approval.objects.create(revision=revision, user=user, groups=list(groups), stale=stale)


def rows_of(response) -> list[tuple[str, int]]:
    return [
        (row.pull_request.repository.full_name, row.pull_request.number)
        for row in response.context["rows"]
    ]


def parse_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def lead(db, make_user):
    return make_user("lena")


@pytest.fixture
def shop(lead) -> Repository:
    return make_repository("acme/shop", members=[lead])


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


# --- rows --------------------------------------------------------------------------------------


def test_queue_shows_each_awaiting_pr_with_its_numbers(lead_client, lead, shop, make_user):
    # given a PR needing two approvals incl. security and payments, approved once by security
    sam = make_user("sam")
    old = make_user("olga")
    revision = queue_pr(
        shop,
        1,
        tier="payments",
        level=3,
        required=2,
        groups=("payments", "security"),
        sla=24,
        ready_hours_ago=5,
        additions=200,
        ai=50,
    )
    approve(revision, sam, groups=("security",))
    approve(revision, old, groups=("payments",), stale=True)
    make_finding(revision, None, severity="critical", line=1)
    make_finding(revision, None, severity="high", line=2)
    make_finding(revision, None, severity="high", line=3)
    make_finding(revision, None, severity="low", line=4, pre_existing=True)
    make_finding(revision, None, severity="medium", line=5, triage="false_positive")
    ChecklistItem.objects.create(
        revision=revision, key="a", kind="signoff", prompt="p", answered_at=timezone.now()
    )
    ChecklistItem.objects.create(revision=revision, key="b", kind="explain", prompt="p")

    # when the lead opens the queue
    response = lead_client.get(QUEUE)

    # then the row carries tier, AI share, findings, checklist, approvals, missing group, SLA
    assert response.status_code == 200
    (row,) = response.context["rows"]
    assert (row.tier_name, row.tier_level, round(row.ai_share, 1)) == ("payments", 3, 25.0)
    assert [getattr(row, f"open_{s}") for s in SEVERITIES] == [1, 2, 0, 0, 0]
    assert (row.checklist_answered, row.checklist_total) == (1, 2)
    assert (row.approvals_given, row.required_count, row.missing_groups) == (1, 2, ["payments"])
    assert [a.user.username for a in row.fresh_approvals] == ["sam"]
    assert (row.age_hours, row.sla_remaining_hours, row.state) == (5.0, 19.0, "awaiting")
    html = response.content.decode()
    assert "sam (security)" in html and "19.0 h left" in html and "olga" not in html


def test_queue_leaves_out_approved_failed_closed_and_superseded(lead_client, lead, shop, make_user):
    # given one awaiting PR and four that are not awaiting review
    sam = make_user("sam")
    queue_pr(shop, 1)
    approved = queue_pr(shop, 2, required=1)
    approve(approved, sam)
    satisfied = queue_pr(shop, 3, required=1, groups=("security",))
    approve(satisfied, sam, groups=("security",))
    failed = make_revision(make_pull_request(shop, number=4), status=Revision.Status.FAILED)
    closed = queue_pr(shop, 5)
    PullRequest.objects.filter(pk=closed.pull_request_id).update(state="closed")
    older = queue_pr(shop, 6, ready_hours_ago=10)
    make_revision(older.pull_request, head_sha="f" * 40, status=Revision.Status.ANALYZING)

    # when the lead opens the queue
    response = lead_client.get(QUEUE)

    # then only the awaiting PR is listed
    assert rows_of(response) == [("acme/shop", 1)]
    assert failed.status == "failed"


def test_queue_requires_login(client, shop):
    # given an awaiting PR; when an anonymous visitor opens the queue
    queue_pr(shop, 1)
    response = client.get(QUEUE)

    # then they are sent to the login page and see no rows
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- filters -----------------------------------------------------------------------------------


@pytest.fixture
def mixed(lead, shop, make_user):
    """Four PRs over two repositories: awaiting, breached, failing by error, failing by finding."""
    api = make_repository("acme/api", members=[lead])
    Group.objects.create(name="security").user_set.add(lead)
    Group.objects.create(name="payments")
    queue_pr(shop, 1, tier="standard", level=1, sla=48, ready_hours_ago=1)
    queue_pr(shop, 2, tier="sensitive", level=2, sla=4, ready_hours_ago=6, groups=("payments",))
    queue_pr(api, 3, tier="sensitive", level=2, error="tiers: not a list")
    confirmed = queue_pr(api, 4, tier="standard", level=1, groups=("security",))
    make_finding(confirmed, None, triage=Finding.Triage.CONFIRMED)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [("acme/api", 3), ("acme/api", 4), ("acme/shop", 1), ("acme/shop", 2)]),
        ("repository=acme/api", [("acme/api", 3), ("acme/api", 4)]),
        ("tier=sensitive", [("acme/api", 3), ("acme/shop", 2)]),
        ("state=awaiting", [("acme/shop", 1)]),
        ("state=breached", [("acme/shop", 2)]),
        ("state=failing", [("acme/api", 3), ("acme/api", 4)]),
        ("breached=1", [("acme/shop", 2)]),
        ("state=failing&breached=1", []),
        ("mine=1", [("acme/api", 4)]),
        ("repository=acme/shop&tier=standard", [("acme/shop", 1)]),
        ("repository=globex/secret", []),
        ("state=bogus", [("acme/api", 3), ("acme/api", 4), ("acme/shop", 1), ("acme/shop", 2)]),
    ],
)
def test_queue_filters(lead_client, mixed, query, expected):
    # when the lead filters the queue
    response = lead_client.get(f"{QUEUE}?{query}")

    # then exactly the matching PRs are listed
    assert response.status_code == 200
    assert sorted(rows_of(response)) == expected


def test_waiting_on_my_group_ignores_groups_already_satisfied(lead_client, lead, shop, make_user):
    # given two PRs requiring security: one already approved by security, one not
    Group.objects.create(name="security").user_set.add(lead)
    done = queue_pr(shop, 1, required=2, groups=("security",))
    approve(done, make_user("sam"), groups=("security",))
    queue_pr(shop, 2, required=1, groups=("security",))

    # when the lead asks for what waits on their group
    response = lead_client.get(f"{QUEUE}?mine=1")

    # then only the unsatisfied one is listed
    assert rows_of(response) == [("acme/shop", 2)]


# --- sorting and pagination --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("age", [3, 1, 2]),
        ("-age", [2, 1, 3]),
        ("sla", [1, 3, 2]),
        ("tier", [2, 3, 1]),
        ("ai", [1, 2, 3]),
        ("findings", [2, 3, 1]),
    ],
)
def test_queue_sorting(lead_client, shop, sort, expected):
    # given three PRs differing in age, SLA, tier, AI share and findings
    queue_pr(shop, 1, level=1, sla=2, ready_hours_ago=5, additions=10, ai=9)
    second = queue_pr(shop, 2, level=3, sla=None, ready_hours_ago=1, additions=10, ai=5)
    third = queue_pr(shop, 3, level=2, sla=10, ready_hours_ago=8, additions=0, ai=0)
    make_finding(second, None, line=1)
    make_finding(second, None, line=2)
    make_finding(third, None, line=1)

    # when the lead sorts the queue
    response = lead_client.get(f"{QUEUE}?sort={sort}")

    # then the rows come in that order
    assert [number for _repo, number in rows_of(response)] == expected


def test_queue_paginates_by_fifty(lead_client, shop):
    # given 51 awaiting PRs
    for number in range(1, 52):
        queue_pr(shop, number, ready_hours_ago=100 - number)

    # when the lead opens the second page
    response = lead_client.get(f"{QUEUE}?page=2")

    # then it holds the 51st oldest only
    assert rows_of(response) == [("acme/shop", 51)]
    assert response.context["page"].paginator.count == 51


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_exports_the_filtered_list_and_neutralises_formulas(lead_client, lead, shop, make_user):
    # given a PR whose title is a spreadsheet formula with quotes, commas and a newline
    Group.objects.create(name="security")
    revision = queue_pr(
        shop,
        1,
        title='=HYPERLINK("http://evil.example","click"), ok\nnext',
        tier="+tier",
        level=2,
        required=2,
        groups=("security",),
        sla=10,
        ready_hours_ago=12,
        additions=4,
        ai=1,
    )
    approve(revision, make_user("@sam"), groups=("qa",))
    make_finding(revision, None, severity="high")
    queue_pr(shop, 2, tier="standard")

    # when the lead exports the list filtered to the +tier
    response = lead_client.get(f"{QUEUE}?tier=%2Btier&format=csv")

    # then the CSV has the header and one row, every formula-looking cell quoted as text
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = parse_csv(response)
    assert header == list(queue_views_header())
    assert rows == [
        [
            "acme/shop",
            "1",
            '\'=HYPERLINK("http://evil.example","click"), ok next',
            "'+tier",
            "2",
            "25.0",
            "0",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0",
            "1",
            "2",
            "'@sam (qa)",
            "security",
            "12.0",
            "-2.0",
            "breached",
        ]
    ]


def queue_views_header():
    from reviewbench.queue.exports import CSV_HEADER

    return CSV_HEADER


def test_csv_cell_prefixes_every_formula_start():
    from reviewbench.text import csv_cell

    assert [csv_cell(v) for v in ["=1", "+1", "-1", "@a", "\tx", "plain", 5, -3.5, None]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "x",
        "plain",
        5,
        -3.5,
        None,
    ]


# --- tenancy -------------------------------------------------------------------------------------


def test_another_installations_prs_never_appear(lead_client, shop, make_user):
    # given the lead's PR and another tenant's breached PR in a repository of the same tier
    queue_pr(shop, 1, title="Ours")
    bob = make_user("bob")
    secret = make_repository("globex/secret", members=[bob])
    queue_pr(secret, 9, title="Globex secret", tier="secret-tier", sla=1, ready_hours_ago=9)

    # when the lead opens the page, filters for the other repository, and exports CSV
    page = lead_client.get(QUEUE)
    filtered = lead_client.get(f"{QUEUE}?repository=globex/secret")
    exported = parse_csv(lead_client.get(f"{QUEUE}?format=csv"))

    # then the other tenant's PR, repository and tier appear nowhere
    assert rows_of(page) == [("acme/shop", 1)]
    assert rows_of(filtered) == []
    assert [row[:3] for row in exported[1:]] == [["acme/shop", "1", "Ours"]]
    for text in (page.content.decode(), filtered.content.decode()):
        # (the filtered page echoes the lead's own query only in its CSV link)
        assert "Globex secret" not in text and "secret-tier" not in text
        assert 'value="globex/secret"' not in text and "globex/secret</td>" not in text


# --- query count ---------------------------------------------------------------------------------


def test_queue_query_count_is_constant_for_a_thousand_prs(
    lead_client, lead, shop, make_user, django_assert_max_num_queries
):
    # given 1,000 open PRs awaiting review, each with a policy, a finding and an approval
    sam = make_user("sam")
    Group.objects.create(name="security").user_set.add(lead)
    pulls = PullRequest.objects.bulk_create(
        PullRequest(repository=shop, number=n, title=f"PR {n}", head_sha=f"{n:040d}")
        for n in range(1, 1001)
    )
    ready = timezone.now() - timedelta(hours=3)
    revisions = Revision.objects.bulk_create(
        Revision(
            pull_request=pr,
            head_sha=pr.head_sha,
            analyzer_version="t",
            status="ready",
            finished_at=ready,
            additions=10,
            ai_added_lines=n % 10,
        )
        for n, pr in enumerate(pulls)
    )
    RevisionPolicy.objects.bulk_create(
        RevisionPolicy(
            revision=r,
            tier=f"tier{n % 3}",
            level=n % 3,
            required_approvals=2,
            required_groups=["security"],
            sla_hours=2 + n % 5,
        )
        for n, r in enumerate(revisions)
    )
    Approval.objects.bulk_create(Approval(revision=r, user=sam, groups=["qa"]) for r in revisions)
    Finding.objects.bulk_create(
        Finding(
            revision=r,
            scanner_id="t",
            scanner_version="1",
            rule_id="r",
            severity="high",
            confidence="high",
            title="t",
            message="m",
            path="a.py",
            line=1,
            end_line=1,
            fingerprint="f",
        )
        for r in revisions
    )

    # when the lead opens the queue with every filter, then the CSV
    with django_assert_max_num_queries(14):
        response = lead_client.get(f"{QUEUE}?sort=sla&mine=1&state=breached&repository=acme/shop")
    with django_assert_max_num_queries(8):
        exported = parse_csv(lead_client.get(f"{QUEUE}?format=csv"))

    # then the page shows 50 of the 400 breached (SLA of 2 or 3 hours) and the CSV all 1,000
    assert response.context["page"].paginator.count == 400
    assert len(response.context["rows"]) == 50
    assert len(exported) == 1001


# --- charts --------------------------------------------------------------------------------------


NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def at(days_ago: float, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=0)


def test_charts_count_the_queue_approval_times_and_breaches(lead, shop, make_user):
    # given a fixed history: two PRs (standard, payments) approved after 4 and 10 hours,
    # one standard PR waiting since 2 days ago, one from 40 days ago still waiting
    sam = make_user("sam")
    rows = [
        ("standard", at(3), at(3, 14)),
        ("payments", at(5), at(4, 20)),
        ("standard", at(2), None),
        ("standard", at(40), None),
    ]
    for number, (tier, ready, approved) in enumerate(rows, start=1):
        revision = queue_pr(shop, number, tier=tier)
        Revision.objects.filter(pk=revision.pk).update(created_at=ready, finished_at=ready)
        if approved:
            approval = approve(revision, sam)
            Approval.objects.filter(pk=approval.pk).update(created_at=approved)
    SlaBreachNotice.objects.create(
        revision=Revision.objects.get(pull_request__number=3), breached_at=at(1)
    )
    SlaBreachNotice.objects.create(
        revision=Revision.objects.get(pull_request__number=4), breached_at=at(10)
    )

    # when the charts are computed
    size = chart_queue_size(user=lead, now=NOW)
    waited = chart_time_to_approval(user=lead, now=NOW)
    breaches = chart_sla_breaches(user=lead, now=NOW)

    # then the queue size per day follows arrivals and approvals
    assert size.keys == ("payments", "standard")
    by_day = dict(zip(size.labels, size.values, strict=True))
    assert by_day["02-19"] == (0.0, 1.0)
    assert by_day["03-15"] == (1.0, 1.0)
    assert by_day["03-16"] == (0.0, 1.0)
    assert by_day["03-17"] == (0.0, 1.0)
    assert by_day["03-18"] == (0.0, 2.0)
    assert by_day["03-20"] == (0.0, 2.0)
    assert len(size.labels) == 30
    # and the medians are 4 and 34 hours
    assert dict(zip(waited.labels, waited.values, strict=True)) == {
        "payments": (34.0,),
        "standard": (4.0,),
    }
    # and the breaches land in their weeks (Mondays 03-10 and 03-17)
    weeks = dict(zip(breaches.labels, breaches.values, strict=True))
    assert weeks["03-17"] == (1.0,) and weeks["03-10"] == (1.0,)
    assert sum(v for (v,) in breaches.values) == 2.0


def test_chart_svg_escapes_labels(lead_client, shop):
    # given a tier named like markup
    queue_pr(shop, 1, tier="<script>x</script>")

    # when the page loads its charts
    page = lead_client.get(QUEUE).content.decode()
    html = lead_client.get(reverse("queue:queue_charts")).content.decode()

    # then the label is escaped text
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert 'hx-get="/queue/charts/" hx-trigger="load"' in page


# --- SLA notices ---------------------------------------------------------------------------------


@pytest.fixture
def locmem(settings):
    # Read mail.outbox after the action: the locmem backend may rebind it on first use.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def test_sla_task_mails_missing_groups_once_per_breach(locmem, lead, shop, make_user):
    # given a breached PR missing payments (security already approved), and a PR within its SLA
    payer = make_user("paula", email="paula@acme.test")
    guard = make_user("gus", email="gus@acme.test")
    outsider = make_user("otto", email="otto@globex.test")
    shop.installations.first().members.add(payer, guard)
    Group.objects.create(name="payments").user_set.add(payer, outsider)
    Group.objects.create(name="security").user_set.add(guard)
    breached = queue_pr(
        shop,
        1,
        title="Pay\nout",
        required=2,
        groups=("payments", "security"),
        sla=4,
        ready_hours_ago=6,
    )
    approve(breached, guard, groups=("security",))
    queue_pr(shop, 2, groups=("payments",), sla=10, ready_hours_ago=6)

    # when the periodic task runs twice
    first = notify_sla_breaches()
    second = notify_sla_breaches()

    # then one mail went to the payments member of this installation, and one notice exists
    assert (first, second) == (1, 0)
    (message,) = mail.outbox
    assert message.to == ["paula@acme.test"]
    assert message.subject == "[ReviewBench] SLA breached: acme/shop#1 Pay out"
    assert "still needed from: payments" in message.body
    assert "https://reviewbench.test/acme/shop/pull/1/" in message.body
    notice = SlaBreachNotice.objects.get()
    assert (notice.revision, notice.recipients) == (breached, ["paula@acme.test"])
    ready = Revision.objects.get(pk=breached.pk).finished_at
    assert notice.breached_at == ready + timedelta(hours=4)


def test_sla_task_without_groups_mails_the_installations_members(locmem, lead, shop, make_user):
    # given a breached PR that requires no group
    lead.email = "lena@acme.test"
    lead.save()
    queue_pr(shop, 1, sla=1, ready_hours_ago=2)

    # when the task runs
    sent = notify_sla_breaches()

    # then the installation's members got it
    assert sent == 1
    assert [m.to for m in mail.outbox] == [["lena@acme.test"]]


def test_sla_task_ignores_unbreached_approved_and_no_sla(locmem, lead, shop, make_user):
    # given PRs within SLA, without SLA, and breached but approved
    lead.email = "lena@acme.test"
    lead.save()
    queue_pr(shop, 1, sla=10, ready_hours_ago=2)
    queue_pr(shop, 2, sla=None, ready_hours_ago=200)
    approved = queue_pr(shop, 3, sla=1, ready_hours_ago=5)
    approve(approved, make_user("sam"))

    # when the task runs
    sent = notify_sla_breaches()

    # then nothing is sent or recorded
    assert sent == 0
    assert mail.outbox == []
    assert SlaBreachNotice.objects.count() == 0
