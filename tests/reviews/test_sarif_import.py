"""Importing another scanner's SARIF onto a pull request: the service, the command and the API.

The standard review has own findings at app/views.py:11 (CWE-89) and :12 (CWE-798) on lines the
PR added; line 10 is context. The CodeQL log has a CWE-89 result on :12 (new), a CWE-209 result
on :10 (outside the diff) and one in a file the PR does not touch; the Semgrep log repeats the
own CWE-89 finding on :11 (a duplicate) and has one suppressed result."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from findings.models import Finding, Revision
from reviewbench.approvals.models import RevisionPolicy
from reviewbench.approvals.services import revision_policy_evaluate
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.reviews.report import check_report_for_revision
from reviewbench.reviews.services import SarifImportRejected, review_sarif_import
from tests.factories import api_client_for, make_revision

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sarif"
CODEQL = (FIXTURES / "codeql-python.sarif").read_bytes()
SEMGREP = (FIXTURES / "semgrep.sarif").read_bytes()
URL = "/api/pull-requests/acme/shop/7/sarif/"


def _imported(review):
    return Finding.objects.filter(revision=review.revision, scanner_id__startswith="sarif:")


def _state(review) -> tuple:
    return (
        Finding.objects.count(),
        ChecklistItem.objects.count(),
        AuditEvent.objects.count(),
        list(ChecklistItem.objects.values_list("key", "position")),
    )


def test_results_on_added_lines_are_new_findings_to_triage_and_the_rest_is_kept(review):
    summary = review_sarif_import(
        pull_request=review.pull_request, raw=CODEQL, user=review.reviewer
    )

    assert summary.as_dict() == {"tools": ["CodeQL"], "new": 1, "outside_diff": 2, "duplicates": 0}
    rows = {(f.path, f.line): f for f in _imported(review)}
    new = rows[("app/views.py", 12)]
    assert (new.cwe, new.severity, new.pre_existing, new.changed_file) == (
        89,
        "high",
        False,
        review.views_file,
    )
    assert new.scanner_id == "sarif:CodeQL" and new.title.startswith("CodeQL: ")
    assert rows[("app/views.py", 10)].pre_existing  # a context line: not written by this PR
    elsewhere = rows[("lib/reports.py", 40)]
    assert elsewhere.pre_existing and elsewhere.changed_file is None
    item = ChecklistItem.objects.get(revision=review.revision, finding=new)
    assert item.kind == ChecklistItem.Kind.TRIAGE
    event = AuditEvent.objects.get(action="findings.sarif_imported")
    assert (event.actor, event.details["new"]) == (review.reviewer, 1)


def test_new_triage_items_follow_the_existing_ones_and_the_later_sections_move_down(review):
    before = [(i.kind, i.key) for i in review.items()]

    review_sarif_import(pull_request=review.pull_request, raw=CODEQL, user=None)

    after = [(i.kind, i.key) for i in review.items()]
    triage_count = sum(1 for kind, _ in before if kind == "triage")
    assert after[:triage_count] == before[:triage_count]
    assert after[triage_count][0] == "triage"
    assert after[triage_count + 1 :] == before[triage_count:]
    positions = [i.position for i in review.items()]
    assert positions == sorted(set(positions))


def test_the_same_cwe_on_the_same_line_is_a_duplicate_and_a_second_import_adds_nothing(review):
    first = review_sarif_import(pull_request=review.pull_request, raw=SEMGREP, user=None)
    again = review_sarif_import(pull_request=review.pull_request, raw=CODEQL, user=None)
    state = _state(review)
    repeat = review_sarif_import(pull_request=review.pull_request, raw=CODEQL, user=None)

    assert (first.as_dict()["new"], first.duplicates) == (0, 1)  # own py.sql-injection at :11
    assert again.as_dict()["new"] == 1
    assert (repeat.recorded, repeat.duplicates) == (0, 3)
    assert _state(review)[:2] == state[:2]


def test_imported_findings_count_in_the_tier_and_the_check_run(review):
    review.revision.policy_text = (
        "version: 1\ntiers:\n  - name: injection-risk\n    level: 30\n    approvals: {count: 2}\n"
        "    sla_hours: 8\n    when:\n      findings:\n        cwe: [89]\n"
    )
    review.revision.save(update_fields=["policy_text"])
    Finding.objects.filter(pk=review.high.pk).update(triage=Finding.Triage.FALSE_POSITIVE)
    revision_policy_evaluate(revision=review.revision)
    assert RevisionPolicy.objects.get(revision=review.revision).tier != "injection-risk"

    review_sarif_import(pull_request=review.pull_request, raw=CODEQL, user=None)

    policy = RevisionPolicy.objects.get(revision=review.revision)
    assert (policy.tier, policy.required_approvals) == ("injection-risk", 2)
    annotations = check_report_for_revision(revision=review.revision).annotations
    assert any("CodeQL" in a.title and a.start_line == 12 for a in annotations)


def test_a_malformed_result_anywhere_imports_nothing_and_names_its_json_path(review):
    log = json.loads(CODEQL)
    log["runs"][0]["results"][2]["locations"][0]["physicalLocation"]["region"]["startLine"] = "40"
    before = _state(review)

    with pytest.raises(SarifImportRejected) as caught:
        review_sarif_import(pull_request=review.pull_request, raw=json.dumps(log), user=None)

    assert (
        caught.value.path == "$.runs[0].results[2].locations[0].physicalLocation.region.startLine"
    )
    assert _state(review) == before


def test_a_log_for_another_commit_or_an_unanalysed_head_is_refused(review):
    log = json.loads(CODEQL)
    log["runs"][0]["versionControlProvenance"][0]["revisionId"] = "c" * 40
    before = _state(review)

    with pytest.raises(SarifImportRejected, match="has not analysed"):
        review_sarif_import(pull_request=review.pull_request, raw=json.dumps(log), user=None)
    make_revision(review.pull_request, head_sha="d" * 40, status=Revision.Status.ANALYZING)
    with pytest.raises(SarifImportRejected, match="no analysed head"):
        review_sarif_import(pull_request=review.pull_request, raw=SEMGREP, user=None)
    assert _state(review) == before


def test_a_log_naming_an_older_analysed_head_lands_on_that_revision(review):
    newer = make_revision(review.pull_request, head_sha="e" * 40)

    review_sarif_import(pull_request=review.pull_request, raw=CODEQL, user=None)

    assert _imported(review).count() == 3
    assert not Finding.objects.filter(revision=newer).exists()


# --- the command -----------------------------------------------------------------------------


def test_the_command_imports_a_file_and_says_what_happened(review, tmp_path):
    path = tmp_path / "codeql.sarif"
    path.write_bytes(CODEQL)
    out = io.StringIO()

    call_command(
        "import_sarif", str(path), "--repo", "acme/shop", "--pr", "7", "--user", "rita", stdout=out
    )

    assert out.getvalue().strip() == (
        "CodeQL: 1 new finding(s) to triage, 2 outside the diff, 0 duplicate(s) of findings "
        "already on acme/shop#7"
    )
    assert AuditEvent.objects.get(action="findings.sarif_imported").actor == review.reviewer


def test_the_command_refuses_bad_input_clearly(review, tmp_path):
    broken = tmp_path / "broken.sarif"
    broken.write_text('{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}')

    with pytest.raises(CommandError, match=r"nothing imported: \$\.runs\[0\]\.tool\.driver\.name"):
        call_command("import_sarif", str(broken), "--repo", "acme/shop", "--pr", "7")
    with pytest.raises(CommandError, match="no pull request acme/shop#8"):
        call_command("import_sarif", str(broken), "--repo", "acme/shop", "--pr", "8")
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_sarif", str(tmp_path / "missing"), "--repo", "acme/shop", "--pr", "7")
    assert not _imported(review).exists()


# --- the API ---------------------------------------------------------------------------------


def test_the_api_imports_for_a_member(review):
    api = api_client_for(review.reviewer)

    response = api.post(URL, CODEQL, content_type="application/sarif+json")

    assert response.status_code == 201
    assert response.json() == {"tools": ["CodeQL"], "new": 1, "outside_diff": 2, "duplicates": 0}


def test_the_api_answers_a_malformed_log_with_its_json_path(review):
    api = api_client_for(review.reviewer)

    broken = api.post(URL, b'{"version": "2.1.0", "runs": 3}', content_type="application/json")
    not_json = api.post(URL, b"<xml/>", content_type="application/json")

    assert broken.status_code == 400
    assert broken.json() == {
        "detail": "Nothing was imported: expected an array, found a number",
        "path": "$.runs",
    }
    assert not_json.status_code == 400 and not_json.json()["path"] == "$"
    assert not _imported(review).exists()


def test_the_api_is_404_for_another_tenant_and_refuses_anonymous_callers(review, make_user):
    outsider = make_user("oscar")

    assert (
        api_client_for(outsider).post(URL, CODEQL, content_type="application/json").status_code
        == 404
    )
    assert Client().post(URL, CODEQL, content_type="application/json").status_code in (401, 403)
    assert not _imported(review).exists()


def test_the_pull_request_page_shows_the_tool_name(review):
    review_sarif_import(pull_request=review.pull_request, raw=CODEQL, user=None)
    page = Client()
    page.force_login(review.reviewer)

    body = page.get("/acme/shop/pull/7/").content.decode()

    assert "CodeQL: SQL query built from user-controlled sources" in body
