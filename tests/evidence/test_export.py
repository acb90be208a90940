"""Evidence of a review: the document, the command and its verifier, the pages and the API."""

from __future__ import annotations

import datetime
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from findings.models import Finding
from reviewbench.approvals.services import revision_approve, revision_policy_evaluate
from reviewbench.checklist.models import ChecklistItem
from reviewbench.evidence.chain import verify
from reviewbench.evidence.selectors import evidence_document, evidence_key
from reviewbench.reviews.services import review_finding_triage, review_item_answer
from tests.factories import api_client_for, make_pull_request, make_repository, make_revision

ANSWERS = {
    "app/views.py": "Builds the export query and streams the rows to a CSV response.",
    "app/csv.py": "Documents the new CSV export header for the operators of the shop.",
}


@pytest.fixture
def reviewed(review):
    """The standard review taken through the real services: triaged, answered, approved."""
    review_finding_triage(
        finding=review.high,
        user=review.reviewer,
        decision="accepted_risk",
        reason="Real: id is raw. Fixed in the next sprint.",
        expires_at=datetime.date.today() + datetime.timedelta(days=30),
    )
    review_finding_triage(
        finding=review.critical,
        user=review.reviewer,
        decision="false_positive",
        reason="The value is a test fixture key, never deployed.",
    )
    for item in review.items():
        if item.kind == ChecklistItem.Kind.EXPLAIN:
            review_item_answer(item=item, user=review.reviewer, answer=ANSWERS[item.path])
        elif item.kind == ChecklistItem.Kind.SIGNOFF:
            review_item_answer(
                item=item, user=review.reviewer, answer="I reviewed every AI-written line."
            )
        elif item.kind == ChecklistItem.Kind.ASSUMPTION:
            review_item_answer(
                item=item,
                user=review.reviewer,
                answer="The id is an int from the URL converter.",
                outcome="holds",
            )
    revision_policy_evaluate(revision=review.revision)
    revision_approve(revision=review.revision, user=review.reviewer)
    return review


def _document(review):
    scope = {"kind": "pull_request", "repository": "acme/shop", "number": 7}
    return evidence_document([review.pull_request], scope=scope, user=review.reviewer)


def test_the_document_holds_what_was_reviewed_by_whom_under_which_policy(reviewed):
    doc = _document(reviewed)

    (pr,) = doc["pull_requests"]
    assert (pr["repository"], pr["number"], pr["author"]) == ("acme/shop", 7, "mallory-dev")
    assert pr["revision"]["head_sha"] == reviewed.revision.head_sha
    assert {h["path"] for h in pr["provenance"]["hunks"]} == {"app/views.py", "app/csv.py"}
    triage = {
        f["rule_id"]: (f["triage"], f["triage_reason"], f["triaged_by"]) for f in pr["findings"]
    }
    assert triage["py.sql-injection"] == (
        "accepted_risk",
        "Real: id is raw. Fixed in the next sprint.",
        "rita",
    )
    assert triage["py.hardcoded-secret"][0:1] == ("false_positive",)
    answered = [i for i in pr["checklist"] if i["kind"] == "explain"]
    assert {i["answer"] for i in answered} == set(ANSWERS.values())
    assert all(i["answered_by"] == "rita" for i in answered)
    (approval,) = pr["approvals"]
    assert (approval["user"], approval["stale"]) == ("rita", False)
    assert approval["tier"] == pr["policy"]["tier"]
    assert pr["policy"]["source"] == "defaults only"
    actions = [e["action"] for e in pr["audit"]]
    assert actions.count("finding.triaged") == 2 and "revision.approved" in actions
    assert doc["chain"]["entries"] == len(pr["audit"]) >= 4
    assert verify(doc, key=evidence_key()).intact


def test_the_policy_version_is_the_hash_of_the_base_branch_file(reviewed):
    reviewed.revision.policy_text = "version: 1\n"
    reviewed.revision.save(update_fields=["policy_text"])

    policy = _document(reviewed)["pull_requests"][0]["policy"]

    assert policy["source"] == "base branch .reviewbench.yml"
    assert policy["policy_file_sha256"] == hashlib.sha256(b"version: 1\n").hexdigest()
    assert policy["defaults_sha256"] == ""


# --- export_evidence and verify_evidence ----------------------------------------------------------


def _export(tmp_path, *args) -> tuple[dict, str]:
    path = tmp_path / "evidence.json"
    err = io.StringIO()
    call_command("export_evidence", *args, "--output", str(path), stderr=err)
    return json.loads(path.read_text()), str(path)


def _verify(path: str, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_evidence", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_an_exported_file_verifies(reviewed, tmp_path):
    doc, path = _export(tmp_path, "--repo", "acme/shop", "--pr", "7")

    out, _ = _verify(path)

    assert doc["scope"] == {"kind": "pull_request", "repository": "acme/shop", "number": 7}
    assert "intact" in out and "signature valid" in out


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (
            lambda d: d["pull_requests"][0]["audit"][1]["details"].update(decision="x"),
            "audit[1]: the entry was edited",
        ),
        (lambda d: d["pull_requests"][0]["audit"].pop(0), "audit[0]: the chain is broken"),
        (lambda d: d["pull_requests"][0]["audit"].reverse(), "the chain is broken"),
        (
            lambda d: d["pull_requests"][0]["findings"][0].update(triage="false_positive"),
            "digest: the document was edited",
        ),
        (lambda d: d["pull_requests"][0]["approvals"][0].update(user="mallory"), "digest"),
        (lambda d: d["pull_requests"][0]["checklist"][-1].update(answer="lgtm"), "digest"),
    ],
)
def test_any_edit_to_the_file_is_detected(reviewed, tmp_path, edit, problem):
    doc, path = _export(tmp_path, "--repo", "acme/shop", "--pr", "7")
    edit(doc)
    (tmp_path / "evidence.json").write_text(json.dumps(doc))

    with pytest.raises(CommandError, match="does not verify") as failed:
        _verify(path)

    assert failed.value.returncode == 1
    assert problem in "\n".join(verify(doc).problems)


