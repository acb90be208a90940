"""The policy wired into the pipeline: stored evaluation, check report, approve gate, PR page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from findings.engine.snapshot import FileChange, PullRequestSnapshot
from findings.models import Finding, Hunk, Revision
from reviewbench.approvals.models import Approval, RevisionPolicy
from reviewbench.approvals.services import (
    ApprovalDenied,
    revision_approve,
    revision_policy_evaluate,
)
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from reviewbench.reviews.report import check_report_for_revision
from reviewbench.reviews.services import pull_request_process
from reviewbench.reviews.services import review_finding_triage as finding_triage_review
from tests.factories import (
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
)

BENIGN = 'def greet(name):\n    return "hello " + name\n'
INVALID_POLICY = "version: 1\ntiers:\n  - name: standard\n    approvals:\n      count: -1\n"
INVALID_ERROR = "tiers[0].approvals.count: must be at least 0, got -1"
PROHIBIT_APP = 'version: 1\nusage_boundaries:\n  - paths: ["app/**"]\n    ai: prohibited\n'
INVALID_REASON = (
    "The review policy (.reviewbench.yml on the base branch) is invalid: "
    f"line 5: {INVALID_ERROR}. Fix it on the base branch first."
)
VIOLATION_REASON = (
    "1 AI-written hunk is on a path where the review policy prohibits AI-written code; "
    "remove or rewrite it in a new push."
)


def patch_of(text: str) -> str:
    lines = text.splitlines()
    return f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)


def snapshot(path: str, *, policy_text: str | None = None) -> PullRequestSnapshot:
    return PullRequestSnapshot(
        repository_full_name="acme/shop",
        number=3,
        title="Greet people",
        body="",
        author_login="mallory-dev",
        base_ref="main",
        base_sha="0" * 40,
        head_ref="feature/greet",
        head_sha="1" * 40,
        files=(
            FileChange(
                path=path,
                status="added",
                patch=patch_of(BENIGN),
                blob_sha="2" * 40,
                additions=2,
                content=BENIGN,
            ),
        ),
        policy_text=policy_text,
    )


def stored(revision: Revision) -> dict:
    policy = RevisionPolicy.objects.get(revision=revision)
    return {
        "tier": policy.tier,
        "level": policy.level,
        "required_approvals": policy.required_approvals,
        "required_groups": policy.required_groups,
        "sla_hours": policy.sla_hours,
        "reasons": policy.reasons,
        "boundary_violations": policy.boundary_violations,
        "exceptions_needed": policy.exceptions_needed,
        "error": policy.error,
        "error_line": policy.error_line,
    }


def answer_everything(review) -> None:
    Finding.objects.filter(revision=review.revision).update(
        triage=Finding.Triage.FALSE_POSITIVE, triage_reason="test data, not user input"
    )
    ChecklistItem.objects.filter(revision=review.revision, kind__in=["explain", "signoff"]).update(
        answer="explained", answered_by=review.reviewer, answered_at=timezone.now()
    )


def with_policy(revision: Revision, text: str) -> RevisionPolicy:
    Revision.objects.filter(pk=revision.pk).update(policy_text=text)
    revision.refresh_from_db()
    return revision_policy_evaluate(revision=revision)


# --- evaluation stored by pull_request_process ----------------------------------------------------


def test_process_stores_the_standard_tier_under_the_default_policy(db, listener_calls):
    repository = make_repository("acme/shop")

    revision = pull_request_process(repository=repository, snapshot=snapshot("docs/greet.py"))

    assert revision.status == Revision.Status.READY
    assert stored(revision) == {
        "tier": "standard",
        "level": 0,
        "required_approvals": 1,
        "required_groups": [],
        "sla_hours": 48,
        "reasons": [
            {
                "tier": "tier standard",
                "text": "the base tier: no higher tier's conditions matched",
            }
        ],
        "boundary_violations": [],
        "exceptions_needed": [],
        "error": "",
        "error_line": None,
    }


def test_process_puts_a_sensitive_path_in_the_sensitive_tier_with_the_reason(db, listener_calls):
    repository = make_repository("acme/shop")

    revision = pull_request_process(repository=repository, snapshot=snapshot("shop/auth/greet.py"))

    assert stored(revision) == {
        "tier": "sensitive",
        "level": 20,
        "required_approvals": 2,
        "required_groups": ["security"],
        "sla_hours": 24,
        "reasons": [
            {"tier": "tier sensitive", "text": "path shop/auth/greet.py matched **/auth/**"}
        ],
        "boundary_violations": [],
        "exceptions_needed": [],
        "error": "",
        "error_line": None,
    }


def test_process_twice_keeps_one_evaluation(db, listener_calls):
    repository = make_repository("acme/shop")
    first = pull_request_process(repository=repository, snapshot=snapshot("shop/auth/greet.py"))
    before = stored(first)

    second = pull_request_process(repository=repository, snapshot=snapshot("shop/auth/greet.py"))

    assert second.pk == first.pk
    assert RevisionPolicy.objects.count() == 1
    assert stored(second) == before


def test_process_stores_an_invalid_policy_as_an_error_with_its_line(
    db, listener_calls, django_capture_on_commit_callbacks
):
    repository = make_repository("acme/shop")

    with django_capture_on_commit_callbacks(execute=True):
        revision = pull_request_process(
            repository=repository, snapshot=snapshot("docs/greet.py", policy_text=INVALID_POLICY)
        )

    assert revision.status == Revision.Status.READY
    assert stored(revision) == {
        "tier": "",
        "level": 0,
        "required_approvals": 1,
        "required_groups": [],
        "sla_hours": None,
        "reasons": [],
        "boundary_violations": [],
        "exceptions_needed": [],
        "error": INVALID_ERROR,
        "error_line": 5,
    }
    assert listener_calls == [revision.pk]


def test_a_failed_revision_gets_no_policy_evaluation(review):
    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.FAILED)
    review.revision.refresh_from_db()

    result = revision_policy_evaluate(revision=review.revision)

    assert result is None
    assert RevisionPolicy.objects.filter(revision=review.revision).exists() is False


# --- invalid policy: failed check, approval refused ----------------------------------------------


def test_invalid_policy_fails_the_check_with_the_exact_error_and_line(review):
    answer_everything(review)
    with_policy(review.revision, INVALID_POLICY)

    report = check_report_for_revision(revision=review.revision)

    assert report.status == "completed"
    assert report.conclusion == "failure"
    assert report.title == "Invalid .reviewbench.yml"
    assert "### Invalid .reviewbench.yml" in report.summary
    assert "The review policy on the base branch is invalid at line 5;" in report.summary
    assert f"```\nline 5: {INVALID_ERROR}\n```" in report.summary
    assert "### Review tier" not in report.summary


def test_invalid_policy_refuses_approval(review):
    answer_everything(review)
    with_policy(review.revision, INVALID_POLICY)

    with pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=review.revision, user=review.reviewer)

    assert denied.value.reason == INVALID_REASON
    assert Approval.objects.filter(revision=review.revision).exists() is False
    assert AuditEvent.objects.filter(action="revision.approved").exists() is False


def test_a_backtick_run_in_the_error_cannot_close_the_code_block(review):
    with_policy(review.revision, "version: 1\ntiers:\n  - name: standard\n    x````y: 1\n")

    report = check_report_for_revision(revision=review.revision)

    error = RevisionPolicy.objects.get(revision=review.revision).error
    assert "x````y" in error
    assert f"`````\nline 4: {error}\n`````" in report.summary


# --- usage boundaries ---------------------------------------------------------------------------


def test_ai_hunk_on_a_prohibited_path_fails_the_check_naming_the_hunk(review):
    answer_everything(review)
    Hunk.objects.filter(changed_file=review.views_file).update(authorship=Hunk.Authorship.AI)

    policy = with_policy(review.revision, PROHIBIT_APP)
    report = check_report_for_revision(revision=review.revision)

    assert policy.boundary_violations == [
        {
            "path": "app/views.py",
            "hunk": "hunk 0 at line 10, 2 added lines",
            "rule": "usage_boundaries[0]: AI-written code is prohibited in app/**",
        }
    ]
    assert report.conclusion == "failure"
    assert report.title == "1 AI-written hunk on a prohibited path · checklist 5/5"
    assert (
        "- app/views\\.py, hunk 0 at line 10, 2 added lines: usage\\_boundaries\\[0\\]\\: "
        "AI\\-written code is prohibited in app/\\*\\*"
    ) in report.summary


def test_ai_hunk_on_a_prohibited_path_refuses_approval(review):
    answer_everything(review)
    Hunk.objects.filter(changed_file=review.views_file).update(authorship=Hunk.Authorship.AI)
    with_policy(review.revision, PROHIBIT_APP)

    with pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=review.revision, user=review.reviewer)

    assert denied.value.reason == VIOLATION_REASON
    assert Approval.objects.filter(revision=review.revision).exists() is False


def test_human_hunk_on_the_prohibited_path_is_no_violation(review):
    answer_everything(review)
    Hunk.objects.filter(changed_file=review.views_file).update(authorship=Hunk.Authorship.HUMAN)

    policy = with_policy(review.revision, PROHIBIT_APP)
    report = check_report_for_revision(revision=review.revision)
    approval = revision_approve(revision=review.revision, user=review.reviewer)

    assert policy.boundary_violations == []
    assert policy.error == ""
    assert report.conclusion == "action_required"
    assert "### Usage boundary violations" not in report.summary
    assert approval.user == review.reviewer


def test_exception_required_boundary_is_listed_not_failed(review):
    Hunk.objects.filter(changed_file=review.views_file).update(authorship=Hunk.Authorship.AI)

    policy = with_policy(
        review.revision,
        'version: 1\nusage_boundaries:\n  - paths: ["app/**"]\n'
        "    ai: exception_required\n    granted_by: security\n",
    )
    report = check_report_for_revision(revision=review.revision)

    assert policy.boundary_violations == []
    assert policy.exceptions_needed == [{"path": "app/views.py", "group": "security"}]
    assert report.conclusion == "action_required"
    assert report.title == (
        "2 findings to triage · 1 usage exception pending · checklist 0/5 · "
        "awaiting 2 approvals, one from security"
    )
    assert "- app/views\\.py (exception from security): needed, not requested" in report.summary


# --- the tier in the check summary, and triage changing it ---------------------------------------


def test_check_summary_explains_the_tier(review):
    revision_policy_evaluate(revision=review.revision)

    report = check_report_for_revision(revision=review.revision)

    assert report.conclusion == "action_required"
    assert (
        "### Review tier\n"
        "Tier **sensitive** (level 20): 2 approvals, including one from each of: security; "
        "SLA 24 hours.\n\nWhy:\n"
        "- open high finding CWE\\-89 at app/views\\.py\\:11 matched severity\\_at\\_least\\: "
        "high\n"
        "- open critical finding CWE\\-798 at app/views\\.py\\:12 matched severity\\_at\\_least\\: "
        "high\n\n### Findings"
    ) in report.summary


def test_triaging_the_only_high_finding_as_false_positive_lowers_the_tier(review):
    pull_request = make_pull_request(review.repository, number=9, head_sha="c" * 40)
    revision = make_revision(pull_request)
    changed = make_file(revision, "app/report.py")
    high = make_finding(revision, changed, severity=Finding.Severity.HIGH, line=11)
    revision_review_prepare(revision=revision)
    before = revision_policy_evaluate(revision=revision)

    finding_triage_review(
        finding=high,
        user=review.reviewer,
        decision=Finding.Triage.FALSE_POSITIVE,
        reason="The id is an integer from the URL converter.",
    )

    assert before.tier == "sensitive"
    assert before.reasons == [
        {
            "tier": "tier sensitive",
            "text": "open high finding CWE-89 at app/report.py:11 matched severity_at_least: high",
        }
    ]
    after = RevisionPolicy.objects.get(revision=revision)
    assert after.pk == before.pk
    assert (after.tier, after.required_approvals, after.required_groups, after.sla_hours) == (
        "standard",
        1,
        [],
        48,
    )


def test_confirming_a_finding_keeps_the_tier(review):
    pull_request = make_pull_request(review.repository, number=9, head_sha="c" * 40)
    revision = make_revision(pull_request)
    changed = make_file(revision, "app/report.py")
    high = make_finding(revision, changed, severity=Finding.Severity.HIGH, line=11)
    revision_review_prepare(revision=revision)
    revision_policy_evaluate(revision=revision)

    finding_triage_review(
        finding=high,
        user=review.reviewer,
        decision=Finding.Triage.CONFIRMED,
        reason="The id reaches the query unparsed.",
    )

    after = RevisionPolicy.objects.get(revision=revision)
    assert after.tier == "sensitive"
    assert after.reasons[0]["text"].startswith("confirmed high finding CWE-89 at app/report.py")


# --- the PR page ---------------------------------------------------------------------------------


def test_pr_page_shows_the_tier_box_and_escapes_a_hostile_path(client, review):
    hostile = "shop/auth/<script>alert(1)</script>.py"
    pull_request = make_pull_request(review.repository, number=9, head_sha="c" * 40)
    revision = make_revision(pull_request)
    make_file(revision, hostile)
    revision_review_prepare(revision=revision)
    revision_policy_evaluate(revision=revision)
    client.force_login(review.reviewer)

    response = client.get("/acme/shop/pull/9/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<section class="notice review-tier" id="review-tier"' in html
    assert '<strong class="tier-name">sensitive</strong>' in html
    assert (
        '<span class="tier-approvals">2 approvals, including one from each of: '
        '<span class="group">security</span></span>'
    ) in html
    assert '<span class="tier-sla">SLA 24 h</span>' in html
    assert (
        "<li>path shop/auth/&lt;script&gt;alert(1)&lt;/script&gt;.py matched **/auth/**</li>"
    ) in html
    assert "<script>alert(1)" not in html


def test_pr_page_shows_boundary_violations_in_red(client, review):
    Hunk.objects.filter(changed_file=review.views_file).update(authorship=Hunk.Authorship.AI)
    with_policy(review.revision, PROHIBIT_APP)
    client.force_login(review.reviewer)

    html = client.get("/acme/shop/pull/7/").content.decode()

    assert '<section class="notice review-tier failed" id="review-tier"' in html
    assert (
        '<ul class="boundary-violations errors"><li><span class="path">app/views.py</span>, '
        "hunk 0 at line 10, 2 added lines: usage_boundaries[0]: AI-written code is prohibited "
        "in app/**</li></ul>"
    ) in html


def test_pr_page_shows_the_policy_error_with_its_line(client, review):
    with_policy(review.revision, INVALID_POLICY)
    client.force_login(review.reviewer)

    html = client.get("/acme/shop/pull/7/").content.decode()

    assert '<section class="notice review-tier failed" id="review-tier"' in html
    assert (
        'Invalid .reviewbench.yml on the base branch at line <span class="error-line">5</span>: '
        f'<code class="error-message">{INVALID_ERROR}</code>'
    ) in html
    assert '<strong class="tier-name">' not in html


def test_check_summary_escapes_a_hostile_path_in_the_tier_reasons(review):
    hostile = "auth/x|y](https://evil.test)<img src=x>\u202e.py"
    pull_request = make_pull_request(review.repository, number=8, head_sha="c" * 40)
    revision = make_revision(pull_request)
    make_file(revision, hostile)
    revision_review_prepare(revision=revision)
    revision_policy_evaluate(revision=revision)

    report = check_report_for_revision(revision=revision)

    assert (
        "- path auth/x\\|y\\]\\(https\\://evil\\.test\\)\\<img src\\=x\\>\\\\u202e\\.py "
        "matched \\*\\*/auth/\\*\\*"
    ) in report.summary
    assert "](https://evil.test)" not in report.summary
    assert "\u202e" not in report.summary


# --- the analysis limits --------------------------------------------------------------------


def test_the_base_branch_limits_bound_the_analysis_and_every_skipped_file_is_shown(
    client, db, make_user, listener_calls, monkeypatch
):
    reviewer = make_user("rita")
    repository = make_repository("acme/shop", members=[reviewer])
    base = snapshot("app/a.py", policy_text="version: 1\nlimits:\n  max_files: 2\n")
    extra = tuple(
        FileChange(
            path=f"app/more_{i}.py",
            status="added",
            patch=patch_of(BENIGN),
            blob_sha=f"{i + 3}" * 40,
            additions=2,
            content=BENIGN,
        )
        for i in range(3)
    )
    snap = PullRequestSnapshot(**{**base.__dict__, "files": (*base.files, *extra)})

    revision = pull_request_process(repository=repository, snapshot=snap)

    states = list(revision.files.order_by("position").values_list("path", "analysis"))
    assert [state for _, state in states] == ["analysed", "analysed"] + ["not_analysed"] * 2
    assert set(revision.scanner_seconds) >= {"bandit", "python-taint"}
    assert revision.scanner_seconds["bandit"]["files"] == 2
    summary = check_report_for_revision(revision=revision).summary
    assert "### Files not analysed (2)" in summary
    assert "app/more\\_2\\.py: Not analysed\\: the pull request changes 4 files" in summary
    assert "Scanner time: " in summary
    monkeypatch.setattr("reviewbench.reviews.report.SUMMARY_FINDING_ROWS", 1)
    capped = check_report_for_revision(revision=revision).summary
    assert "- … and 1 more, each listed with its reason on the pull request's page." in capped
    client.force_login(reviewer)
    html = client.get("/acme/shop/pull/3/").content.decode()
    assert "<strong>2 not analysed</strong>" in html
    assert '<span class="scanner-time">bandit ' in html
    assert "limits.max_files" in html
