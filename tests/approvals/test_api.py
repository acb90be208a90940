"""The approvals API: approval state with stale approvals and re-approval, usage-boundary exceptions
through request, grant and refusal, approval groups and their members."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from reviewbench.approvals.models import Approval, BoundaryException, GroupTeam
from reviewbench.approvals.services import revision_approve
from tests.approvals.test_boundary_exceptions import (
    REASON,
    answer_everything,
    with_exception_policy,
)
from tests.factories import api_client_for

BASE = "/api/pull-requests/acme/shop/7/"


@pytest.fixture
def security(review, make_user):
    group = Group.objects.create(name="security")
    GroupTeam.objects.create(group=group, team_slugs=["appsec"])
    sid = make_user("sid")
    group.user_set.add(sid)
    review.repository.installations.get().members.add(sid)
    return sid


def test_approval_state_lists_stale_approvals_and_what_is_missing(review):
    answer_everything(review.revision, review.reviewer)
    Approval.objects.create(revision=review.revision, user=review.second_reviewer, stale=True)

    response = api_client_for(review.reviewer).get(BASE + "approvals/")

    assert response.status_code == 200
    data = response.json()
    assert data["revision_id"] == review.revision.pk
    assert [(a["username"], a["stale"]) for a in data["approvals"]] == [("sam", True)]
    assert (data["missing_count"], data["missing_groups"]) == (1, [])
    assert data["missing_text"] == "1 more approval"
    assert (data["can_approve"], data["reason"]) == (True, "")

    # when the stale approver approves again, the fresh approval replaces the stale one
    approved = api_client_for(review.second_reviewer).post(BASE + "approve/")
    assert approved.status_code == 201
    after = api_client_for(review.reviewer).get(BASE + "approvals/").json()
    assert [(a["username"], a["stale"]) for a in after["approvals"]] == [("sam", False)]
    assert after["missing_count"] == 0


def test_exceptions_are_requested_granted_and_refused_through_the_api(review, security):
    with_exception_policy(review.revision)
    rita = api_client_for(review.reviewer)

    listed = rita.get(BASE + "exceptions/").json()
    assert [(e["path"], e["group"], e["state"], e["can_request"]) for e in listed] == [
        ("app/views.py", "security", "not_requested", True)
    ]

    # a reason too short is refused with the rule, and nothing is stored
    short = rita.post(
        BASE + "exceptions/",
        {"path": "app/views.py", "group": "security", "reason": "ok"},
        format="json",
    )
    assert short.status_code == 400
    assert "at least 20 characters" in short.json()["detail"]
    assert BoundaryException.objects.count() == 0

    made = rita.post(
        BASE + "exceptions/",
        {"path": "app/views.py", "group": "security", "reason": REASON},
        format="json",
    )
    assert made.status_code == 201
    assert (made.json()["state"], made.json()["requested_by"]) == ("requested", "rita")
    exception_id = made.json()["id"]

    # the requester may not decide it; a member of the group may
    own = rita.post(BASE + f"exceptions/{exception_id}/decide/", {"decision": "grant"})
    assert own.status_code == 400
    refused = api_client_for(security).post(
        BASE + f"exceptions/{exception_id}/decide/",
        {"decision": "refuse", "note": "Write it by hand."},
        format="json",
    )
    assert refused.status_code == 200
    assert (refused.json()["state"], refused.json()["decided_by"]) == ("refused", "sid")
    assert BoundaryException.objects.get().decision_note == "Write it by hand."


def test_groups_show_team_slugs_and_only_members_you_share_an_installation_with(
    review, security, make_user
):
    stranger = make_user("stranger")
    Group.objects.get(name="security").user_set.add(stranger)

    response = api_client_for(review.reviewer).get("/api/groups/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"name": "security", "team_slugs": ["appsec"], "members": ["sid"]}
    ]


def test_only_staff_add_and_remove_group_members(review, security, make_user):
    path = "/api/groups/security/members/"
    refused = api_client_for(review.reviewer).post(path, {"username": "rita"}, format="json")
    assert refused.status_code == 403
    assert not Group.objects.get(name="security").user_set.filter(username="rita").exists()

    admin = make_user("ada", is_staff=True)
    added = api_client_for(admin).post(path, {"username": "rita"}, format="json")
    assert added.status_code == 200
    assert added.json()["members"] == ["rita", "sid"]
    removed = api_client_for(admin).delete(path, {"username": "sid"}, format="json")
    assert removed.json()["members"] == ["rita"]
    missing = api_client_for(admin).post("/api/groups/nobody/members/", {"username": "rita"})
    assert missing.status_code == 404


def test_approval_through_the_service_shows_in_the_api_state(review):
    answer_everything(review.revision, review.reviewer)
    revision_approve(revision=review.revision, user=review.reviewer)

    data = api_client_for(review.second_reviewer).get(BASE + "approvals/").json()

    assert [(a["username"], a["stale"]) for a in data["approvals"]] == [("rita", False)]
    assert data["missing_count"] == 0
