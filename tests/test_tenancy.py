"""Tenancy, checked over every URL the project serves: a signed-in user of another installation
gets no 2xx from any page or endpoint that names a pull request, revision, file, finding, item or
exception of a tenant they are not in, and nothing is written by trying. Pages without such a
name (lists, the queue, the schema) answer, but show nothing of the other tenant.

The walk reads the URL configuration itself, so a route added later is covered or fails here."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from findings.models import Finding
from reviewbench.approvals.models import Approval, BoundaryException
from reviewbench.audit.models import AuditEvent
from reviewbench.calibration.models import Attempt, Exercise, FlawNote
from reviewbench.calibration.services import flaw_note_add
from reviewbench.checklist.models import ChecklistItem
from reviewbench.reviews.services import calibration_attempt_start
from tests.factories import api_client_for, make_pull_request, make_repository, make_revision

# Routes that name no tenant object: they may answer an outsider, but never with another
# tenant's data. Anything else must take a tenant-scoped argument.
TENANT_FREE = {
    "",
    "accounts/login/",
    "accounts/logout/",
    "healthz",
    "livez",
    "github/webhook",
    "github/deliveries/",
    "api/schema/",
    "api/pull-requests/",
    "api/groups/",
    "api/groups/<str:group>/members/",
    "api/queue/",
    "api/policy/validate/",
    "api/deliveries/",
    "api/evidence/",
    "api/insights/feedback/",
    "insights/feedback/",
    # Calibration: the library is everyone's; attempts are the user's own (or a lead's view).
    "api/insights/calibration/",
    "insights/calibration/",
    "api/calibration/classes/",
    "api/calibration/exercises/",
    "api/calibration/attempts/",
    "api/calibration/exercises/<slug:slug>/attempts/",
    "calibration/exercises/<slug:slug>/start",
    "evidence/",
    "queue/",
    "queue/charts/",
}
TENANT_ARGUMENTS = {"owner", "name", "number", "revision_id", "finding_id", "item_id", "file_id"}
TENANT_ARGUMENTS |= {"exception_id", "attempt_id", "note_id"}
SUCCESS = range(200, 300)


def _tenant_free(route: str) -> bool:
    # Sign-in and account pages (ours and django-allauth's) name no tenant object.
    return route in TENANT_FREE or route.startswith("accounts/")


def _routes(resolver=None, prefix: str = "") -> list[str]:
    routes = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + str(pattern.pattern))
    return [route for route in routes if not route.startswith("admin/")]


ROUTES = _routes()


def _fill(route: str, values: dict[str, object]) -> str:
    """The route with the tenant's values; a tenant-free route's other arguments get "x" (a
    tenant-scoped route with an argument the fixture lacks fails with a KeyError)."""
    route = re.sub(r"\^|\$|\(\?P<(\w+)>[^)]*\)", lambda m: f"<{m[1]}>" if m[1] else "", route)

    def value(match: re.Match) -> str:
        if _tenant_free(route) and match[1] not in values:
            return "x"
        return str(values[match[1]])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, route)


@pytest.fixture
def outsider(db, make_user):
    user = make_user("oscar")
    own = make_repository("globex/site", members=[user])
    make_revision(make_pull_request(own, number=1, title="Globex change"))
    return user


@pytest.fixture
def tenant_values(review) -> dict[str, object]:
    Group.objects.get_or_create(name="security")
    exception = BoundaryException.objects.create(
        pull_request=review.pull_request, path="app/views.py", group="security", reason="hotfix"
    )
    # The tenant's reviewer has a calibration attempt with a note: an outsider reaches neither.
    attempt = calibration_attempt_start(
        user=review.reviewer, exercise=Exercise.objects.get(slug="py-order-search")
    )
    note = flaw_note_add(
        attempt=attempt, user=review.reviewer, path="shop/search.py", line=19,
        flaw_class="sqli", comment="the tenant's own note",
    )  # fmt: skip
    return {
        "attempt_id": attempt.pk,
        "note_id": note.pk,
        "owner": "acme",
        "name": "shop",
        "number": review.pull_request.number,
        "revision_id": review.revision.pk,
        "finding_id": review.high.pk,
        "item_id": review.items()[0].pk,
        "file_id": review.views_file.pk,
        "exception_id": exception.pk,
        "group": "security",
    }


def _written(review) -> tuple:
    return (
        AuditEvent.objects.count(),
        Approval.objects.count(),
        list(ChecklistItem.objects.values_list("answer", "outcome")),
        list(BoundaryException.objects.values_list("state", flat=True)),
        list(Finding.objects.values_list("triage", flat=True)),
        FlawNote.objects.count(),
        list(Attempt.objects.values_list("submitted_at", flat=True)),
    )


def test_every_route_is_either_tenant_scoped_or_known_to_be_tenant_free():
    unclassified = [
        route
        for route in ROUTES
        if not _tenant_free(route) and not TENANT_ARGUMENTS & set(re.findall(r"(\w+)>", route))
    ]

    assert unclassified == []
    assert len(ROUTES) > 30


def test_no_route_naming_another_tenant_answers_an_outsider(review, tenant_values, outsider):
    pages, api = Client(), api_client_for(outsider)
    pages.force_login(outsider)
    before = _written(review)
    answered = []
    for route in ROUTES:
        if _tenant_free(route):
            continue
        url = _fill(route, tenant_values)
        client = api if route.startswith("api/") else pages
        for method in ("get", "post", "delete"):
            response = getattr(client, method)(url, {"answer": "x", "state": "granted"})
            if response.status_code in SUCCESS or response.status_code in (301, 302):
                answered.append((method, url, response.status_code))

    assert answered == []
    assert _written(review) == before


def test_tenant_free_routes_show_nothing_of_another_tenant(review, tenant_values, outsider):
    pages, api = Client(), api_client_for(outsider)
    pages.force_login(outsider)
    leaked = []
    for route in sorted(r for r in ROUTES if _tenant_free(r)):
        url = _fill(route, tenant_values)
        client = api if route.startswith("api/") else pages
        response = client.get(url, {"format": "json"} if route == "api/schema/" else {})
        body = response.content.decode(errors="replace")
        if review.pull_request.title in body or "acme/shop" in body:
            leaked.append(url)

    assert leaked == []


def test_the_walk_can_fail_a_member_does_reach_the_tenant(review, tenant_values):
    # The same walk as a member of the tenant: the pages it tries do answer, so a 404 above is
    # the tenancy check and not a broken URL.
    pages = Client()
    pages.force_login(review.reviewer)
    api = api_client_for(review.reviewer)
    detail = _fill("<str:owner>/<str:name>/pull/<int:number>/", tenant_values)
    revision = _fill("api/revisions/<int:revision_id>/", tenant_values)
    finding = _fill("api/findings/<int:finding_id>/", tenant_values)
    diff = _fill("<str:owner>/<str:name>/pull/<int:number>/files/<int:file_id>/diff", tenant_values)

    assert pages.get(detail).status_code == 200
    assert pages.get(diff).status_code == 200
    assert api.get(revision).status_code == 200
    assert api.get(finding).status_code == 200
    assert review.pull_request.title in pages.get("/").content.decode()
