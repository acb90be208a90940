"""Review API: authentication, tenancy, query counts, and the writes going through services."""

from __future__ import annotations

import datetime
import os

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from findings.engine.secure_prompts import secure_prompt
from findings.models import ChangedFile, Finding, Revision
from reviewbench.approvals.models import Approval
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from tests.factories import (
    NEXT_SHA,
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
)

LIST = "/api/pull-requests/"
DETAIL = "/api/pull-requests/acme/shop/7/"
APPROVE = "/api/pull-requests/acme/shop/7/approve/"
ANSWER = "Builds the export query and streams the rows to a CSV response."
SECOND_ANSWER = "Documents the new CSV export for the operators of the shop."
REASON = "id comes from an int path converter, never from the user"


def answer_url(item_id: int) -> str:
    return f"/api/checklist-items/{item_id}/answer/"


def triage_url(finding_id: int) -> str:
    return f"/api/findings/{finding_id}/triage/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def drf_datetime(value: datetime.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


@pytest.fixture
def rita(review) -> APIClient:
    return token_client(review.reviewer)


@pytest.fixture
def mallory(review) -> APIClient:
    return token_client(review.author)


@pytest.fixture
def other_tenant(make_user):
    """A second installation with its own member, pull request, checklist and finding."""
    bob = make_user("bob")
    repository = make_repository("globex/secret", members=[bob])
    pull_request = make_pull_request(repository, number=7, title="Globex internal change")
    revision = make_revision(pull_request)
    changed = make_file(revision, "billing.py")
    finding = make_finding(revision, changed)
    revision_review_prepare(revision=revision)
    return pull_request, revision, finding, bob


def nothing_written(review) -> bool:
    answered = ChecklistItem.objects.filter(answered_at__isnull=False).exists()
    triaged = Finding.objects.exclude(triage=Finding.Triage.OPEN).exists()
    return not (answered or triaged or Approval.objects.exists() or AuditEvent.objects.exists())


# --- authentication --------------------------------------------------------------------------


