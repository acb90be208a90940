"""Calibration attempts end to end: an exercise analysed through the real pipeline, run in the
normal pull-request page with its findings hidden (page, API, evidence), flaws named, an
assumption refuted, the attempt scored; and what other users see of it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from findings.models import Finding, Repository
from reviewbench.calibration.models import Attempt, Exercise
from reviewbench.calibration.services import exercise_library_sync
from reviewbench.checklist.models import ChecklistItem
from tests.factories import api_client_for


@pytest.fixture
def library(db):
    exercise_library_sync()
    return Exercise.objects.get(slug="py-order-search")


def _start(client, exercise: Exercise) -> Attempt:
    response = client.post(reverse("reviews:exercise_start", kwargs={"slug": exercise.slug}))
    assert response.status_code == 302
    attempt = Attempt.objects.get(exercise=exercise)
    assert response["Location"].endswith("#calibration")
    return attempt


def _page(client, attempt: Attempt):
    pull_request = attempt.revision.pull_request
    owner, name = pull_request.repository.full_name.split("/")
    return client.get(
        reverse(
            "reviews:pull_request_detail",
            kwargs={"owner": owner, "name": name, "number": pull_request.number},
        )
    )


def test_an_attempt_runs_in_the_pull_request_page_with_its_findings_hidden(library, client):
    rita = User.objects.create_user("rita", password="x")  # nosec B106
    client.force_login(rita)
    attempt = _start(client, library)
    revision = attempt.revision
    assert revision.status == "ready"
    assert revision.pull_request.repository.source == Repository.Source.CALIBRATION
    assert revision.ai_added_lines > 0 and revision.ai_tools == ["GitHub Copilot"]
    # The engine found the SQL injection; the page does not say so.
    sql = Finding.objects.get(revision=revision, cwe=89)
    page = _page(client, attempt).content.decode()
    assert "Calibration exercise: Order search endpoint" in page
    assert "WHERE customer" in page  # the diff is there
    assert sql.rule_id not in page and f'id="finding-{sql.pk}"' not in page
    assert "Review tier" not in page and "Approve" not in page
    assert attempt.total == 0 and attempt.submitted_at is None


def test_notes_and_a_refuted_assumption_are_scored_against_the_key(library, client):
    rita = User.objects.create_user("rita", password="x")  # nosec B106
    client.force_login(rita)
    attempt = _start(client, library)
    add = reverse("calibration:note_add", kwargs={"attempt_id": attempt.pk})
    # The SQL injection at line 19, named a line off: caught.
    client.post(
        add,
        {
            "path": "shop/search.py",
            "line": "18",
            "flaw_class": "sqli",
            "comment": "customer is formatted into the SQL string",
        },
    )
    # Too short a comment is refused, nothing stored.
    response = client.post(
        add, {"path": "shop/search.py", "line": "3", "flaw_class": "xss", "comment": "bad"},
        follow=True,
    )  # fmt: skip
    assert "Say why it is a flaw" in response.content.decode()
    assert attempt.notes.count() == 1
    # The error leak at line 23 is named as something else: located, not caught.
    client.post(
        add,
        {
            "path": "shop/search.py",
            "line": "23",
            "flaw_class": "log-injection",
            "comment": "the error is echoed back to the caller",
        },
    )
    response = client.post(
        reverse("calibration:submit", kwargs={"attempt_id": attempt.pk}), follow=True
    )
    assert "You caught 1 of 2 planted flaws." in response.content.decode()
    attempt.refresh_from_db()
    assert (attempt.caught, attempt.total) == (1, 2)
    verdicts = {(r["class"], r["caught"], r["located"]) for r in attempt.results}
    assert verdicts == {("sqli", True, True), ("error-disclosure", False, True)}
    # Submitted: the findings show, with the score; no more notes.
    page = _page(client, attempt).content.decode()
    sql = Finding.objects.get(revision=attempt.revision, cwe=89)
    assert f'id="finding-{sql.pk}"' in page and "1 of 2</strong>" in page
    assert "Seen, wrong class" in page
    response = client.post(
        add,
        {"path": "shop/search.py", "line": "23", "flaw_class": "error-disclosure",
         "comment": "late second thoughts here"},
        follow=True,
    )  # fmt: skip
    assert "This attempt was submitted" in response.content.decode()
    # Practice is never approved, even through the API once every item is answered.
    approve = api_client_for(rita).post(
        f"/api/pull-requests/{attempt.revision.pull_request.repository.full_name}/"
        f"{attempt.revision.pull_request.number}/approve/"
    )
    assert approve.status_code == 400 and "never approved" in approve.json()["detail"]


def test_a_refuted_assumption_names_a_flaw(library, client):
    rita = User.objects.create_user("rita", password="x")  # nosec B106
    client.force_login(rita)
    attempt = _start(client, library)
    item = ChecklistItem.objects.filter(
        revision=attempt.revision, kind=ChecklistItem.Kind.ASSUMPTION, assumption_kind="sql"
    ).first()
    assert item is not None, "the exercise's SQL line raises an SQL assumption challenge"
    pull_request = attempt.revision.pull_request
    owner, name = pull_request.repository.full_name.split("/")
    # Answered in place (htmx): the item comes back without the progress and approve boxes,
    # whose counts would tell how many findings there are.
    fragment = client.post(
        reverse(
            "reviews:checklist_item_answer",
            kwargs={"owner": owner, "name": name, "number": pull_request.number,
                    "item_id": item.pk},
        ),
        {"answer": "customer goes straight into the f-string SQL at line 19",
         "outcome": "does_not_hold"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert f'id="item-{item.pk}"' in fragment
    assert "checklist-progress" not in fragment and "approve" not in fragment.lower()
    item.refresh_from_db()
    assert item.outcome == "does_not_hold"
    client.post(reverse("calibration:submit", kwargs={"attempt_id": attempt.pk}))
    attempt.refresh_from_db()
    caught = [r for r in attempt.results if r["caught"]]
    assert [(r["class"], r["mark"]["source"]) for r in caught] == [("sqli", "assumption")]


def test_nobody_else_sees_an_attempt_and_its_findings_stay_out_of_the_api(library, client):
    rita = User.objects.create_user("rita", password="x")  # nosec B106
    client.force_login(rita)
    attempt = _start(client, library)
    sql = Finding.objects.get(revision=attempt.revision, cwe=89)
    api = api_client_for(rita)
    pull_request = attempt.revision.pull_request
    owner, name = pull_request.repository.full_name.split("/")
    detail = api.get(f"/api/pull-requests/{owner}/{name}/{pull_request.number}/").json()
    assert detail["latest_revision"]["findings"] == []
    assert all(item["kind"] != "triage" for item in detail["latest_revision"]["checklist"])
    assert api.get(f"/api/findings/{sql.pk}/").status_code == 404
    assert api.get(f"/api/revisions/{attempt.revision_id}/").status_code == 404
    # Not among the pull requests, and no evidence bundle.
    assert api.get("/api/pull-requests/").json()["count"] == 0
    assert client.get(f"/{owner}/{name}/pull/{pull_request.number}/evidence").status_code == 404
    # Another reviewer sees neither the page nor the attempt.
    other = User.objects.create_user("olga", password="x")  # nosec B106
    client.force_login(other)
    assert _page(client, attempt).status_code == 404
    assert api_client_for(other).get(f"/api/calibration/attempts/{attempt.pk}/").status_code == 404
    note = client.post(
        reverse("calibration:note_add", kwargs={"attempt_id": attempt.pk}),
        {"path": "shop/search.py", "line": "19", "flaw_class": "sqli",
         "comment": "trying to write into rita's attempt"},
    )  # fmt: skip
    assert note.status_code == 404 and attempt.notes.count() == 0


def test_a_reviewer_has_at_most_three_attempts_in_progress_and_a_retired_exercise_none(library):
    from reviewbench.calibration.services import CalibrationError
    from reviewbench.reviews.services import calibration_attempt_start

    rita = User.objects.create_user("rita", password="x")  # nosec B106
    for _ in range(3):
        calibration_attempt_start(user=rita, exercise=library)
    with pytest.raises(CalibrationError, match="3 attempts in progress"):
        calibration_attempt_start(user=rita, exercise=library)
    assert Attempt.objects.filter(user=rita).count() == 3
    assert rita.calibration_repository.pull_requests.count() == 3  # nothing half-written
    library.active = False
    library.save()
    olga = User.objects.create_user("olga", password="x")  # nosec B106
    with pytest.raises(CalibrationError, match="retired"):
        calibration_attempt_start(user=olga, exercise=library)
