"""Review API reads of revisions, hunks, findings: exact shapes, filters, tenancy, query counts."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from findings.engine.secure_prompts import secure_prompt
from findings.models import Finding, Hunk, Revision
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from reviewbench.reviews.services import review_finding_triage as finding_triage_review
from tests.factories import (
    NEXT_SHA,
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
    sha,
)

REVISIONS = "/api/pull-requests/acme/shop/7/revisions/"
REASON = "id comes from an int path converter, never from the user"
MISSING_ID = 10**9
BASE_SHA = "c" * 40
COPILOT_TRAILER = {
    "kind": "trailer",
    "detail": "Co-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>",
    "tool": "Copilot",
}
VIEWS_HUNK = " import db\n+query = f'SELECT * FROM o WHERE id={id}'\n+db.run(query)\n"
AI_EVIDENCE = [{"kind": "commit", "lines": "11-12", "commit": "3f2a1c9", "tool": "Copilot"}]


def prompt_of(cwe: int) -> dict[str, str]:
    prompt = secure_prompt(cwe=cwe, path="app/views.py")
    return {
        "family": prompt.family,
        "title": prompt.title,
        "language": prompt.language,
        "text": prompt.text,
    }


def revision_url(revision_id: int) -> str:
    return f"/api/revisions/{revision_id}/"


def hunks_url(revision_id: int) -> str:
    return f"/api/revisions/{revision_id}/hunks/"


def finding_url(finding_id: int) -> str:
    return f"/api/findings/{finding_id}/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def drf_datetime(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def hunk_json(hunk: Hunk, *, path: str | None = None) -> dict:
    row = {
        "id": hunk.pk,
        "index": hunk.index,
        "source_start": hunk.source_start,
        "source_length": hunk.source_length,
        "target_start": hunk.target_start,
        "target_length": hunk.target_length,
        "section_header": hunk.section_header,
        "content": hunk.content,
        "content_hash": hunk.content_hash,
        "added": hunk.added,
        "removed": hunk.removed,
        "authorship": hunk.authorship,
        "ai_tool": hunk.ai_tool,
        "ai_evidence": hunk.ai_evidence,
    }
    return row if path is None else {"path": path, **row}


@pytest.fixture
def rita(review) -> APIClient:
    return token_client(review.reviewer)


@pytest.fixture
def ai_review(review):
    """The standard review with provenance: an AI hunk, a human hunk and an unknown one."""
    revision = review.revision
    revision.base_sha = BASE_SHA
    revision.additions = 4
    revision.deletions = 1
    revision.ai_added_lines = 2
    revision.ai_tools = ["Copilot"]
    revision.ai_signals = [COPILOT_TRAILER]
    revision.finished_at = timezone.now()
    revision.save()
    Hunk.objects.filter(changed_file=review.views_file).update(
        authorship=Hunk.Authorship.AI,
        ai_tool="Copilot",
        ai_evidence=AI_EVIDENCE,
        section_header="def export_orders(request):",
    )
    Hunk.objects.filter(changed_file=review.second_file).update(authorship=Hunk.Authorship.HUMAN)
    util_file = make_file(revision, "app/util.py", hunks=("-old = 1\n+new = 1\n",), position=2)
    return review, util_file


@pytest.fixture
def other_tenant(make_user):
    """A second installation with its own member, pull request, revision, hunk and finding."""
    bob = make_user("bob")
    repository = make_repository("globex/secret", members=[bob])
    pull_request = make_pull_request(repository, number=7, title="Globex internal change")
    revision = make_revision(pull_request)
    changed = make_file(revision, "billing.py")
    finding = make_finding(revision, changed)
    revision_review_prepare(revision=revision)
    return revision, finding


# --- authentication --------------------------------------------------------------------------


def test_reads_without_credentials_are_refused(review):
    client = APIClient()

    responses = [
        client.get(REVISIONS),
        client.get(revision_url(review.revision.pk)),
        client.get(hunks_url(review.revision.pk)),
        client.get(finding_url(review.high.pk)),
    ]

    assert [r.status_code for r in responses] == [403] * 4
    assert [r.json() for r in responses] == [
        {"detail": "Authentication credentials were not provided."}
    ] * 4
    assert "SELECT * FROM o" not in b"".join(r.content for r in responses).decode()


def test_session_auth_reads_a_revision(review):
    client = Client()
    client.force_login(review.reviewer)

    response = client.get(revision_url(review.revision.pk))

    assert response.status_code == 200
    assert response.json()["id"] == review.revision.pk


# --- revision detail -------------------------------------------------------------------------


def test_revision_detail_shows_files_hunks_provenance_findings_and_checklist(rita, ai_review):
    review, util_file = ai_review
    finding_triage_review(
        finding=review.high, user=review.reviewer, decision="false_positive", reason=REASON
    )
    review.high.refresh_from_db()
    revision = Revision.objects.get(pk=review.revision.pk)
    items = review.items()
    views_hunk = Hunk.objects.get(changed_file=review.views_file)
    second_hunk = Hunk.objects.get(changed_file=review.second_file)
    util_hunk = Hunk.objects.get(changed_file=util_file)

    response = rita.get(revision_url(revision.pk))

    assert response.status_code == 200
    assert response.json() == {
        "id": revision.pk,
        "repository": "acme/shop",
        "pull_request_number": 7,
        "head_sha": revision.head_sha,
        "base_sha": BASE_SHA,
        "status": "ready",
        "status_reason": "",
        "analyzer_version": "test-1",
        "created_at": drf_datetime(revision.created_at),
        "finished_at": drf_datetime(revision.finished_at),
        "additions": 4,
        "deletions": 1,
        "ai_added_lines": 2,
        "ai_share": 0.5,
        "ai_tools": ["Copilot"],
        "ai_signals": [COPILOT_TRAILER],
        "carried_from": "",
        "carried_files": 0,
        "findings_total": 2,
        "checklist_total": 5,
        "checklist_answered": 1,
        "files": [
            {
                "id": review.views_file.pk,
                "path": "app/views.py",
                "previous_path": "",
                "status": "modified",
                "language": "",
                "additions": 2,
                "deletions": 0,
                "is_binary": False,
                "analysis": "analysed",
                "analysis_note": "",
                "hunks": [
                    {
                        "id": views_hunk.pk,
                        "index": 0,
                        "source_start": 10,
                        "source_length": 1,
                        "target_start": 10,
                        "target_length": 3,
                        "section_header": "def export_orders(request):",
                        "content": VIEWS_HUNK,
                        "content_hash": sha(VIEWS_HUNK),
                        "added": 2,
                        "removed": 0,
                        "authorship": "ai",
                        "ai_tool": "Copilot",
                        "ai_evidence": AI_EVIDENCE,
                    }
                ],
            },
            {
                "id": review.second_file.pk,
                "path": "app/csv.py",
                "previous_path": "",
                "status": "modified",
                "language": "",
                "additions": 1,
                "deletions": 0,
                "is_binary": False,
                "analysis": "analysed",
                "analysis_note": "",
                "hunks": [
                    {
                        "id": second_hunk.pk,
                        "index": 0,
                        "source_start": 10,
                        "source_length": 0,
                        "target_start": 10,
                        "target_length": 1,
                        "section_header": "",
                        "content": "+CSV_HEADER = 'id,name'\n",
                        "content_hash": sha("+CSV_HEADER = 'id,name'\n"),
                        "added": 1,
                        "removed": 0,
                        "authorship": "human",
                        "ai_tool": "",
                        "ai_evidence": [],
                    }
                ],
            },
            {
                "id": util_file.pk,
                "path": "app/util.py",
                "previous_path": "",
                "status": "modified",
                "language": "",
                "additions": 1,
                "deletions": 0,
                "is_binary": False,
                "analysis": "analysed",
                "analysis_note": "",
                "hunks": [
                    {
                        "id": util_hunk.pk,
                        "index": 0,
                        "source_start": 10,
                        "source_length": 1,
                        "target_start": 10,
                        "target_length": 1,
                        "section_header": "",
                        "content": "-old = 1\n+new = 1\n",
                        "content_hash": sha("-old = 1\n+new = 1\n"),
                        "added": 1,
                        "removed": 1,
                        "authorship": "unknown",
                        "ai_tool": "",
                        "ai_evidence": [],
                    }
                ],
            },
        ],
        "findings": [
            {
                "id": review.high.pk,
                "rule_id": "py.sql-injection",
                "cwe": 89,
                "severity": "high",
                "confidence": "high",
                "title": "SQL built from user input",
                "message": "The query string is built with an f-string from request data.",
                "guidance": "Use a parameterised query.",
                "secure_prompt": prompt_of(89),
                "path": "app/views.py",
                "line": 11,
                "triage": "false_positive",
                "triage_reason": REASON,
                "triage_expires_at": None,
                "revision_id": revision.pk,
                "scanner_id": "test",
                "scanner_version": "1",
                "end_line": 11,
                "code": "",
                "pre_existing": False,
                "triaged_by": "rita",
                "triaged_at": drf_datetime(review.high.triaged_at),
                "source_path": "",
                "source_line": 0,
                "flow": [],
            },
            {
                "id": review.critical.pk,
                "rule_id": "py.hardcoded-secret",
                "cwe": 798,
                "severity": "critical",
                "confidence": "high",
                "title": "Hard-coded secret",
                "message": "The query string is built with an f-string from request data.",
                "guidance": "Use a parameterised query.",
                "secure_prompt": prompt_of(798),
                "path": "app/views.py",
                "line": 12,
                "triage": "open",
                "triage_reason": "",
                "triage_expires_at": None,
                "revision_id": revision.pk,
                "scanner_id": "test",
                "scanner_version": "1",
                "end_line": 12,
                "code": "",
                "pre_existing": False,
                "triaged_by": None,
                "triaged_at": None,
                "source_path": "",
                "source_line": 0,
                "flow": [],
            },
        ],
        "checklist": [
            {
                "id": item.pk,
                "key": item.key,
                "kind": item.kind,
                "prompt": item.prompt,
                "finding_id": item.finding_id,
                "answered": item.finding_id == review.high.pk,
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
    }
    assert [item.kind for item in items] == ["triage", "triage", "explain", "explain", "signoff"]


def test_revision_detail_query_count_does_not_grow_with_files_hunks_and_findings(
    rita, ai_review, django_assert_num_queries
):
    review, _util_file = ai_review
    for index in range(15):
        changed = make_file(
            review.revision,
            f"extra/mod{index}.py",
            hunks=("+a = 1\n", "+b = 2\n", "+c = 3\n"),
            position=index + 3,
            authorship=Hunk.Authorship.AI,
        )
        make_finding(review.revision, changed, severity="low", line=index + 1)
    revision_review_prepare(revision=review.revision)
    finding_triage_review(
        finding=review.high, user=review.second_reviewer, decision="confirmed", reason=REASON
    )

    # token, revision with counts, files, hunks, findings, checklist, approvals
    with django_assert_num_queries(7):
        response = rita.get(revision_url(review.revision.pk))

    body = response.json()
    items = ChecklistItem.objects.filter(revision=review.revision).count()
    assert (len(body["files"]), len(body["findings"]), len(body["checklist"])) == (18, 17, items)
    assert sum(len(f["hunks"]) for f in body["files"]) == 48
    assert body["findings"][0]["triaged_by"] == "sam"


def test_revision_detail_of_a_revision_without_additions_has_no_ai_share(rita, review):
    empty = make_revision(review.pull_request, head_sha=NEXT_SHA, status=Revision.Status.FAILED)
    empty.status_reason = "The diff could not be parsed."
    empty.save()

    response = rita.get(revision_url(empty.pk))

    body = response.json()
    assert (body["ai_share"], body["additions"], body["ai_added_lines"]) == (None, 0, 0)
    assert (body["status"], body["status_reason"]) == ("failed", "The diff could not be parsed.")
    assert (body["files"], body["findings"], body["checklist"], body["approvals"]) == (
        [],
        [],
        [],
        [],
    )


# --- revision list ---------------------------------------------------------------------------


def test_revisions_are_listed_newest_first_with_share_and_counts(rita, ai_review):
    review, _util_file = ai_review
    first = Revision.objects.get(pk=review.revision.pk)
    make_finding(first, review.views_file, rule_id="py.old-issue", line=2, pre_existing=True)
    Finding.objects.filter(pk=review.critical.pk).update(triage=Finding.Triage.CONFIRMED)
    second = make_revision(review.pull_request, head_sha=NEXT_SHA, status=Revision.Status.QUEUED)

    response = rita.get(REVISIONS)

    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert body["results"] == [
        {
            "id": second.pk,
            "repository": "acme/shop",
            "pull_request_number": 7,
            "head_sha": NEXT_SHA,
            "base_sha": "",
            "status": "queued",
            "status_reason": "",
            "analyzer_version": "test-1",
            "created_at": drf_datetime(second.created_at),
            "finished_at": None,
            "additions": 0,
            "deletions": 0,
            "ai_added_lines": 0,
            "ai_share": None,
            "ai_tools": [],
            "ai_signals": [],
            "carried_from": "",
            "carried_files": 0,
            "findings_total": 0,
            "checklist_total": 0,
            "checklist_answered": 0,
        },
        {
            "id": first.pk,
            "repository": "acme/shop",
            "pull_request_number": 7,
            "head_sha": first.head_sha,
            "base_sha": BASE_SHA,
            "status": "ready",
            "status_reason": "",
            "analyzer_version": "test-1",
            "created_at": drf_datetime(first.created_at),
            "finished_at": drf_datetime(first.finished_at),
            "additions": 4,
            "deletions": 1,
            "ai_added_lines": 2,
            "ai_share": 0.5,
            "ai_tools": ["Copilot"],
            "ai_signals": [COPILOT_TRAILER],
            "carried_from": "",
            "carried_files": 0,
            # the pre-existing finding is not counted, as on the pull request list
            "findings_total": 2,
            "checklist_total": 5,
            "checklist_answered": 1,
        },
    ]


def test_revision_list_is_paginated_with_limit_and_offset(rita, review):
    newer = make_revision(review.pull_request, head_sha=NEXT_SHA)

    first_page = rita.get(REVISIONS, {"limit": 1})
    second_page = rita.get(REVISIONS, {"limit": 1, "offset": 1})

    assert [row["id"] for row in first_page.json()["results"]] == [newer.pk]
    assert first_page.json()["next"] == f"http://testserver{REVISIONS}?limit=1&offset=1"
    assert [row["id"] for row in second_page.json()["results"]] == [review.revision.pk]
    assert second_page.json()["previous"] == f"http://testserver{REVISIONS}?limit=1"
    assert (first_page.json()["count"], second_page.json()["count"]) == (2, 2)


def test_revision_list_query_count_is_pinned_with_twelve_revisions(
    rita, review, django_assert_num_queries
):
    for index in range(11):
        revision = make_revision(review.pull_request, head_sha=f"{index:040x}")
        changed = make_file(revision, f"mod{index}.py")
        make_finding(revision, changed, severity="medium")
        revision_review_prepare(revision=revision)

    # token, pull request, page count, page rows with their counts
    with django_assert_num_queries(4):
        response = rita.get(REVISIONS)

    body = response.json()
    assert body["count"] == 12
    assert [row["findings_total"] for row in body["results"]] == [1] * 11 + [2]
    assert [row["checklist_total"] for row in body["results"]] == [3] * 11 + [5]


# --- hunks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected_paths"),
    [
        ({}, ["app/views.py", "app/csv.py", "app/util.py"]),
        ({"authorship": "ai"}, ["app/views.py"]),
        ({"authorship": "human"}, ["app/csv.py"]),
        ({"authorship": "unknown"}, ["app/util.py"]),
        ({"path": "app/csv.py"}, ["app/csv.py"]),
        ({"path": "app/util.py", "authorship": "unknown"}, ["app/util.py"]),
        ({"path": "app/csv.py", "authorship": "ai"}, []),
        ({"path": "app/*.py"}, []),
    ],
    ids=["all", "ai", "human", "unknown", "path", "path-and-authorship", "no-match", "no-glob"],
)
def test_hunks_are_filtered_by_authorship_and_exact_path(rita, ai_review, params, expected_paths):
    review, _util_file = ai_review

    response = rita.get(hunks_url(review.revision.pk), params)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(expected_paths)
    assert [row["path"] for row in body["results"]] == expected_paths


def test_an_ai_hunk_row_names_its_file_and_evidence(rita, ai_review):
    review, _util_file = ai_review
    hunk = Hunk.objects.get(changed_file=review.views_file)

    response = rita.get(hunks_url(review.revision.pk), {"authorship": "ai"})

    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [hunk_json(hunk, path="app/views.py")],
    }
    assert response.json()["results"][0]["ai_evidence"] == AI_EVIDENCE


def test_an_unknown_authorship_filter_is_a_validation_error(rita, ai_review):
    review, _util_file = ai_review

    response = rita.get(hunks_url(review.revision.pk), {"authorship": "robot"})

    assert response.status_code == 400
    assert response.json() == {"authorship": ['"robot" is not a valid choice.']}


def test_hunk_list_is_paginated_with_a_pinned_query_count(
    rita, ai_review, django_assert_num_queries
):
    review, _util_file = ai_review
    make_file(review.revision, "many.py", hunks=[f"+x{i} = {i}\n" for i in range(20)], position=3)

    # token, revision visible, page count, page rows with their files
    with django_assert_num_queries(4):
        response = rita.get(hunks_url(review.revision.pk), {"limit": 10, "offset": 5})

    body = response.json()
    assert body["count"] == 23
    assert [(row["path"], row["index"]) for row in body["results"]] == [
        ("many.py", index) for index in range(2, 12)
    ]


# --- finding ---------------------------------------------------------------------------------


def test_finding_detail_shows_the_finding_with_its_triage(rita, review):
    expires = timezone.localdate() + datetime.timedelta(days=30)
    finding_triage_review(
        finding=review.critical,
        user=review.second_reviewer,
        decision="accepted_risk",
        reason=REASON,
        expires_at=expires,
    )
    review.critical.refresh_from_db()

    response = rita.get(finding_url(review.critical.pk))

    assert response.status_code == 200
    assert response.json() == {
        "id": review.critical.pk,
        "rule_id": "py.hardcoded-secret",
        "cwe": 798,
        "severity": "critical",
        "confidence": "high",
        "title": "Hard-coded secret",
        "message": "The query string is built with an f-string from request data.",
        "guidance": "Use a parameterised query.",
        "secure_prompt": prompt_of(798),
        "path": "app/views.py",
        "line": 12,
        "triage": "accepted_risk",
        "triage_reason": REASON,
        "triage_expires_at": expires.isoformat(),
        "revision_id": review.revision.pk,
        "scanner_id": "test",
        "scanner_version": "1",
        "end_line": 12,
        "code": "",
        "pre_existing": False,
        "triaged_by": "sam",
        "triaged_at": drf_datetime(review.critical.triaged_at),
        "source_path": "",
        "source_line": 0,
        "flow": [],
    }


def test_finding_detail_matches_the_revision_detail_and_is_one_query(
    rita, review, django_assert_num_queries
):
    from_revision = rita.get(revision_url(review.revision.pk)).json()["findings"]

    # token, finding with its triager
    with django_assert_num_queries(2):
        response = rita.get(finding_url(review.high.pk))

    assert response.json() == next(f for f in from_revision if f["id"] == review.high.pk)


# --- tenancy ---------------------------------------------------------------------------------


def test_another_tenants_revision_hunks_and_finding_are_404_like_missing_ones(
    rita, review, other_tenant
):
    revision, finding = other_tenant

    pairs = [
        (rita.get(revision_url(revision.pk)), rita.get(revision_url(MISSING_ID))),
        (rita.get(hunks_url(revision.pk)), rita.get(hunks_url(MISSING_ID))),
        (
            rita.get(hunks_url(revision.pk), {"authorship": "unknown"}),
            rita.get(hunks_url(MISSING_ID), {"authorship": "unknown"}),
        ),
        (rita.get(finding_url(finding.pk)), rita.get(finding_url(MISSING_ID))),
        (
            rita.get("/api/pull-requests/globex/secret/7/revisions/"),
            rita.get("/api/pull-requests/globex/secret/999/revisions/"),
        ),
    ]

    assert [(other.status_code, missing.status_code) for other, missing in pairs] == [
        (404, 404)
    ] * 5
    assert [other.content for other, _missing in pairs] == [
        missing.content for _other, missing in pairs
    ]
    assert [other.content for other, _missing in pairs] == [
        b'{"detail":"No such revision."}',
        b'{"detail":"No such revision."}',
        b'{"detail":"No such revision."}',
        b'{"detail":"No such finding."}',
        b'{"detail":"No such pull request."}',
    ]
    all_content = b"".join(other.content for other, _missing in pairs).decode()
    assert "billing.py" not in all_content
    assert "Globex" not in all_content


def test_the_other_tenants_member_sees_only_their_own_revision(review, other_tenant):
    revision, finding = other_tenant
    bob = token_client(revision.pull_request.repository.installations.get().members.get())

    own = bob.get(revision_url(revision.pk))
    foreign = bob.get(revision_url(review.revision.pk))
    foreign_finding = bob.get(finding_url(review.high.pk))

    assert own.status_code == 200
    assert [f["path"] for f in own.json()["files"]] == ["billing.py"]
    assert [f["id"] for f in own.json()["findings"]] == [finding.pk]
    assert (foreign.status_code, foreign_finding.status_code) == (404, 404)


def test_a_removed_member_loses_access_to_revisions_and_findings(rita, review):
    review.repository.installations.get().members.remove(review.reviewer)

    responses = [
        rita.get(REVISIONS),
        rita.get(revision_url(review.revision.pk)),
        rita.get(hunks_url(review.revision.pk)),
        rita.get(finding_url(review.high.pk)),
    ]

    assert [r.status_code for r in responses] == [404] * 4


def test_reads_change_nothing(rita, ai_review):
    review, _util_file = ai_review
    before = list(ChecklistItem.objects.order_by("id").values_list("id", "answered_at", "answer"))

    rita.get(REVISIONS)
    rita.get(revision_url(review.revision.pk))
    rita.get(hunks_url(review.revision.pk))
    rita.get(finding_url(review.high.pk))

    after = list(ChecklistItem.objects.order_by("id").values_list("id", "answered_at", "answer"))
    assert after == before
    assert Finding.objects.exclude(triage=Finding.Triage.OPEN).count() == 0


# --- schema ----------------------------------------------------------------------------------


def test_schema_documents_the_read_endpoints(rita, review):
    response = rita.get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert {
        path: sorted(paths[path]["get"]["responses"])
        for path in (
            "/api/pull-requests/{owner}/{name}/{number}/revisions/",
            "/api/revisions/{revision_id}/",
            "/api/revisions/{revision_id}/hunks/",
            "/api/findings/{finding_id}/",
        )
    } == {
        "/api/pull-requests/{owner}/{name}/{number}/revisions/": ["200", "404"],
        "/api/revisions/{revision_id}/": ["200", "404"],
        "/api/revisions/{revision_id}/hunks/": ["200", "400", "404"],
        "/api/findings/{finding_id}/": ["200", "404"],
    }
    hunk_params = paths["/api/revisions/{revision_id}/hunks/"]["get"]["parameters"]
    assert sorted(p["name"] for p in hunk_params if p["in"] == "query") == [
        "authorship",
        "limit",
        "offset",
        "path",
    ]
