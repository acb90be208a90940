"""Review pages: tenancy, query counts, escaping, and the POST endpoints going through services."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from findings.models import ChangedFile, Finding, Hunk, Revision
from reviewbench.approvals.models import Approval
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from tests.factories import (
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
)

DETAIL = "/acme/shop/pull/7/"
ANSWER = "Builds the export query and streams the rows to a CSV response."


@pytest.fixture
def rita(client, review) -> Client:
    client.force_login(review.reviewer)
    return client


@pytest.fixture
def other_tenant(make_user):
    """A second installation with its own member and pull request."""
    bob = make_user("bob")
    repository = make_repository("globex/secret", members=[bob])
    pull_request = make_pull_request(repository, number=7, title="Globex internal change")
    revision = make_revision(pull_request)
    changed = make_file(revision, "billing.py")
    finding = make_finding(revision, changed)
    from reviewbench.checklist.services import revision_review_prepare

    revision_review_prepare(revision=revision)
    return pull_request, revision, finding, bob


def test_anonymous_user_is_sent_to_the_login_page(client, review):
    response = client.get(DETAIL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={DETAIL}"


def test_list_shows_own_pull_requests_only(rita, review, other_tenant):
    response = rita.get("/")

    assert response.status_code == 200
    assert [pr.pk for pr in response.context["pull_requests"]] == [review.pull_request.pk]
    content = response.content.decode()
    assert "Add order export" in content
    assert "Globex internal change" not in content
    assert 'href="/acme/shop/pull/7/"' in content
    assert "1 critical" in content
    assert "1 high" in content
    assert "0/5" in content


def test_list_annotations_come_from_the_latest_revision(rita, review):
    row = rita.get("/").context["pull_requests"][0]

    assert (row.latest_status, row.findings_total, row.findings_critical, row.findings_high) == (
        "ready",
        2,
        1,
        1,
    )
    assert (row.checklist_total, row.checklist_answered, row.approvals_count) == (5, 0, 0)


def test_list_query_count_is_pinned_with_twenty_pull_requests(
    rita, review, django_assert_max_num_queries
):
    for number in range(100, 119):
        pull_request = make_pull_request(review.repository, number=number, title=f"PR {number}")
        revision = make_revision(pull_request)
        changed = make_file(revision, f"mod{number}.py")
        make_finding(revision, changed, severity="medium")

    with django_assert_max_num_queries(4):
        response = rita.get("/")

    assert len(response.context["pull_requests"]) == 20
    assert response.content.decode().count('class="pr-row"') == 20


def test_other_tenants_pull_request_is_indistinguishable_from_a_missing_one(
    rita, review, other_tenant
):
    other = rita.get("/globex/secret/pull/7/")
    missing = rita.get("/globex/secret/pull/999/")

    assert other.status_code == 404
    assert missing.status_code == 404
    assert other.content == missing.content
    assert b"Globex internal change" not in other.content


def test_post_endpoints_refuse_another_tenants_objects(rita, review, other_tenant):
    _pull_request, revision, finding, _bob = other_tenant
    item = ChecklistItem.objects.get(revision=revision, kind="explain")
    base = "/globex/secret/pull/7/"

    responses = [
        rita.post(f"{base}checklist/{item.pk}/answer", {"answer": ANSWER}),
        rita.post(f"{base}findings/{finding.pk}/triage", {"decision": "confirmed"}),
        rita.post(f"{base}revisions/{revision.pk}/approve"),
        # and smuggling another tenant's object ids through one's own pull request
        rita.post(f"{DETAIL}checklist/{item.pk}/answer", {"answer": ANSWER}),
        rita.post(f"{DETAIL}findings/{finding.pk}/triage", {"decision": "confirmed"}),
        rita.post(f"{DETAIL}revisions/{revision.pk}/approve"),
    ]

    assert [r.status_code for r in responses] == [404] * 6
    item.refresh_from_db()
    finding.refresh_from_db()
    assert item.answered_at is None
    assert finding.triage == Finding.Triage.OPEN
    assert Approval.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_post_endpoints_need_a_csrf_token(review):
    client = Client(enforce_csrf_checks=True)
    client.force_login(review.reviewer)
    item = review.item("explain:app/views.py")

    response = client.post(f"{DETAIL}checklist/{item.pk}/answer", {"answer": ANSWER})

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.answered_at is None


def test_get_on_a_post_endpoint_is_not_allowed(rita, review):
    response = rita.get(f"{DETAIL}revisions/{review.revision.pk}/approve")

    assert response.status_code == 405
    assert Approval.objects.count() == 0


def test_answer_post_redirects_and_saves(rita, review):
    item = review.item("explain:app/views.py")

    response = rita.post(f"{DETAIL}checklist/{item.pk}/answer", {"answer": ANSWER}, follow=True)

    assert response.redirect_chain == [(f"{DETAIL}#item-{item.pk}", 302)]
    assert [str(m) for m in response.context["messages"]] == ["Explanation saved."]
    item.refresh_from_db()
    assert item.answer == ANSWER
    assert "1/5" in response.content.decode()


def test_rejected_answer_shows_the_reason_and_saves_nothing(rita, review):
    item = review.item("explain:app/views.py")

    response = rita.post(f"{DETAIL}checklist/{item.pk}/answer", {"answer": "lgtm"}, follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Answer not saved: An explanation needs at least 30 characters; this one has 4."
    ]
    item.refresh_from_db()
    assert item.answered_at is None
    assert AuditEvent.objects.count() == 0


def test_triage_post_goes_through_the_review_service(rita, review):
    response = rita.post(
        f"{DETAIL}findings/{review.high.pk}/triage",
        {"decision": "false_positive", "reason": ""},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Triage not saved: Explain the decision: a reason of at least 10 characters is needed."
    ]
    review.high.refresh_from_db()
    assert review.high.triage == Finding.Triage.OPEN

    rita.post(
        f"{DETAIL}findings/{review.high.pk}/triage",
        {"decision": "false_positive", "reason": "id comes from an int path converter"},
    )

    review.high.refresh_from_db()
    assert review.high.triage == Finding.Triage.FALSE_POSITIVE
    assert AuditEvent.objects.get().action == "finding.triaged"


def test_approve_button_is_disabled_with_the_reason_until_allowed(rita, review):
    content = rita.get(DETAIL).content.decode()

    assert 'class="approve-button" disabled' in content
    assert "5 checklist items still to answer." in content

    Finding.objects.filter(revision=review.revision).update(
        triage=Finding.Triage.FALSE_POSITIVE, triage_reason="Test data only."
    )
    ChecklistItem.objects.filter(revision=review.revision, kind__in=["explain", "signoff"]).update(
        answer=ANSWER, answered_by=review.second_reviewer, answered_at=timezone.now()
    )
    content = rita.get(DETAIL).content.decode()
    assert 'class="approve-button">' in content

    response = rita.post(f"{DETAIL}revisions/{review.revision.pk}/approve", follow=True)

    assert [str(m) for m in response.context["messages"]] == ["Approved."]
    assert "Approved by <strong>rita</strong>" in response.content.decode()
    assert Approval.objects.get().user == review.reviewer


def test_denied_approval_shows_the_reason(client, review):
    client.force_login(review.author)

    response = client.post(f"{DETAIL}revisions/{review.revision.pk}/approve", follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "Not approved: The author of a pull request cannot approve it."
    ]
    assert Approval.objects.count() == 0


def test_page_escapes_a_script_title_and_shows_bidi_characters(rita, review):
    review.pull_request.title = "<script>alert('x')</script> fix"
    review.pull_request.save()
    make_file(
        review.revision,
        "app/acc\u202ess.py",
        hunks=("+if user.is_admin:\u2066  # check\u2069\n",),
        position=2,
    )

    content = rita.get(DETAIL).content.decode()

    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; fix" in content
    assert "\u202e" not in content
    assert 'app/acc<span class="invisible-char" title="U+202E">[U+202E]</span>ss.py' in content
    assert '<span class="invisible-char" title="U+2066">[U+2066]</span>' in content
    assert '<span class="invisible-char" title="U+2069">[U+2069]</span>' in content


def test_page_shows_diff_numbers_ai_hunks_inline_findings_and_unanalysed_files(rita, review):
    make_file(
        review.revision,
        "gen/client.py",
        hunks=(" keep\n-old()\n+new()\n",),
        position=2,
        authorship=Hunk.Authorship.AI,
    )
    make_file(
        review.revision,
        "vendor/big.min.js",
        position=3,
        analysis=ChangedFile.Analysis.NOT_ANALYSED,
        analysis_note="File is larger than 1 MB.",
    )

    response = rita.get(DETAIL)
    content = response.content.decode()

    assert response.status_code == 200
    assert 'class="hunk ai-hunk"' in content
    assert "AI-written · copilot" in content
    assert "<li>Co-authored-by: GitHub Copilot</li>" in content
    assert "Not analysed: File is larger than 1 MB." in content
    # the high finding (line 11) sits right under new line 11
    views_file = response.context["files"][0]
    rows = views_file["hunks"][0].lines
    assert [(r.kind, r.old_number, r.new_number) for r in rows] == [
        ("context", 10, 10),
        ("added", None, 11),
        ("added", None, 12),
    ]
    assert [f.pk for f in rows[1].findings] == [review.high.pk]
    assert [f.pk for f in rows[2].findings] == [review.critical.pk]
    ai_rows = response.context["files"][2]["hunks"][0].lines
    assert [(r.kind, r.old_number, r.new_number) for r in ai_rows] == [
        ("context", 10, 10),
        ("removed", 11, None),
        ("added", None, 11),
    ]
    assert f'id="finding-{review.high.pk}"' in content
    assert "CWE-89" in content
    assert "Use a parameterised query." in content
    # and what to tell the assistant next time, for Python SQL
    assert '<span class="label">Tell the assistant</span> Build SQL with placeholders' in content
    assert "cursor.execute(&quot;SELECT ... WHERE id = %s&quot;, (order_id,))" in content


def test_page_shows_failure_reason_and_analysis_in_progress(rita, review):
    Revision.objects.filter(pk=review.revision.pk).update(
        status=Revision.Status.FAILED, status_reason="Malformed <diff>"
    )
    assert 'Analysis failed: <span class="status-reason">Malformed &lt;diff&gt;</span>' in (
        rita.get(DETAIL).content.decode()
    )

    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.ANALYZING)
    content = rita.get(DETAIL).content.decode()
    assert "Analysis in progress" in content
    assert "approve-button" not in content


def test_login_page_renders_and_logs_in(client, review):
    page = client.get(reverse("login"))
    assert page.status_code == 200

    response = client.post(
        reverse("login"), {"username": "rita", "password": "correct-horse-battery-staple"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_staff_page_renders_the_navigation_whether_or_not_deliveries_exist(client, review):
    review.reviewer.is_staff = True
    review.reviewer.save()
    client.force_login(review.reviewer)

    response = client.get("/")

    assert response.status_code == 200
    content = response.content.decode()
    assert '<a href="/">Pull requests</a>' in content
    assert '<span class="username">rita</span>' in content
    assert '<form method="post" action="/accounts/logout/"' in content
