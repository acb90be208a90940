"""Usage-boundary exceptions: requested by a member, granted by the named group, the gate."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from findings.models import Finding, Hunk, PullRequest, Revision
from reviewbench.approvals.models import Approval, BoundaryException
from reviewbench.approvals.selectors import boundary_exceptions_for
from reviewbench.approvals.services import (
    ApprovalDenied,
    BoundaryExceptionDenied,
    boundary_exception_decide,
    boundary_exception_request,
    revision_approve,
    revision_policy_evaluate,
)
from reviewbench.audit.models import AuditEvent
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from reviewbench.reviews.report import check_report_for_revision
from reviewbench.reviews.selectors import review_state
from tests.factories import NEXT_SHA, make_file, make_pull_request, make_repository, make_revision

EXCEPTION_POLICY = (
    'version: 1\nusage_boundaries:\n  - paths: ["app/**"]\n'
    "    ai: exception_required\n    granted_by: security\n"
)
REASON = "Generated serializer boilerplate, reviewed line by line against the schema."
DETAIL = "/acme/shop/pull/7/"
REQUEST_URL = "/acme/shop/pull/7/exceptions/request"
NOT_REQUESTED = "AI-written code on app/views.py needs an exception from security: not requested"
REQUESTED = "AI-written code on app/views.py needs an exception from security: requested"


def answer_everything(revision: Revision, user) -> None:
    Finding.objects.filter(revision=revision).update(
        triage=Finding.Triage.FALSE_POSITIVE, triage_reason="test data, not user input"
    )
    ChecklistItem.objects.filter(revision=revision, kind__in=["explain", "signoff"]).update(
        answer="explained", answered_by=user, answered_at=timezone.now()
    )


def with_exception_policy(revision: Revision) -> None:
    Hunk.objects.filter(changed_file__revision=revision, changed_file__path="app/views.py").update(
        authorship=Hunk.Authorship.AI
    )
    Revision.objects.filter(pk=revision.pk).update(policy_text=EXCEPTION_POLICY)
    revision.refresh_from_db()
    revision_policy_evaluate(revision=revision)


@pytest.fixture
def security(review, make_user):
    """Two members of the security group who may see the repository; the policy needs them."""
    group = Group.objects.create(name="security")
    sid, tess = make_user("sid"), make_user("tess")
    group.user_set.add(sid, tess)
    review.repository.installations.get().members.add(sid, tess)
    with_exception_policy(review.revision)
    return sid, tess


def decide_url(exception: BoundaryException) -> str:
    return f"/acme/shop/pull/7/exceptions/{exception.pk}/decide"


def request_it(review, user=None, reason: str = REASON) -> BoundaryException:
    return boundary_exception_request(
        pull_request=review.pull_request,
        path="app/views.py",
        group="security",
        user=user or review.reviewer,
        reason=reason,
    )


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


# --- requesting -------------------------------------------------------------------------------


def test_a_member_requests_an_exception_and_it_is_recorded(review, security):
    exception = request_it(review)

    assert (exception.path, exception.group, exception.state, exception.reason) == (
        "app/views.py",
        "security",
        BoundaryException.State.REQUESTED,
        REASON,
    )
    assert exception.requested_by == review.reviewer
    assert (exception.decided_by, exception.decided_at, exception.decision_note) == (None, None, "")
    event = AuditEvent.objects.get(action="boundary.exception_requested")
    assert event.actor == review.reviewer
    assert event.revision == review.revision
    assert event.details == {
        "exception_id": exception.pk,
        "path": "app/views.py",
        "group": "security",
        "reason": REASON,
        "head_sha": review.revision.head_sha,
    }


def test_request_notifies_the_listeners_after_commit(
    review, security, listener_calls, django_capture_on_commit_callbacks
):
    listener_calls.clear()

    with django_capture_on_commit_callbacks(execute=True):
        request_it(review)

    assert listener_calls == [review.revision.pk]


def test_a_non_member_cannot_request(review, security, make_user):
    outsider = make_user("olga")
    Group.objects.get(name="security").user_set.add(outsider)

    with pytest.raises(BoundaryExceptionDenied) as denied:
        request_it(review, user=outsider)

    assert denied.value.message == "You are not a member of an installation of this repository."
    assert BoundaryException.objects.exists() is False
    assert AuditEvent.objects.filter(action__startswith="boundary.").exists() is False


def test_a_short_reason_is_refused(review, security):
    with pytest.raises(BoundaryExceptionDenied) as denied:
        request_it(review, reason="  looks fine to me  ")

    assert denied.value.message == (
        "Say why AI-written code should stand here: at least 20 characters; this reason has 16."
    )
    assert BoundaryException.objects.exists() is False
    assert AuditEvent.objects.filter(action__startswith="boundary.").exists() is False


@pytest.mark.parametrize(
    ("path", "group"),
    [("app/csv.py", "security"), ("app/views.py", "platform"), ("app/other.py", "security")],
)
def test_a_path_or_group_the_latest_push_does_not_need_is_refused(review, security, path, group):
    with pytest.raises(BoundaryExceptionDenied) as denied:
        boundary_exception_request(
            pull_request=review.pull_request,
            path=path,
            group=group,
            user=review.reviewer,
            reason=REASON,
        )

    assert denied.value.message == (
        "The latest push needs no exception from this group for this path."
    )
    assert BoundaryException.objects.exists() is False
    assert AuditEvent.objects.filter(action__startswith="boundary.").exists() is False


def test_requesting_twice_keeps_one_row_and_one_event(review, security):
    first = request_it(review)

    second = request_it(
        review, user=review.second_reviewer, reason="A different reason, long enough."
    )

    assert second.pk == first.pk
    assert BoundaryException.objects.count() == 1
    assert (second.reason, second.requested_by) == (REASON, review.reviewer)
    assert actions().count("boundary.exception_requested") == 1


# --- deciding -----------------------------------------------------------------------------------


def test_grant_by_a_group_member_lets_approval_through_and_clears_the_check(review, security):
    sid, _tess = security
    answer_everything(review.revision, review.reviewer)
    exception = request_it(review)

    granted = boundary_exception_decide(exception=exception, user=sid, grant=True, note="")
    approval = revision_approve(revision=review.revision, user=sid)
    report = check_report_for_revision(revision=review.revision)

    assert granted.state == BoundaryException.State.GRANTED
    assert (granted.decided_by, granted.decision_note) == (sid, "")
    assert granted.decided_at is not None
    assert approval.user == sid
    assert "### Usage exceptions" in report.summary
    assert "- app/views\\.py (exception from security): granted by sid" in report.summary
    assert "usage exception" not in report.title
    assert "not requested" not in report.summary
    event = AuditEvent.objects.get(action="boundary.exception_granted")
    assert event.actor == sid
    assert event.details == {
        "exception_id": exception.pk,
        "path": "app/views.py",
        "group": "security",
        "note": "",
        "requested_by_id": review.reviewer.pk,
        "head_sha": review.revision.head_sha,
    }


def test_without_a_grant_approval_is_refused_and_the_check_waits(review, security):
    sid, _tess = security
    answer_everything(review.revision, review.reviewer)

    with pytest.raises(ApprovalDenied) as not_requested:
        revision_approve(revision=review.revision, user=sid)
    report = check_report_for_revision(revision=review.revision)
    request_it(review)
    with pytest.raises(ApprovalDenied) as requested:
        revision_approve(revision=review.revision, user=sid)
    requested_report = check_report_for_revision(revision=review.revision)

    assert not_requested.value.reason == NOT_REQUESTED
    assert requested.value.reason == REQUESTED
    assert Approval.objects.exists() is False
    assert report.conclusion == "action_required"
    assert report.title.startswith("1 usage exception pending · checklist ")
    assert (
        "### Usage exceptions\n"
        "AI-written code on these paths needs an exception granted by the named group:\n"
        "- app/views\\.py (exception from security): needed, not requested\n"
    ) in report.summary
    assert requested_report.conclusion == "action_required"
    assert (
        "- app/views\\.py (exception from security): requested by rita (Generated serializer "
        "boilerplate, reviewed line by line against the schema\\.)"
    ) in requested_report.summary


def test_a_granted_exception_with_every_approval_gives_success(review, security):
    sid, tess = security
    answer_everything(review.revision, review.reviewer)
    boundary_exception_decide(exception=request_it(review), user=sid, grant=True, note="ok")

    revision_approve(revision=review.revision, user=sid)
    revision_approve(revision=review.revision, user=tess)
    report = check_report_for_revision(revision=review.revision)

    assert review_state(review.revision).exceptions_pending == ()
    assert report.conclusion == "success"


@pytest.mark.parametrize("who", ["author", "requester", "outside_the_group"])
def test_grant_is_refused_to_the_author_the_requester_and_non_group_members(review, security, who):
    sid, _tess = security
    author_in_group = review.author
    Group.objects.get(name="security").user_set.add(author_in_group)
    requester = sid
    exception = request_it(review, user=requester)
    user, message = {
        "author": (
            author_in_group,
            "The author of a pull request cannot decide its usage exceptions.",
        ),
        "requester": (sid, "You requested this exception; someone else must decide it."),
        "outside_the_group": (
            review.second_reviewer,
            "Only a member of the group security can decide this exception.",
        ),
    }[who]

    with pytest.raises(BoundaryExceptionDenied) as denied:
        boundary_exception_decide(exception=exception, user=user, grant=True, note="fine")

    assert denied.value.message == message
    exception.refresh_from_db()
    assert (exception.state, exception.decided_by, exception.decided_at) == (
        BoundaryException.State.REQUESTED,
        None,
        None,
    )
    assert actions() == ["boundary.exception_requested"]


def test_a_group_member_outside_the_installation_cannot_decide(review, security, make_user):
    outsider = make_user("olga")
    Group.objects.get(name="security").user_set.add(outsider)
    exception = request_it(review)

    with pytest.raises(BoundaryExceptionDenied) as denied:
        boundary_exception_decide(exception=exception, user=outsider, grant=True, note="")

    assert denied.value.message == "You are not a member of an installation of this repository."
    exception.refresh_from_db()
    assert exception.state == BoundaryException.State.REQUESTED
    assert actions() == ["boundary.exception_requested"]


def test_refusing_requires_a_note(review, security):
    sid, _tess = security
    exception = request_it(review)

    with pytest.raises(BoundaryExceptionDenied) as denied:
        boundary_exception_decide(exception=exception, user=sid, grant=False, note="   ")

    assert denied.value.message == "Say why the exception is refused."
    exception.refresh_from_db()
    assert (exception.state, exception.decided_by) == (BoundaryException.State.REQUESTED, None)
    assert actions() == ["boundary.exception_requested"]


def test_refusal_is_recorded_and_blocks_approval(review, security):
    sid, tess = security
    answer_everything(review.revision, review.reviewer)
    exception = request_it(review)

    refused = boundary_exception_decide(
        exception=exception, user=sid, grant=False, note="Auth code must be written by hand."
    )
    with pytest.raises(ApprovalDenied) as denied:
        revision_approve(revision=review.revision, user=tess)
    report = check_report_for_revision(revision=review.revision)

    assert (refused.state, refused.decided_by, refused.decision_note) == (
        BoundaryException.State.REFUSED,
        sid,
        "Auth code must be written by hand.",
    )
    assert denied.value.reason == (
        "AI-written code on app/views.py needs an exception from security: refused"
    )
    assert report.conclusion == "action_required"
    assert (
        "- app/views\\.py (exception from security): refused by sid "
        "(Auth code must be written by hand\\.)"
    ) in report.summary
    assert AuditEvent.objects.get(action="boundary.exception_refused").details["note"] == (
        "Auth code must be written by hand."
    )


def test_deciding_twice_is_refused(review, security):
    sid, tess = security
    exception = request_it(review)
    boundary_exception_decide(exception=exception, user=sid, grant=True, note="")

    with pytest.raises(BoundaryExceptionDenied) as denied:
        boundary_exception_decide(exception=exception, user=tess, grant=False, note="no")

    assert denied.value.message == "This exception is already granted."
    exception.refresh_from_db()
    assert (exception.state, exception.decided_by) == (BoundaryException.State.GRANTED, sid)
    assert actions() == ["boundary.exception_requested", "boundary.exception_granted"]


def test_re_request_after_refusal_goes_back_to_requested_with_the_new_reason(review, security):
    sid, tess = security
    exception = request_it(review)
    boundary_exception_decide(exception=exception, user=sid, grant=False, note="Not without tests.")
    new_reason = "Tests added in tests/test_views.py cover every branch now."

    again = request_it(review, user=review.second_reviewer, reason=new_reason)
    granted = boundary_exception_decide(exception=again, user=tess, grant=True, note="")

    assert again.pk == exception.pk
    assert BoundaryException.objects.count() == 1
    assert (again.state, again.reason, again.requested_by) == (
        BoundaryException.State.REQUESTED,
        new_reason,
        review.second_reviewer,
    )
    assert (again.decided_by, again.decided_at, again.decision_note) == (None, None, "")
    assert granted.state == BoundaryException.State.GRANTED
    assert actions() == [
        "boundary.exception_requested",
        "boundary.exception_refused",
        "boundary.exception_requested",
        "boundary.exception_granted",
    ]
    event = AuditEvent.objects.filter(action="boundary.exception_requested").order_by("id").last()
    assert event.details["reason"] == new_reason
    assert event.details["previous"] == {
        "state": "refused",
        "reason": REASON,
        "requested_by_id": review.reviewer.pk,
        "decided_by_id": sid.pk,
        "decision_note": "Not without tests.",
    }


def test_a_granted_exception_carries_over_to_a_new_push(review, security):
    sid, _tess = security
    boundary_exception_decide(exception=request_it(review), user=sid, grant=True, note="")
    PullRequest.objects.filter(pk=review.pull_request.pk).update(head_sha=NEXT_SHA)
    Revision.objects.filter(pk=review.revision.pk).update(status=Revision.Status.SUPERSEDED)
    review.pull_request.refresh_from_db()
    pushed = make_revision(review.pull_request, head_sha=NEXT_SHA)
    make_file(pushed, "app/views.py", hunks=("+query = build(id)\n",))
    revision_review_prepare(revision=pushed)
    with_exception_policy(pushed)
    answer_everything(pushed, review.reviewer)

    needed = boundary_exceptions_for(pushed)
    approval = revision_approve(revision=pushed, user=sid)

    assert [(n.path, n.group, n.state) for n in needed] == [
        ("app/views.py", "security", BoundaryException.State.GRANTED)
    ]
    assert approval.revision == pushed
    assert BoundaryException.objects.count() == 1


def test_selector_pairs_each_needed_exception_in_one_query(
    review, security, django_assert_num_queries
):
    request_it(review)
    review.revision.refresh_from_db()
    policy = review.revision.policy

    with django_assert_num_queries(1):
        needed = boundary_exceptions_for(review.revision, policy=policy)
        names = [n.exception.requested_by.get_username() for n in needed]

    assert [(n.path, n.group, n.state) for n in needed] == [
        ("app/views.py", "security", BoundaryException.State.REQUESTED)
    ]
    assert names == ["rita"]


# --- the page and its endpoints -------------------------------------------------------------------


def test_page_offers_the_request_form_to_a_member_and_escapes_the_path(client, review, security):
    hostile = 'app/<img src=x onerror="alert(1)">.py'
    ChecklistItem.objects.filter(revision=review.revision).delete()
    make_file(review.revision, hostile, hunks=("+x = 1\n",), position=2)
    with_exception_policy(review.revision)
    Hunk.objects.filter(changed_file__path=hostile).update(authorship=Hunk.Authorship.AI)
    revision_policy_evaluate(revision=review.revision)
    client.force_login(review.reviewer)

    html = client.get(DETAIL).content.decode()

    escaped = "app/&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.py"
    assert (
        f'<span class="path">{escaped}</span>: granted by <span class="group">security</span>'
        in html
    )
    assert f'<input type="hidden" name="path" value="{escaped}">' in html
    assert "<img src=x" not in html
    assert html.count('class="exception-request"') == 2
    assert 'class="exception-decide"' not in html


def test_page_offers_grant_and_refuse_only_to_a_group_member_who_did_not_request(
    client, review, security
):
    sid, tess = security
    request_it(review, user=sid)

    pages = {}
    for user in (sid, tess, review.second_reviewer, review.author):
        client.force_login(user)
        pages[user.username] = client.get(DETAIL).content.decode()

    assert 'class="exception-decide"' in pages["tess"]
    assert 'class="exception-decide"' not in pages["sid"]
    assert 'class="exception-decide"' not in pages["sam"]
    assert 'class="exception-decide"' not in pages["mallory"]
    assert all('class="exception-request"' not in html for html in pages.values())
    assert (
        '<span class="exception-state">requested by <span class="requester">sid</span>'
        in (pages["sam"])
    )


def test_author_in_the_group_sees_no_decide_form(client, review, security):
    Group.objects.get(name="security").user_set.add(review.author)
    request_it(review)
    client.force_login(review.author)

    html = client.get(DETAIL).content.decode()

    assert 'class="exception-decide"' not in html
    assert '<span class="exception-state">requested by <span class="requester">rita</span>' in html


def test_post_request_then_grant_through_the_pages(client, review, security):
    sid, _tess = security
    client.force_login(review.reviewer)

    response = client.post(
        REQUEST_URL, {"path": "app/views.py", "group": "security", "reason": REASON}, follow=True
    )
    exception = BoundaryException.objects.get()
    client.force_login(sid)
    granted = client.post(decide_url(exception), {"decision": "grant", "note": ""}, follow=True)

    assert response.redirect_chain == [(DETAIL + "#review-tier", 302)]
    assert '<li class="message success">Exception requested.</li>' in response.content.decode()
    assert granted.redirect_chain == [(DETAIL + "#review-tier", 302)]
    assert '<li class="message success">Exception granted.</li>' in granted.content.decode()
    exception.refresh_from_db()
    assert (exception.state, exception.decided_by) == (BoundaryException.State.GRANTED, sid)
    assert '<span class="exception-state">granted by <span class="decider">sid</span>' in (
        granted.content.decode()
    )


def test_post_refuse_without_a_note_shows_the_error_and_writes_nothing(client, review, security):
    sid, _tess = security
    exception = request_it(review)
    client.force_login(sid)

    response = client.post(decide_url(exception), {"decision": "refuse", "note": ""}, follow=True)

    assert (
        '<li class="message error">Exception not decided: Say why the exception is refused.</li>'
    ) in response.content.decode()
    exception.refresh_from_db()
    assert exception.state == BoundaryException.State.REQUESTED
    assert actions() == ["boundary.exception_requested"]


def test_post_request_with_a_short_reason_shows_the_error(client, review, security):
    client.force_login(review.reviewer)

    response = client.post(
        REQUEST_URL, {"path": "app/views.py", "group": "security", "reason": "short"}, follow=True
    )

    assert (
        "Exception not requested: Say why AI-written code should stand here: at least 20 "
        "characters; this reason has 5."
    ) in response.content.decode()
    assert BoundaryException.objects.exists() is False


def test_endpoints_need_post_and_csrf(review, security):
    from django.test import Client

    sid, _tess = security
    exception = request_it(review)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(sid)

    get = strict.get(decide_url(exception))
    forged = strict.post(decide_url(exception), {"decision": "grant", "note": ""})

    assert get.status_code == 405
    assert forged.status_code == 403
    exception.refresh_from_db()
    assert exception.state == BoundaryException.State.REQUESTED
    assert actions() == ["boundary.exception_requested"]


def test_endpoints_of_another_tenant_are_404(client, review, security, make_user):
    exception = request_it(review)
    stranger = make_user("eve")
    Group.objects.get(name="security").user_set.add(stranger)
    other = make_repository("evil/corp", members=[stranger])
    make_pull_request(other, number=7)
    client.force_login(stranger)

    request = client.post(
        REQUEST_URL, {"path": "app/views.py", "group": "security", "reason": REASON}
    )
    decide = client.post(decide_url(exception), {"decision": "grant", "note": ""})
    # The other tenant's exception through the stranger's own pull request's URL: still 404.
    crossed = client.post(
        f"/evil/corp/pull/7/exceptions/{exception.pk}/decide", {"decision": "grant", "note": ""}
    )

    assert (request.status_code, decide.status_code, crossed.status_code) == (404, 404, 404)
    exception.refresh_from_db()
    assert exception.state == BoundaryException.State.REQUESTED
    assert BoundaryException.objects.count() == 1
    assert actions() == ["boundary.exception_requested"]
