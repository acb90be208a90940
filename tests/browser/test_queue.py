"""The leads' queue in real Chromium: log in, open the queue, filter, see the rows change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from findings.models import Revision
from reviewbench.approvals.models import RevisionPolicy
from tests.browser.test_review_flow import PASSWORD, browser_page  # noqa: F401 - fixture
from tests.factories import make_pull_request, make_repository, make_revision


def _awaiting(repository, number: int, title: str, *, tier: str, sla: int, hours_ago: int):
    pull_request = make_pull_request(
        repository, number=number, title=title, head_sha=f"{number:040d}"
    )
    revision = make_revision(pull_request)
    ready = timezone.now() - timedelta(hours=hours_ago)
    Revision.objects.filter(pk=revision.pk).update(finished_at=ready, created_at=ready)
    RevisionPolicy.objects.create(revision=revision, tier=tier, level=1, sla_hours=sla)


@pytest.mark.browser
def test_lead_filters_the_queue_to_breached_prs(
    browser_page,  # noqa: F811
    live_server,
    transactional_db,
    make_user,
):
    # given two PRs awaiting review: one within its SLA, one breached
    lena = make_user("lena", PASSWORD)
    repository = make_repository("acme/shop", members=[lena])
    _awaiting(repository, 1, "Within SLA", tier="standard", sla=48, hours_ago=1)
    _awaiting(repository, 2, "Breached SLA", tier="sensitive", sla=2, hours_ago=5)
    page = browser_page

    # when lena logs in and opens the queue from the navigation
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.click("header nav a:has-text('Queue')")
    rows = page.locator("tr.queue-row")
    expect(rows).to_have_count(2)
    expect(page.locator(".queue-chart")).to_have_count(3)

    # and filters to breached PRs only
    page.check("input[name='breached']")
    page.click("button.apply-filters")

    # then only the breached PR is left, marked breached
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".pr-link")).to_contain_text("Breached SLA")
    expect(rows.first.locator(".sla")).to_contain_text("breached")
    expect(page.locator("input[name='breached']")).to_be_checked()
