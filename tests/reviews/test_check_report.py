"""check_report_for_revision: what the GitHub check run says for every state of a revision."""

from __future__ import annotations

import re

from django.utils import timezone

from findings.engine.secure_prompts import secure_prompt
from findings.models import ChangedFile, Finding, Revision
from reviewbench.approvals.models import Approval
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from reviewbench.reviews.report import Annotation, check_report_for_revision
from tests.factories import make_file, make_finding, make_pull_request, make_revision

LINK_8 = "[Open this review in ReviewBench](https://reviewbench.test/acme/shop/pull/8/)"
LINK = "[Open this review in ReviewBench](https://reviewbench.test/acme/shop/pull/7/)"


def answer_everything(review, triage=Finding.Triage.FALSE_POSITIVE) -> None:
    Finding.objects.filter(revision=review.revision).update(triage=triage, triage_reason="ok")
    ChecklistItem.objects.filter(revision=review.revision, kind__in=["explain", "signoff"]).update(
        answer="explained", answered_by=review.reviewer, answered_at=timezone.now()
    )


def test_queued_and_analyzing_revisions_are_in_progress(review):
    for status in (Revision.Status.QUEUED, Revision.Status.ANALYZING):
        Revision.objects.filter(pk=review.revision.pk).update(status=status)
        review.revision.refresh_from_db()

        report = check_report_for_revision(revision=review.revision)

        assert report.status == "in_progress"
        assert report.conclusion is None
        assert report.title == "Analysis in progress"
        assert report.annotations == ()
        assert report.publishable is True
        assert report.details_path == "/acme/shop/pull/7/"
        assert report.summary.endswith(LINK)


def test_failed_revision_fails_with_its_reason_escaped(review):
    Revision.objects.filter(pk=review.revision.pk).update(
        status=Revision.Status.FAILED, status_reason="Malformed diff in a_b.py (hunk #2)"
    )
    review.revision.refresh_from_db()

    report = check_report_for_revision(revision=review.revision)

    assert report.status == "completed"
    assert report.conclusion == "failure"
    assert report.title == "Analysis failed"
    assert "**Analysis failed:** Malformed diff in a\\_b\\.py \\(hunk \\#2\\)" in report.summary
    assert report.publishable is True


def test_superseded_revision_is_never_published(review):
    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.SUPERSEDED)
    review.revision.refresh_from_db()

    report = check_report_for_revision(revision=review.revision)

    assert report.publishable is False
    assert report.conclusion is None


def test_ready_with_open_findings_requires_action(review):
    report = check_report_for_revision(revision=review.revision)

    assert report.status == "completed"
    assert report.conclusion == "action_required"
    assert report.title == "2 findings to triage · checklist 0/5 · awaiting 1 approval"
    assert "| High | py\\.sql\\-injection: SQL built from user input | CWE-89 |" in report.summary
    assert "app/views\\.py\\:11 | Open |" in report.summary
    assert "0 of 5 items answered." in report.summary
    assert "No approvals yet." in report.summary
    assert report.summary.endswith(LINK)
    # the most severe finding is listed first
    assert report.summary.index("Critical") < report.summary.index("| High |")


def test_ready_with_checklist_done_but_no_approval_still_requires_action(review):
    answer_everything(review)

    report = check_report_for_revision(revision=review.revision)

    assert report.conclusion == "action_required"
    assert report.title == "checklist 5/5 · awaiting 1 approval"


def test_a_confirmed_finding_fails_the_check(review):
    answer_everything(review)
    Finding.objects.filter(pk=review.high.pk).update(triage=Finding.Triage.CONFIRMED)
    Approval.objects.create(revision=review.revision, user=review.reviewer)

    report = check_report_for_revision(revision=review.revision)

    assert report.conclusion == "failure"
    assert report.title == "1 confirmed finding to fix · checklist 5/5"


def test_approved_with_complete_checklist_succeeds(review):
    answer_everything(review)
    Approval.objects.create(revision=review.revision, user=review.reviewer)

    report = check_report_for_revision(revision=review.revision)

    assert report.conclusion == "success"
    assert report.title == "Approved by rita · checklist 5/5"
    assert "Approved by rita." in report.summary


