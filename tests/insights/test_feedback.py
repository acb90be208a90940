"""Feedback numbers through the real pipeline: PRs analysed, findings triaged, the numbers on the
page, in the CSV and the API; noisy rules flagged on the page and in the check summary."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from findings.models import Finding, Repository
from reviewbench.insights.feedback import FeedbackError, feedback_numbers
from reviewbench.policy import FeedbackSettings
from reviewbench.reviews.report import check_report_for_revision
from reviewbench.reviews.services import pull_request_process, review_finding_triage
from tests.factories import (
    api_client_for,
    make_file,
    make_finding,
    make_pull_request,
    make_revision,
)
from tests.insights.pipeline import SHELL_CODE, SQL_CODE, added, member_and_repository, snapshot


@pytest.fixture
def lead(db):
    return member_and_repository()


def test_numbers_per_rule_tool_and_lines_through_analysis_and_triage(lead, client):
    rita, repository = lead
    # PR 1 is AI-written (labelled claude): SQL injection and command injection.
    ai = pull_request_process(
        repository=repository,
        snapshot=snapshot(
            1, [added("app/users.py", SQL_CODE, "1"), added("app/run.py", SHELL_CODE, "2")],
            labels=["claude"],
        ),
    )  # fmt: skip
    # PR 2 is a person's: SQL injection again.
    human = pull_request_process(
        repository=repository, snapshot=snapshot(2, [added("app/search.py", SQL_CODE, "3")])
    )
    findings = {
        (f.revision_id, f.cwe): f
        for f in Finding.objects.filter(revision__in=[ai, human], pre_existing=False)
    }
    sql_rule = findings[(ai.pk, 89)].rule_id
    review_finding_triage(
        finding=findings[(ai.pk, 89)], user=rita, decision="confirmed", reason="reproduced it"
    )
    review_finding_triage(
        finding=findings[(human.pk, 89)],
        user=rita,
        decision="false_positive",
        reason="only test data reaches it",
    )
    today = timezone.now().date()

    numbers = feedback_numbers(
        repositories=Repository.objects.all(), since=today, until=today, dimension="rule"
    )

    by_key = {row.key: row for row in numbers.rows}
    sql = by_key[sql_rule]
    assert (sql.raised, sql.confirmed, sql.false_positive, sql.open) == (2, 1, 1, 0)
    assert sql.precision == 0.5
    assert (sql.fixed, sql.fix_hours) == (0, None)  # no push came after the confirmation
    assert sql.triage_hours is not None and sql.triage_hours >= 0
    ai_total = Finding.objects.filter(revision=ai, pre_existing=False).count()
    human_total = Finding.objects.filter(revision=human, pre_existing=False).count()
    assert (numbers.ai_findings, numbers.human_findings) == (ai_total, human_total)
    assert numbers.ai_added_lines == len(SQL_CODE.splitlines()) + len(SHELL_CODE.splitlines())
    assert numbers.human_added_lines == len(SQL_CODE.splitlines())
    assert numbers.ai_per_kloc == pytest.approx(ai_total * 1000 / numbers.ai_added_lines)

    tools = feedback_numbers(
        repositories=Repository.objects.all(), since=today, until=today, dimension="tool"
    )
    assert {row.key: row.raised for row in tools.rows} == {"Claude": ai_total, "human": human_total}
    classes = feedback_numbers(
        repositories=Repository.objects.all(), since=today, until=today, dimension="class"
    )
    assert {row.key: row.confirmed for row in classes.rows}["SQL injection"] == 1

    client.force_login(rita)
    page = client.get("/insights/feedback/", {"dimension": "rule"})
    assert page.status_code == 200
    content = page.content.decode()
    assert sql_rule in content and "<td>0.50</td>" in content
    assert 'class="per-kloc-ai"' in content
    download = client.get("/insights/feedback/", {"dimension": "tool", "format": "csv"})
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:3] == ["dimension", "key", "raised"]
    assert ["tool", "Claude", str(ai_total)] == rows[1][:3] or [
        "tool",
        "Claude",
        str(ai_total),
    ] == rows[2][:3]
    api = api_client_for(rita).get("/api/insights/feedback/", {"dimension": "language"})
    assert api.status_code == 200
    assert api.json()["rows"][0]["key"] == "python"
    assert api.json()["ai_written"]["added_lines"] == numbers.ai_added_lines


def test_a_finding_pushed_twice_counts_once_with_its_latest_triage(lead):
    _rita, repository = lead
    pull_request = make_pull_request(repository)
    old, new = make_revision(pull_request), make_revision(pull_request, head_sha="b" * 40)
    make_finding(old, make_file(old, "app/views.py"), fingerprint="f" * 64)
    make_finding(
        new, make_file(new, "app/views.py"), fingerprint="f" * 64, triage=Finding.Triage.CONFIRMED
    )
    today = timezone.now().date()
    (row,) = feedback_numbers(repositories=Repository.objects.all(), since=today, until=today).rows
    assert (row.raised, row.confirmed) == (1, 1)


def _triaged(repository, rule_id: str, confirmed: int, false_positives: int) -> None:
    revision = make_revision(make_pull_request(repository, number=90 + confirmed))
    changed = make_file(revision, "app/x.py")
    for index in range(confirmed + false_positives):
        finding = make_finding(
            revision,
            changed,
            rule_id=rule_id,
            line=index + 1,
            triage=Finding.Triage.CONFIRMED if index < confirmed else Finding.Triage.FALSE_POSITIVE,
        )
        Finding.objects.filter(pk=finding.pk).update(
            triaged_at=timezone.now() - datetime.timedelta(minutes=index)
        )


def test_a_rule_below_the_precision_threshold_is_noisy_on_the_page_and_in_the_check(lead, client):
    rita, repository = lead
    _triaged(repository, "js.noisy-rule", confirmed=2, false_positives=10)
    _triaged(repository, "py.good-rule", confirmed=10, false_positives=1)
    _triaged(repository, "py.young-rule", confirmed=0, false_positives=5)  # too few to judge

    numbers = feedback_numbers(
        repositories=Repository.objects.all(),
        since=timezone.now().date(),
        until=timezone.now().date(),
    )
    assert [(r.rule_id, round(r.precision, 3), r.triaged) for r in numbers.noisy_rules] == [
        ("js.noisy-rule", round(2 / 12, 3), 12)
    ]

    # the window: the good rule's one false positive is its oldest triage, so a threshold of
    # 0.95 flags it over 30 triaged (10 of 11) but not over its last 10 (10 of 10)
    def noisy_with(window: int) -> set[str]:
        numbers = feedback_numbers(
            repositories=Repository.objects.all(),
            since=timezone.now().date(),
            until=timezone.now().date(),
            settings=FeedbackSettings(noisy_precision=0.95, noisy_window=window),
        )
        return {rule.rule_id for rule in numbers.noisy_rules}

    assert noisy_with(30) == {"js.noisy-rule", "py.good-rule"}
    assert noisy_with(10) == {"js.noisy-rule"}

    client.force_login(rita)
    content = client.get("/insights/feedback/").content.decode()
    assert 'id="noisy-rules"' in content and "js.noisy-rule" in content
    assert 'class="badge noisy-badge"' in content

    revision = make_revision(make_pull_request(repository, number=200))
    make_finding(revision, make_file(revision, "app/y.js"), rule_id="js.noisy-rule")
    make_finding(revision, make_file(revision, "app/z.py", position=1), rule_id="py.good-rule")
    summary = check_report_for_revision(revision=revision).summary
    assert "### Noisy rules" in summary
    assert "js\\.noisy\\-rule`: 17% confirmed of 12" in summary
    assert "good" not in summary.split("### Noisy rules")[1].split("###")[0]


def test_bad_requests_are_refused_with_a_reason(lead, client):
    rita, _repository = lead
    client.force_login(rita)
    assert client.get("/insights/feedback/", {"dimension": "colour"}).status_code == 400
    assert client.get("/insights/feedback/", {"since": "yesterday"}).status_code == 400
    response = api_client_for(rita).get("/api/insights/feedback/", {"repository": "evil/other"})
    assert response.status_code == 400
    today = timezone.now().date()
    with pytest.raises(FeedbackError, match="until is before since"):
        feedback_numbers(
            repositories=Repository.objects.all(),
            since=today,
            until=today - datetime.timedelta(days=1),
        )


def test_the_page_makes_the_same_number_of_queries_for_5_or_80_findings(lead, client):
    rita, repository = lead
    client.force_login(rita)
    revision = make_revision(make_pull_request(repository))
    changed = make_file(revision, "app/views.py")

    def queries_with(findings: int) -> int:
        for line in range(Finding.objects.count(), findings):
            make_finding(revision, changed, rule_id=f"r.{line % 7}", line=line + 1)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/insights/feedback/").status_code == 200
        return len(captured)

    assert queries_with(5) == queries_with(80)


def test_time_to_fix_runs_from_the_confirmation_to_the_first_push_without_the_finding(lead):
    rita, repository = lead
    vulnerable = pull_request_process(
        repository=repository, snapshot=snapshot(8, [added("app/users.py", SQL_CODE, "1")])
    )
    finding = Finding.objects.get(revision=vulnerable, cwe=89, pre_existing=False)
    review_finding_triage(
        finding=finding, user=rita, decision="confirmed", reason="reproduced it locally"
    )
    safe = SQL_CODE.replace(
        "db.execute(f\"SELECT * FROM users WHERE name = '{name}'\")",
        'db.execute("SELECT * FROM users WHERE name = %s", (name,))',
    )
    fixed = pull_request_process(
        repository=repository,
        snapshot=snapshot(8, [added("app/users.py", safe, "2")], head_sha="c" * 40),
    )
    assert not Finding.objects.filter(revision=fixed, cwe=89).exists()
    Finding.objects.filter(pk=finding.pk).update(
        triaged_at=fixed.finished_at - datetime.timedelta(hours=5)
    )
    today = timezone.now().date()

    numbers = feedback_numbers(
        repositories=Repository.objects.all(), since=today, until=today, dimension="class"
    )

    sql = {row.key: row for row in numbers.rows}["SQL injection"]
    assert (sql.confirmed, sql.fixed) == (1, 1)
    assert sql.fix_hours == pytest.approx(5, abs=0.01)
    # an open finding of the same push is neither fixed nor counted in the mean
    still_open = feedback_numbers(
        repositories=Repository.objects.all(), since=today, until=today, dimension="rule"
    )
    assert sum(row.fixed for row in still_open.rows) == 1