def test_requests_without_credentials_are_refused_and_change_nothing(review):
    client = APIClient()
    item = review.item("explain:app/views.py")

    responses = [
        client.get(LIST),
        client.get(DETAIL),
        client.post(answer_url(item.pk), {"answer": ANSWER}, format="json"),
        client.post(triage_url(review.high.pk), {"decision": "confirmed"}, format="json"),
        client.post(APPROVE),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert {r.json()["detail"] for r in responses} == {
        "Authentication credentials were not provided."
    }
    assert nothing_written(review)


def test_an_unknown_token_is_refused(review):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = client.get(LIST)

    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid token."}


def test_session_auth_reads_but_writes_need_a_csrf_token(review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(review.reviewer)
    item = review.item("explain:app/views.py")

    listed = client.get(LIST)
    refused = client.post(answer_url(item.pk), {"answer": ANSWER}, content_type="application/json")

    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert refused.status_code == 403
    assert refused.json() == {"detail": "CSRF Failed: CSRF cookie not set."}
    assert nothing_written(review)


def test_session_auth_write_with_a_csrf_token_goes_through(review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(review.reviewer)
    client.cookies["csrftoken"] = "k" * 32
    item = review.item("explain:app/views.py")

    response = client.post(
        answer_url(item.pk),
        {"answer": ANSWER},
        content_type="application/json",
        headers={"X-CSRFToken": "k" * 32},
    )

    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.answer, item.answered_by) == (ANSWER, review.reviewer)


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_only_the_users_tenants_pull_requests(rita, review, other_tenant):
    not_analysed = make_pull_request(review.repository, number=8, title="Not analysed yet")

    response = rita.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert body["results"] == [
        {
            "repository": "acme/shop",
            "number": 8,
            "title": "Not analysed yet",
            "author_login": "mallory-dev",
            "state": "open",
            "head_sha": not_analysed.head_sha,
            "latest_revision_id": None,
            "latest_status": None,
            "latest_head_sha": None,
            "findings_total": 0,
            "findings_critical": 0,
            "findings_high": 0,
            "findings_medium": 0,
            "findings_low": 0,
            "findings_info": 0,
            "findings_confirmed": 0,
            "checklist_total": 0,
            "checklist_answered": 0,
            "approvals_count": 0,
        },
        {
            "repository": "acme/shop",
            "number": 7,
            "title": "Add order export",
            "author_login": "mallory-dev",
            "state": "open",
            "head_sha": review.pull_request.head_sha,
            "latest_revision_id": review.revision.pk,
            "latest_status": "ready",
            "latest_head_sha": review.revision.head_sha,
            "findings_total": 2,
            "findings_critical": 1,
            "findings_high": 1,
            "findings_medium": 0,
            "findings_low": 0,
            "findings_info": 0,
            "findings_confirmed": 0,
            "checklist_total": 5,
            "checklist_answered": 0,
            "approvals_count": 0,
        },
    ]
    assert "Globex internal change" not in response.content.decode()


def test_list_is_paginated_with_limit_and_offset(rita, review):
    make_pull_request(review.repository, number=8, title="Second")

    response = rita.get(LIST, {"limit": 1, "offset": 1})

    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None
    assert body["previous"] == "http://testserver/api/pull-requests/?limit=1"
    assert [row["number"] for row in body["results"]] == [7]


def test_list_query_count_is_pinned_with_twenty_pull_requests(
    rita, review, django_assert_max_num_queries
):
    for number in range(100, 119):
        pull_request = make_pull_request(review.repository, number=number, title=f"PR {number}")
        revision = make_revision(pull_request)
        changed = make_file(revision, f"mod{number}.py")
        make_finding(revision, changed, severity="medium")

    # token lookup, page count, page rows
    with django_assert_max_num_queries(3):
        response = rita.get(LIST)

    body = response.json()
    assert body["count"] == 20
    assert len(body["results"]) == 20
    assert sum(row["findings_medium"] for row in body["results"]) == 19


# --- detail --------------------------------------------------------------------------------------


def test_detail_shows_the_latest_revision_for_the_requesting_user(rita, review):
    review.second_file.analysis = ChangedFile.Analysis.NOT_APPLICABLE
    review.second_file.analysis_note = "No scanner applies to this file."
    review.second_file.save()
    items = review.items()

    response = rita.get(DETAIL)

    assert response.status_code == 200
    assert response.json() == {
        "repository": "acme/shop",
        "number": 7,
        "title": "Add order export",
        "author_login": "mallory-dev",
        "state": "open",
        "head_sha": review.pull_request.head_sha,
        "latest_revision": {
            "id": review.revision.pk,
            "head_sha": review.revision.head_sha,
            "status": "ready",
            "status_reason": "",
            "files": [
                {
                    "path": "app/views.py",
                    "status": "modified",
                    "analysis": "analysed",
                    "analysis_note": "",
                },
                {
                    "path": "app/csv.py",
                    "status": "modified",
                    "analysis": "not_applicable",
                    "analysis_note": "No scanner applies to this file.",
                },
            ],
            "findings": [
                {
                    "id": finding.pk,
                    "rule_id": finding.rule_id,
                    "cwe": cwe,
                    "severity": severity,
                    "confidence": "high",
                    "title": title,
                    "message": "The query string is built with an f-string from request data.",
                    "guidance": "Use a parameterised query.",
                    "secure_prompt": {
                        "family": family,
                        "title": secure_prompt(cwe=cwe).title,
                        "language": "python",
                        "text": secure_prompt(cwe=cwe, path="app/views.py").text,
                    },
                    "path": "app/views.py",
                    "line": line,
                    "triage": "open",
                    "triage_reason": "",
                    "triage_expires_at": None,
                }
                for finding, cwe, severity, title, line, family in [
                    (review.high, 89, "high", "SQL built from user input", 11, "sqli"),
                    (
                        review.critical,
                        798,
                        "critical",
                        "Hard-coded secret",
                        12,
                        "hardcoded-credentials",
                    ),
                ]
            ],
            "checklist": [
                {
                    "id": item.pk,
                    "key": item.key,
                    "kind": item.kind,
                    "prompt": item.prompt,
                    "finding_id": item.finding_id,
                    "answered": False,
                    "answer": "",
                    "outcome": "",
                    "assumption_kind": item.assumption_kind,
                    "path": item.path,
                    "line": item.line,
                    "flagged": False,
                    "flag_reason": "",
                    "carried_over_from": "",
                    "expected_terms": [],
                    "rationale": "",
                }
                for item in items
            ],
            "approvals": [],
            "review_state": {
                "items_total": 5,
                "items_answered": 0,
                "can_approve": False,
                "reason": "5 checklist items still to answer.",
                "approved": False,
            },
        },
    }
    assert [item.kind for item in items] == ["triage", "triage", "explain", "explain", "signoff"]
    assert [item.finding_id for item in items[:2]] == [review.critical.pk, review.high.pk]


def test_detail_of_a_pull_request_without_a_revision_has_no_latest_revision(rita, review):
    make_pull_request(review.repository, number=8, title="Not analysed yet")

    response = rita.get("/api/pull-requests/acme/shop/8/")

    assert response.status_code == 200
    assert response.json()["latest_revision"] is None
    assert response.json()["title"] == "Not analysed yet"


def test_detail_query_count_does_not_grow_with_findings_and_files(
    rita, review, django_assert_max_num_queries
):
    for index in range(15):
        changed = make_file(review.revision, f"extra/mod{index}.py", position=index + 2)
        make_finding(review.revision, changed, severity="low", line=index + 1)
    revision_review_prepare(revision=review.revision)

    # token, pull request, revision, files, findings, checklist, and six for the review state
    with django_assert_max_num_queries(12):
        response = rita.get(DETAIL)

    revision = response.json()["latest_revision"]
    assert (len(revision["files"]), len(revision["findings"]), len(revision["checklist"])) == (
        17,
        17,
        35,
    )


def test_another_tenants_pull_request_is_indistinguishable_from_a_missing_one(
    rita, review, other_tenant
):
    other = rita.get("/api/pull-requests/globex/secret/7/")
    missing = rita.get("/api/pull-requests/globex/secret/999/")

    assert other.status_code == 404
    assert missing.status_code == 404
    assert other.content == missing.content == b'{"detail":"No such pull request."}'


# --- answer --------------------------------------------------------------------------------------


def test_answer_through_the_api_saves_audits_and_notifies(
    rita, review, listener_calls, django_capture_on_commit_callbacks
):
    item = review.item("explain:app/views.py")

    with django_capture_on_commit_callbacks(execute=True):
        response = rita.post(answer_url(item.pk), {"answer": f"  {ANSWER}  "}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "id": item.pk,
        "key": "explain:app/views.py",
        "kind": "explain",
        "prompt": item.prompt,
        "finding_id": None,
        "answered": True,
        "answer": ANSWER,
        "outcome": "",
        "assumption_kind": "",
        "path": "app/views.py",
        "line": None,
        # accepted, but shown to leads as thin
        "flagged": True,
        "flag_reason": "Thin answer: short (63 characters)",
        "carried_over_from": "",
        "expected_terms": [],
        "rationale": "",
    }
    item.refresh_from_db()
    assert (item.answer, item.answered_by) == (ANSWER, review.reviewer)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.details["item_id"]) == (
        "checklist.answered",
        review.reviewer,
        item.pk,
    )
    assert listener_calls == [review.revision.pk]


def test_assumption_is_answered_with_an_outcome_through_the_api(rita, review):
    # given an assumption challenge on the AI code
    item = ChecklistItem.objects.create(
        revision=review.revision,
        key="assumption:sql:app/views.py:abc",
        kind=ChecklistItem.Kind.ASSUMPTION,
        position=50,
        prompt="`id` never reaches the SQL in db.run on line 3 unchecked.",
        assumption_kind="sql",
        path="app/views.py",
        line=3,
    )

    # when the outcome is missing, then given
    missing = rita.post(answer_url(item.pk), {"answer": "app/views.py:2"}, format="json")
    holds = rita.post(
        answer_url(item.pk), {"answer": "app/views.py:2", "outcome": "holds"}, format="json"
    )

    # then
    assert missing.status_code == 400
    assert holds.status_code == 200, holds.json()
    assert (holds.json()["outcome"], holds.json()["answered"]) == ("holds", True)
    item.refresh_from_db()
    assert (item.outcome, item.answer) == ("holds", "app/views.py:2")


def test_unknown_outcome_is_a_validation_error(rita, review):
    item = review.item("explain:app/views.py")

    response = rita.post(answer_url(item.pk), {"answer": ANSWER, "outcome": "maybe"}, format="json")

    assert response.status_code == 400
    assert "outcome" in response.json()
    item.refresh_from_db()
    assert item.answer == ""


@pytest.mark.parametrize(
    ("who", "key", "answer", "expected"),
    [
        (
            "rita",
            "explain:app/views.py",
            "lgtm",
            "An explanation needs at least 30 characters; this one has 4.",
        ),
        (
            "rita",
            "explain:app/views.py",
            "",
            "An explanation needs at least 30 characters; this one has 0.",
        ),
        (
            "mallory",
            "explain:app/views.py",
            ANSWER,
            "The author of a pull request cannot answer its review checklist.",
        ),
        (
            "rita",
            "triage",
            ANSWER,
            "Findings are answered by triaging them, not with a text answer.",
        ),
    ],
    ids=["too-short", "empty", "author", "triage-item"],
)
def test_rejected_answer_is_a_400_with_the_message_and_changes_nothing(
    request, review, who, key, answer, expected
):
    client = request.getfixturevalue(who)
    item = (
        ChecklistItem.objects.get(revision=review.revision, finding=review.high)
        if key == "triage"
        else review.item(key)
    )

    response = client.post(answer_url(item.pk), {"answer": answer}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": expected}
    assert nothing_written(review)


def test_answer_identical_to_another_files_is_rejected(rita, review):
    first = review.item("explain:app/views.py")
    second = review.item("explain:app/csv.py")
    rita.post(answer_url(first.pk), {"answer": ANSWER}, format="json")

    response = rita.post(answer_url(second.pk), {"answer": ANSWER.upper()}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This explanation is identical to another one on this pull request; "
        "explain each file in its own words."
    }
    second.refresh_from_db()
    assert (second.answer, second.answered_at) == ("", None)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["checklist.answered"]


def test_answer_on_a_superseded_revision_is_rejected(rita, review):
    item = review.item("explain:app/views.py")
    review.pull_request.head_sha = NEXT_SHA
    review.pull_request.save()

    response = rita.post(answer_url(item.pk), {"answer": ANSWER}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "This revision is no longer the pull request's head."}
    assert nothing_written(review)


def test_answer_without_the_field_is_a_validation_error(rita, review):
    item = review.item("explain:app/views.py")

    response = rita.post(answer_url(item.pk), {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"answer": ["This field is required."]}
    assert nothing_written(review)


# --- triage --------------------------------------------------------------------------------------


def test_triage_through_the_api_saves_and_audits(rita, review):
    response = rita.post(
        triage_url(review.high.pk),
        {"decision": "false_positive", "reason": REASON},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["triage"], body["triage_reason"], body["triage_expires_at"]) == (
        review.high.pk,
        "false_positive",
        REASON,
        None,
    )
    review.high.refresh_from_db()
    assert (review.high.triage, review.high.triaged_by) == ("false_positive", review.reviewer)
    event = AuditEvent.objects.get()
    assert (event.action, event.details["from"], event.details["to"]) == (
        "finding.triaged",
        "open",
        "false_positive",
    )


def test_accepted_risk_takes_an_expiry_date(rita, review):
    expires = timezone.localdate() + datetime.timedelta(days=30)

    response = rita.post(
        triage_url(review.critical.pk),
        {"decision": "accepted_risk", "reason": REASON, "expires_at": expires.isoformat()},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["triage_expires_at"] == expires.isoformat()
    review.critical.refresh_from_db()
    assert (review.critical.triage, review.critical.triage_expires_at) == (
        "accepted_risk",
        expires,
    )


@pytest.mark.parametrize(
    ("who", "payload", "expected"),
    [
        (
            "rita",
            {"decision": "false_positive", "reason": "  "},
            "Explain the decision: a reason of at least 10 characters is needed.",
        ),
        (
            "rita",
            {"decision": "accepted_risk", "reason": REASON},
            "An accepted risk needs an expiry date.",
        ),
        (
            "rita",
            {"decision": "accepted_risk", "reason": REASON, "expires_at": "2020-01-01"},
            "The expiry date of an accepted risk must be in the future.",
        ),
        (
            "mallory",
            {"decision": "confirmed"},
            "The author of a pull request cannot triage its findings.",
        ),
    ],
    ids=["no-reason", "no-expiry", "past-expiry", "author"],
)
def test_rejected_triage_is_a_400_with_the_message_and_changes_nothing(
    request, review, who, payload, expected
):
    client = request.getfixturevalue(who)

    response = client.post(triage_url(review.high.pk), payload, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": expected}
    assert nothing_written(review)


def test_triage_with_an_unknown_decision_is_a_validation_error(rita, review):
    response = rita.post(triage_url(review.high.pk), {"decision": "open"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"decision": ['"open" is not a valid choice.']}
    assert nothing_written(review)


# --- approve -------------------------------------------------------------------------------------


def test_full_review_through_the_api_ends_in_an_approval(rita, review):
    for key, text in [
        ("explain:app/views.py", ANSWER),
        ("explain:app/csv.py", SECOND_ANSWER),
        ("signoff", "Exported three orders locally and opened the CSV."),
    ]:
        answered = rita.post(answer_url(review.item(key).pk), {"answer": text}, format="json")
        assert answered.status_code == 200
    for finding in (review.high, review.critical):
        triaged = rita.post(
            triage_url(finding.pk), {"decision": "false_positive", "reason": REASON}, format="json"
        )
        assert triaged.status_code == 200
    assert rita.get(DETAIL).json()["latest_revision"]["review_state"] == {
        "items_total": 5,
        "items_answered": 5,
        "can_approve": True,
        "reason": "",
        "approved": False,
    }

    response = rita.post(APPROVE)

    assert response.status_code == 201
    approval = Approval.objects.get()
    assert (approval.revision, approval.user) == (review.revision, review.reviewer)
    assert response.json() == {"username": "rita", "created_at": drf_datetime(approval.created_at)}
    assert AuditEvent.objects.order_by("id").last().action == "revision.approved"
    detail = rita.get(DETAIL).json()["latest_revision"]
    assert detail["approvals"] == [
        {"username": "rita", "created_at": drf_datetime(approval.created_at)}
    ]
    assert detail["review_state"]["approved"] is True
    assert detail["review_state"]["reason"] == "You have already approved this revision."


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("rita", "5 checklist items still to answer."),
        ("mallory", "The author of a pull request cannot approve it."),
    ],
    ids=["incomplete", "author"],
)
def test_denied_approval_is_a_400_with_the_reason_and_changes_nothing(
    request, review, who, expected
):
    client = request.getfixturevalue(who)

    response = client.post(APPROVE)

    assert response.status_code == 400
    assert response.json() == {"detail": expected}
    assert nothing_written(review)


def test_approval_of_a_failed_revision_is_denied(rita, review):
    review.revision.status = Revision.Status.FAILED
    review.revision.status_reason = "The diff could not be parsed."
    review.revision.save()

    response = rita.post(APPROVE)

    assert response.status_code == 400
    assert response.json() == {"detail": "This revision is failed, not ready for review."}
    assert nothing_written(review)


def test_approval_of_a_pull_request_without_a_revision_is_refused(rita, review):
    make_pull_request(review.repository, number=8, title="Not analysed yet")

    response = rita.post("/api/pull-requests/acme/shop/8/approve/")

    assert response.status_code == 400
    assert response.json() == {"detail": "This pull request has not been analysed yet."}
    assert nothing_written(review)


def test_get_on_a_write_endpoint_is_not_allowed(rita, review):
    response = rita.get(APPROVE)

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "GET" not allowed.'}
    assert nothing_written(review)


# --- tenancy on writes -----------------------------------------------------------------------


def test_another_tenants_objects_are_404_like_missing_ones_and_stay_untouched(
    rita, review, other_tenant
):
    _pull_request, revision, finding, _bob = other_tenant
    item = ChecklistItem.objects.get(revision=revision, kind="explain")
    missing_id = 10**9

    other_item = rita.post(answer_url(item.pk), {"answer": ANSWER}, format="json")
    missing_item = rita.post(answer_url(missing_id), {"answer": ANSWER}, format="json")
    other_finding = rita.post(
        triage_url(finding.pk), {"decision": "false_positive", "reason": REASON}, format="json"
    )
    missing_finding = rita.post(
        triage_url(missing_id), {"decision": "false_positive", "reason": REASON}, format="json"
    )
    other_pr = rita.post("/api/pull-requests/globex/secret/7/approve/")
    missing_pr = rita.post("/api/pull-requests/globex/secret/999/approve/")

    assert [
        r.status_code
        for r in (other_item, missing_item, other_finding, missing_finding, other_pr, missing_pr)
    ] == [404] * 6
    assert other_item.content == missing_item.content == b'{"detail":"No such checklist item."}'
    assert other_finding.content == missing_finding.content == b'{"detail":"No such finding."}'
    assert other_pr.content == missing_pr.content == b'{"detail":"No such pull request."}'
    item.refresh_from_db()
    finding.refresh_from_db()
    assert (item.answer, item.answered_at) == ("", None)
    assert finding.triage == Finding.Triage.OPEN
    assert nothing_written(review)


def test_a_removed_member_loses_access_to_the_api(rita, review):
    review.repository.installations.get().members.remove(review.reviewer)
    item = review.item("explain:app/views.py")

    listed = rita.get(LIST)
    detail = rita.get(DETAIL)
    answered = rita.post(answer_url(item.pk), {"answer": ANSWER}, format="json")

    assert listed.json()["count"] == 0
    assert (detail.status_code, answered.status_code) == (404, 404)
    assert nothing_written(review)


# --- schema --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_needs_a_login(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 403


def test_schema_lists_the_review_api(rita, review):
    response = rita.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "ReviewBench API"
    assert sorted(path for path in schema["paths"] if path.startswith("/api/")) == [
        "/api/calibration/attempts/",
        "/api/calibration/attempts/{attempt_id}/",
        "/api/calibration/attempts/{attempt_id}/notes/",
        "/api/calibration/attempts/{attempt_id}/notes/{note_id}/",
        "/api/calibration/attempts/{attempt_id}/submit/",
        "/api/calibration/classes/",
        "/api/calibration/exercises/",
        "/api/calibration/exercises/{slug}/attempts/",
        "/api/checklist-items/{item_id}/answer/",
        "/api/deliveries/",
        "/api/evidence/",
        "/api/findings/{finding_id}/",
        "/api/findings/{finding_id}/triage/",
        "/api/groups/",
        "/api/groups/{group}/members/",
        "/api/insights/calibration/",
        "/api/insights/feedback/",
        "/api/policy/validate/",
        "/api/pull-requests/",
        "/api/pull-requests/{owner}/{name}/{number}/",
        "/api/pull-requests/{owner}/{name}/{number}/approvals/",
        "/api/pull-requests/{owner}/{name}/{number}/approve/",
        "/api/pull-requests/{owner}/{name}/{number}/evidence/",
        "/api/pull-requests/{owner}/{name}/{number}/exceptions/",
        "/api/pull-requests/{owner}/{name}/{number}/exceptions/{exception_id}/decide/",
        "/api/pull-requests/{owner}/{name}/{number}/revisions/",
        "/api/pull-requests/{owner}/{name}/{number}/sarif/",
        "/api/queue/",
        "/api/repositories/{owner}/{name}/instructions/",
        "/api/revisions/{revision_id}/",
        "/api/revisions/{revision_id}/hunks/",
    ]
    triage = schema["paths"]["/api/findings/{finding_id}/triage/"]["post"]
    assert sorted(triage["responses"]) == ["200", "400", "404"]


@pytest.mark.django_db
def test_schema_generates_without_warnings_or_errors():
    # drf-spectacular's own validation: every view is described, every schema is valid OpenAPI.
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