def test_a_forger_who_recomputes_every_hash_is_caught_by_the_signature(reviewed, tmp_path):
    from reviewbench.evidence.chain import seal

    doc, path = _export(tmp_path, "--repo", "acme/shop", "--pr", "7")
    doc["pull_requests"][0]["approvals"][0]["user"] = "mallory"
    forged = seal(doc, key=b"the forger's own key")
    (tmp_path / "evidence.json").write_text(json.dumps(forged))

    assert verify(forged).problems == []  # the chain and digest alone cannot tell
    with pytest.raises(CommandError):
        _verify(path)
    out, _ = _verify(path, "--no-signature")
    assert "signature not checked" in out


def test_verify_refuses_what_is_not_an_evidence_file(tmp_path):
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    other = tmp_path / "other.json"
    other.write_text('{"format": "something-else"}')

    with pytest.raises(CommandError, match="is not JSON"):
        _verify(str(junk))
    with pytest.raises(CommandError, match="does not verify"):
        _verify(str(other))
    with pytest.raises(CommandError, match="cannot read"):
        _verify(str(tmp_path / "missing.json"))


def test_a_period_export_holds_the_prs_analysed_in_it(reviewed, tmp_path):
    today = reviewed.revision.created_at.date().isoformat()

    doc, _ = _export(tmp_path, "--since", today, "--until", today)
    empty, _ = _export(tmp_path, "--since", "2001-01-01", "--until", "2001-01-31")

    assert [(p["repository"], p["number"]) for p in doc["pull_requests"]] == [("acme/shop", 7)]
    assert empty["pull_requests"] == [] and empty["chain"]["entries"] == 0
    with pytest.raises(CommandError, match="ends before it starts"):
        _export(tmp_path, "--since", "2026-02-01", "--until", "2026-01-01")
    with pytest.raises(CommandError, match="no pull request acme/shop#99"):
        _export(tmp_path, "--repo", "acme/shop", "--pr", "99")


def test_the_html_export_prints_the_same_evidence(reviewed, tmp_path):
    path = tmp_path / "evidence.html"
    call_command(
        "export_evidence",
        "--repo",
        "acme/shop",
        "--pr",
        "7",
        "--format",
        "html",
        "--output",
        str(path),
        stderr=io.StringIO(),
    )

    html = path.read_text()

    assert "Review evidence: acme/shop#7" in html
    assert "@media print" in html
    assert ANSWERS["app/views.py"] in html and "Real: id is raw. Fixed in the next sprint." in html
    assert "revision.approved" in html


# --- pages and API ------------------------------------------------------------------------------


def test_a_member_gets_the_page_and_the_json_and_an_outsider_a_404(reviewed, make_user):
    outsider = make_user("oscar")
    make_repository("globex/site", members=[outsider])
    page = Client()
    page.force_login(reviewed.reviewer)
    other = Client()
    other.force_login(outsider)

    html = page.get("/acme/shop/pull/7/evidence")
    download = page.get("/acme/shop/pull/7/evidence", {"format": "json"})
    api = api_client_for(reviewed.reviewer).get("/api/pull-requests/acme/shop/7/evidence/")

    assert html.status_code == 200 and "Add order export" in html.content.decode()
    assert download["Content-Disposition"] == 'attachment; filename="evidence-acme-shop-7.json"'
    assert verify(json.loads(download.content), key=evidence_key()).intact
    assert api.status_code == 200 and verify(api.json(), key=evidence_key()).intact
    assert other.get("/acme/shop/pull/7/evidence").status_code == 404
    assert (
        api_client_for(outsider).get("/api/pull-requests/acme/shop/7/evidence/").status_code == 404
    )


def test_a_period_export_shows_only_what_the_caller_may_see(reviewed, make_user):
    outsider = make_user("oscar")
    own = make_repository("globex/site", members=[outsider])
    make_revision(make_pull_request(own, number=1, title="Globex change"))
    today = reviewed.revision.created_at.date().isoformat()
    query = {"since": today, "until": today}

    mine = api_client_for(outsider).get("/api/evidence/", query).json()
    bad = api_client_for(outsider).get("/api/evidence/", {"since": "yesterday", "until": today})
    page = Client()
    page.force_login(outsider)

    assert [(p["repository"], p["number"]) for p in mine["pull_requests"]] == [("globex/site", 1)]
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["detail"]
    body = page.get("/evidence/", query).content.decode()
    assert "Globex change" in body and "Add order export" not in body
    assert page.get("/evidence/", {"since": "x", "until": "y"}).status_code == 400


def test_the_pull_request_page_links_to_its_evidence(reviewed):
    page = Client()
    page.force_login(reviewed.reviewer)

    assert 'href="/acme/shop/pull/7/evidence"' in page.get("/acme/shop/pull/7/").content.decode()


def test_exporting_writes_nothing(reviewed):
    before = (Finding.objects.count(), ChecklistItem.objects.count())
    from reviewbench.audit.models import AuditEvent

    events = AuditEvent.objects.count()
    _document(reviewed)

    assert (Finding.objects.count(), ChecklistItem.objects.count()) == before
    assert AuditEvent.objects.count() == events