def test_one_annotation_per_new_finding_with_level_by_severity(review):
    for severity, line in (("medium", 20), ("low", 21), ("info", 22)):
        make_finding(
            review.revision,
            review.second_file,
            rule_id=f"r.{severity}",
            severity=severity,
            line=line,
            cwe=None,
            title=f"{severity} thing",
        )
    make_finding(review.revision, review.second_file, rule_id="r.old", pre_existing=True)

    report = check_report_for_revision(revision=review.revision)

    assert [(a.path, a.start_line, a.annotation_level, a.title) for a in report.annotations] == [
        ("app/views.py", 12, "failure", "CWE-798 Hard-coded secret [py.hardcoded-secret]"),
        ("app/views.py", 11, "failure", "CWE-89 SQL built from user input [py.sql-injection]"),
        ("app/csv.py", 20, "warning", "medium thing [r.medium]"),
        ("app/csv.py", 21, "notice", "low thing [r.low]"),
        ("app/csv.py", 22, "notice", "info thing [r.info]"),
    ]
    assert report.annotations[1] == Annotation(
        path="app/views.py",
        start_line=11,
        end_line=11,
        annotation_level="failure",
        title="CWE-89 SQL built from user input [py.sql-injection]",
        message="The query string is built with an f-string from request data.\n"
        "Found by rule py.sql-injection at app/views.py:11.\n\n"
        "Use a parameterised query.\n\n"
        f"Tell the assistant: {secure_prompt(cwe=89, path='app/views.py').text}",
    )
    assert "cursor.execute(" in report.annotations[1].message


def test_a_data_flow_annotation_says_where_the_data_came_from_and_where_it_goes(review):
    finding = make_finding(review.revision, review.views_file, line=13, cwe=78, rule_id="t.cmd")
    finding.source_line = 10
    finding.flow = [
        {"path": "app/views.py", "line": 10, "note": "source: request.GET"},
        {"path": "app/views.py", "line": 13, "note": "sink: os.system"},
    ]
    finding.save()

    report = check_report_for_revision(revision=review.revision)

    (annotation,) = [a for a in report.annotations if a.start_line == 13]
    assert annotation.title == "CWE-78 SQL built from user input [t.cmd]"
    assert annotation.message.splitlines()[1] == (
        "Data comes from request.GET at app/views.py:10 and reaches os.system at app/views.py:13."
    )


def test_hostile_title_and_path_are_escaped_in_the_markdown(review):
    hostile_path = "x|y](https://evil.test)<img src=x onerror=alert(1)>\u202e.py"
    pull_request = make_pull_request(review.repository, number=8, title="| **pwn** |\n# heading")
    revision = make_revision(pull_request)
    changed = make_file(
        revision,
        hostile_path,
        analysis=ChangedFile.Analysis.NOT_ANALYSED,
        analysis_note="Too large | skipped @security-team",
    )
    make_finding(revision, changed, title="Evil `code` | [link](https://evil.test)", line=10)
    revision_review_prepare(revision=revision)

    report = check_report_for_revision(revision=revision)

    escaped_path = (
        "x\\|y\\]\\(https\\://evil\\.test\\)\\<img src\\=x onerror\\=alert\\(1\\)\\>"
        "\\[U\\+202E\\]\\.py"
    )
    assert f"{escaped_path}\\:10 | Open |" in report.summary
    assert "Evil \\`code\\` \\| \\[link\\]\\(https\\://evil\\.test\\)" in report.summary
    assert f"- {escaped_path}: Too large \\| skipped \\@security\\-team" in report.summary
    assert "](https://evil.test)" not in report.summary
    body = report.summary.split("### Findings", 1)[1].replace(LINK_8, "")
    # no markup character from attacker text is left unescaped
    assert re.search(r"(?<!\\)[<>\[\]`]", body) is None
    assert "\u202e" not in report.summary
    # every findings-table row still has exactly its six unescaped pipes
    row = next(line for line in report.summary.splitlines() if "Evil" in line)
    assert row.replace("\\|", "").count("|") == 6
    assert "\n" not in report.title
