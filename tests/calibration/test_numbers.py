"""Catch rates for leads (page, CSV, API; per reviewer, class and week), the tier's
`approvals.min_catch_rate` gate, exercises made from confirmed findings, the API's attempt
flow, and the library command."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.urls import reverse

from findings.models import Finding
from reviewbench.approvals.services import ApprovalDenied, revision_approve
from reviewbench.calibration.models import Attempt, Exercise
from reviewbench.calibration.services import (
    CalibrationError,
    exercise_from_finding,
    exercise_library_sync,
    flaw_note_add,
)
from reviewbench.calibration.services import attempt_submit as submit
from reviewbench.reviews.services import (
    calibration_attempt_start,
    pull_request_process,
    review_finding_triage,
)
from tests.factories import api_client_for
from tests.insights.pipeline import SQL_CODE, added, member_and_repository, snapshot


@pytest.fixture
def exercises(db):
    exercise_library_sync()
    return {exercise.slug: exercise for exercise in Exercise.objects.all()}


def _attempt(user: User, exercise: Exercise, named: list[tuple[int, str]]) -> Attempt:
    """An attempt at `exercise` naming `named` (line, class) in its first file, submitted."""
    attempt = calibration_attempt_start(user=user, exercise=exercise)
    path = exercise.files[0]["path"]
    for line, flaw_class in named:
        flaw_note_add(
            attempt=attempt, user=user, path=path, line=line, flaw_class=flaw_class,
            comment="named during the test review",
        )  # fmt: skip
    return submit(attempt=attempt, user=user)


def _lead(username: str) -> User:
    lead = User.objects.create_user(username, password="x")  # nosec B106
    lead.user_permissions.add(
        Permission.objects.get(codename="view_all_attempts"),
        Permission.objects.get(codename="add_exercise"),
    )
    return User.objects.get(pk=lead.pk)  # permissions are cached per instance


def test_leads_see_each_reviewers_catch_rate_per_class_and_week(exercises, client):
    rita = User.objects.create_user("rita", password="x")  # nosec B106
    olga = User.objects.create_user("olga", password="x")  # nosec B106
    # py-order-search plants sqli at 19 and error-disclosure at 23.
    _attempt(rita, exercises["py-order-search"], [(19, "sqli"), (23, "error-disclosure")])
    _attempt(olga, exercises["py-order-search"], [(19, "sqli")])
    # go-diagnostics plants command-injection at 10 and cookie-flags at 15.
    _attempt(olga, exercises["go-diagnostics"], [(15, "cookie-flags")])
    lead = _lead("lee")
    client.force_login(lead)
    page = client.get(reverse("insights:calibration")).content.decode()
    assert 'id="catch-rates"' in page and "rita" in page and "olga" in page
    assert '100% <span class="muted">(2/2)</span>' in page  # rita overall
    assert '50% <span class="muted">(2/4)</span>' in page  # olga overall
    rows = list(
        csv.reader(io.StringIO(client.get("/insights/calibration/?format=csv").content.decode()))
    )
    assert rows[0] == ["reviewer", "class", "caught", "planted", "catch rate"]
    assert ["olga", "sqli", "1", "1", "1.0"] in rows
    assert ["olga", "error-disclosure", "0", "1", "0.0"] in rows
    assert ["olga", "command-injection", "0", "1", "0.0"] in rows
    assert ["olga", "all", "2", "4", "0.5"] in rows
    document = api_client_for(lead).get("/api/insights/calibration/").json()
    olga_row = next(r for r in document["reviewers"] if r["username"] == "olga")
    assert (olga_row["attempts"], olga_row["caught"], olga_row["planted"]) == (2, 2, 4)
    assert sum(week["planted"] for week in olga_row["by_week"]) == 4
    # A reviewer without the permission sees only their own numbers.
    own = api_client_for(rita).get("/api/insights/calibration/").json()
    assert [r["username"] for r in own["reviewers"]] == ["rita"]
    assert (
        api_client_for(rita).get("/api/insights/calibration/?since=2026-13-01").status_code == 400
    )


def _approvable_pull_request(policy_text: str):
    rita, repository = member_and_repository()
    revision = pull_request_process(
        repository=repository,
        snapshot=snapshot(
            1, [added("docs/notes.txt", "just words\n", "4")], policy_text=policy_text
        ),
    )
    return rita, revision


POLICY = """version: 1
tiers:
  - name: standard
    level: 0
    approvals: {count: 1, min_catch_rate: 0.5}
    sla_hours: 48
