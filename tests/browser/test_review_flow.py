"""A reviewer's whole review in real Chromium: log in, triage, explain each file, approve."""

from __future__ import annotations

import os

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from findings.models import Finding
from reviewbench.reviews.models import Approval, ChecklistItem
from reviewbench.reviews.services import revision_review_prepare
from tests.reviews.factories import (
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def browser_page(settings, live_server):
    # Depends on live_server so the browser (and its keep-alive connections) closes first.
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The GitHub edge is not under test here: nothing should be published anywhere.
    settings.REVIEWBENCH_STATE_LISTENERS = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # ORM calls made while Playwright's loop runs get their own connection context; close
        # it here or the test database cannot be dropped at the end of the session.
        connections.close_all()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.mark.browser
def test_reviewer_triages_explains_and_approves(
    browser_page, live_server, transactional_db, make_user
):
    # given a pull request with one finding and two changed files
    rita = make_user("rita", PASSWORD)
    repository = make_repository("acme/shop", members=[rita])
    pull_request = make_pull_request(repository, title="Add order export")
    revision = make_revision(pull_request)
    views_file = make_file(
        revision, "app/views.py", hunks=(" import db\n+db.run(f'SELECT {id}')\n",)
    )
    make_file(revision, "README.md", hunks=("+Export orders as CSV.\n",), position=1)
    finding = make_finding(revision, views_file, line=11)
    revision_review_prepare(revision=revision)
    triage_item = ChecklistItem.objects.get(revision=revision, kind="triage")
    explain_items = list(ChecklistItem.objects.filter(revision=revision, kind="explain"))
    page = browser_page

    # when rita logs in through the login form
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")

    # and opens the pull request from the list
    page.click("a.pr-link:has-text('Add order export')")
    expect(page.locator("h1 .pr-title")).to_have_text("Add order export")
    expect(page.locator("#checklist-progress")).to_have_text("0/3")
    expect(page.locator(".approve-button")).to_be_disabled()

    # and triages the finding as a false positive with a reason
    triage = page.locator(f"#item-{triage_item.pk} form.triage-form")
    triage.locator("input[value='false_positive']").check()
    triage.locator("textarea[name='reason']").fill("The id is an int path converter value.")
    triage.locator("button:has-text('Save triage')").click()
    expect(page.locator(".messages")).to_contain_text("Triage saved.")

    # and explains each file in her own words
    answers = {
        "explain:app/views.py": "Runs the export query for one order id from the URL.",
        "explain:README.md": "Documents the new CSV export for the operations team.",
    }
    for item in explain_items:
        form = page.locator(f"#item-{item.pk} form.answer-form")
        form.locator("textarea[name='answer']").fill(answers[item.key])
        form.locator("button:has-text('Save explanation')").click()
        expect(page.locator(".messages")).to_contain_text("Explanation saved.")
    expect(page.locator("#checklist-progress")).to_have_text("3/3")

    # and clicks Approve
    page.click(".approve-button")

    # then the page shows her approval and the database holds it
    expect(page.locator(".messages")).to_contain_text("Approved.")
    expect(page.locator("ul.approvals")).to_contain_text("Approved by rita")
    approval = Approval.objects.get()
    assert approval.user == rita
    assert approval.revision == revision
    finding.refresh_from_db()
    assert finding.triage == Finding.Triage.FALSE_POSITIVE
    assert sorted(
        ChecklistItem.objects.filter(revision=revision, kind="explain").values_list(
            "answer", flat=True
        )
    ) == sorted(answers.values())