"""


def test_a_tier_can_require_a_minimum_catch_rate_of_its_approvers(exercises):
    rita, revision = _approvable_pull_request(POLICY)
    assert revision.policy.min_catch_rate == 0.5
    with pytest.raises(ApprovalDenied, match="you have not submitted one yet"):
        revision_approve(revision=revision, user=rita)
    _attempt(rita, exercises["py-order-search"], [(3, "xss")])
    with pytest.raises(ApprovalDenied, match=r"you caught 0 of 2 \(0%\) in 1"):
        revision_approve(revision=revision, user=rita)
    _attempt(rita, exercises["go-api-tokens"], [(9, "hardcoded-credentials"), (16, "weak-crypto")])
    # 2 of 4 = 50%: the gate opens, and the checklist is what stands in the way now.
    with pytest.raises(ApprovalDenied, match="checklist item"):
        revision_approve(revision=revision, user=rita)


def test_without_the_key_approvers_need_no_calibration(db):
    rita, revision = _approvable_pull_request(POLICY.replace(", min_catch_rate: 0.5", ""))
    assert revision.policy.min_catch_rate is None
    with pytest.raises(ApprovalDenied, match="checklist item"):
        revision_approve(revision=revision, user=rita)


def test_a_lead_makes_an_exercise_of_a_confirmed_finding(db, client):
    rita, repository = member_and_repository()
    revision = pull_request_process(
        repository=repository, snapshot=snapshot(7, [added("app/users.py", SQL_CODE, "1")])
    )
    sql = Finding.objects.get(revision=revision, cwe=89)
    with pytest.raises(CalibrationError, match="Only leads"):
        exercise_from_finding(finding=sql, user=rita)
    lead = _lead("lee")
    with pytest.raises(CalibrationError, match="Only a confirmed finding"):
        exercise_from_finding(finding=sql, user=lead)
    review_finding_triage(finding=sql, user=rita, decision="confirmed", reason="reproduced it")
    repository.installations.first().members.add(lead)
    client.force_login(lead)
    page = client.get("/acme/shop/pull/7/").content.decode()
    assert "Make a calibration exercise of this finding" in page
    response = client.post(
        reverse(
            "calibration:exercise_from_finding",
            kwargs={"owner": "acme", "name": "shop", "number": 7, "finding_id": sql.pk},
        ),
        {"title": "User search from review #7"},
    )
    assert response.status_code == 302
    exercise = Exercise.objects.get(origin=Exercise.Origin.FINDING)
    assert exercise.title == "User search from review #7" and exercise.source_finding == sql
    assert exercise.files == [{"path": "app/users.py", "after": SQL_CODE, "before": None}]
    assert exercise.flaws == [
        {"path": "app/users.py", "line": sql.line, "class": "sqli", "why": "reproduced it"}
    ]
    with pytest.raises(CalibrationError, match="already an exercise"):
        exercise_from_finding(finding=sql, user=lead)
    # Another reviewer runs it like a library exercise, and catches it.
    olga = User.objects.create_user("olga", password="x")  # nosec B106
    attempt = _attempt(olga, exercise, [(sql.line, "sqli")])
    assert (attempt.caught, attempt.total) == (1, 1)


def test_the_api_runs_an_attempt_without_showing_the_key_first(exercises):
    rita = User.objects.create_user("rita", password="x")  # nosec B106
    api = api_client_for(rita)
    listed = api.get("/api/calibration/exercises/").json()
    assert len(listed) == len(exercises) and all("flaws" not in row for row in listed)
    classes = api.get("/api/calibration/classes/").json()
    assert {"flaw_class": "sqli", "title": "SQL injection"} in classes
    started = api.post("/api/calibration/exercises/js-user-lookup/attempts/")
    assert started.status_code == 201
    attempt = started.json()
    assert attempt["key"] is None and attempt["pull_request"].startswith("calibration/rita-")
    base = f"/api/calibration/attempts/{attempt['id']}/"
    assert api.post(base + "submit/").status_code == 400  # nothing named yet
    note = api.post(
        base + "notes/",
        {"path": "src/routes/users.js", "line": 9, "flaw_class": "sqli",
         "comment": "email is interpolated into the SQL"},
        format="json",
    )  # fmt: skip
    assert note.status_code == 201
    wrong = api.post(
        base + "notes/",
        {"path": "src/routes/users.js", "line": 999, "flaw_class": "sqli",
         "comment": "past the end of the file"},
        format="json",
    )  # fmt: skip
    assert wrong.status_code == 400 and "lines 1 to" in wrong.json()["detail"]
    scored = api.post(base + "submit/").json()
    assert (scored["caught"], scored["total"]) == (1, 2)
    assert {r["class"] for r in scored["key"]["results"]} == {"sqli", "error-disclosure"}
    assert api.post("/api/calibration/exercises/nope/attempts/").status_code == 404
    schema = api.get("/api/schema/").content.decode()
    for operation in (
        "calibration_exercises_attempts_create",
        "calibration_attempts_submit",
        "calibration_exercises_from_finding",
        "insights_calibration",
    ):
        assert operation in schema


def test_the_command_syncs_and_lists_the_library(db):
    out = io.StringIO()
    call_command("exercises", "--sync", stdout=out)
    text = out.getvalue()
    assert "Library: 0 created, 0 updated, 0 retired." in text  # migrate loaded it already
    assert "py-order-search [python, library]" in text and "sqli at shop/search.py:19" in text


def test_the_calibration_page_reads_in_the_same_queries_however_many_attempts(exercises, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lead = _lead("lee")
    client.force_login(lead)
    rita = User.objects.create_user("rita", password="x")  # nosec B106
    counts = []
    for slug in ("py-order-search", "go-diagnostics", "java-import-job"):
        _attempt(rita, exercises[slug], [(1, "sqli")])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("insights:calibration")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[-1], counts
