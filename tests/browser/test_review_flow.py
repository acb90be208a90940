"""A reviewer's whole review in real Chromium: triage, assumptions, comprehension, sign-off."""

from __future__ import annotations

import os

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from findings.models import Finding
from reviewbench.approvals.models import Approval
from reviewbench.checklist.models import ChecklistItem
from reviewbench.checklist.services import revision_review_prepare
from tests.factories import (
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


AI_HUNK = (
    "+def export(request, cursor):\n"
    "+    name = request.GET['name']\n"
    "+    cursor.execute('SELECT * FROM orders WHERE name = ' + name)\n"
    "+    return rows_to_csv(cursor)\n"
)


@pytest.mark.browser
def test_reviewer_walks_the_checklist_in_order_without_reloads_and_approves(
    browser_page, live_server, transactional_db, make_user
):
    # given a pull request with one finding, an AI-written file and a human-written one
    rita = make_user("rita", PASSWORD)
    repository = make_repository("acme/shop", members=[rita])
    pull_request = make_pull_request(repository, title="Add order export")
    revision = make_revision(pull_request)
    views_file = make_file(revision, "app/views.py", hunks=(AI_HUNK,), authorship="ai")
    make_file(revision, "app/csv.py", hunks=("+CSV_HEADER = 'id,name'\n",), position=1)
    finding = make_finding(revision, views_file, line=12)
    revision_review_prepare(revision=revision)
    items = list(ChecklistItem.objects.filter(revision=revision).order_by("position"))
    assert [(item.kind, item.assumption_kind) for item in items] == [
        ("triage", ""),
        ("assumption", "authz"),
        ("assumption", "sql"),
        ("comprehension", ""),
        ("comprehension", ""),
        ("explain", ""),
        ("signoff", ""),
    ]
    # the AI-written function's question, then the one pinned to its riskiest line
    assert items[4].key.endswith(":edge")
    page = browser_page

    # when rita logs in through the login form and opens the pull request from the list
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.click("a.pr-link:has-text('Add order export')")
    expect(page.locator("h1 .pr-title")).to_have_text("Add order export")
    expect(page.locator("#checklist-progress")).to_have_text("0/7")
    expect(page.locator(".approve-button")).to_be_disabled()
    expect(page.locator(".ai-hunk .ai-badge")).to_contain_text("AI-written")
    # a marker that survives only as long as the page is not reloaded
    page.evaluate("window.__reviewbenchNoReload = true")

    # and moves between items with the keyboard
    page.locator("h1").click()
    page.keyboard.press("j")
    expect(page.locator(f"#item-{items[0].pk}")).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(f"#item-{items[2].pk}")).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator(f"#item-{items[1].pk}")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(f"#item-{items[1].pk} input[value='holds']")).to_be_focused()

    # and answers every item in order: triage first
    triage = page.locator(f"#item-{items[0].pk}")
    triage.locator("input[value='false_positive']").check()
    triage.locator("textarea[name='reason']").fill("The name comes from a validated form.")
    triage.locator("button:has-text('Save triage')").click()
    expect(page.locator(f"#item-{items[0].pk} .item-saved")).to_have_text("Saved.")
    expect(page.locator("#checklist-progress")).to_have_text("1/7")
    expect(page.locator(f"#finding-{finding.pk} .triage")).to_have_text("False positive")

    # then the two assumption challenges (one answered badly first, then properly)
    authz = page.locator(f"#item-{items[1].pk}")
    authz.locator("input[value='holds']").check()
    authz.locator("textarea[name='answer']").fill("fine")
    authz.locator("button:has-text('Save answer')").click()
    expect(page.locator(f"#item-{items[1].pk} .item-error")).to_contain_text(
        "Say where the assumption is enforced"
    )
    expect(page.locator("#checklist-progress")).to_have_text("1/7")
    page.locator(f"#item-{items[1].pk} textarea[name='answer']").fill("app/urls.py:14")
    page.locator(f"#item-{items[1].pk} button:has-text('Save answer')").click()
    expect(page.locator(f"#item-{items[1].pk} .outcome")).to_have_text("Holds")
    sql = page.locator(f"#item-{items[2].pk}")
    sql.locator("input[value='not_applicable']").check()
    sql.locator("textarea[name='answer']").fill("Only staff reach this view; name is an enum.")
    sql.locator("button:has-text('Save answer')").click()
    expect(page.locator("#checklist-progress")).to_have_text("3/7")

    # then the comprehension checks and the explanation
    answers = {
        items[3].pk: "Reads a customer name from the query string and exports that customer's "
        "orders as CSV rows; it is correct because the name is only used as a filter value.",
        items[4].pk: "With a name of 0 OR 1=1 the execute call would return every order; the "
        "staff-only check in front of this view is what stops it.",
        items[5].pk: "Documents the new CSV export for operators.",
    }
    for pk, text in answers.items():
        item = page.locator(f"#item-{pk}")
        item.locator("textarea[name='answer']").fill(text)
        item.locator("button:has-text('Save explanation')").click()
        expect(page.locator(f"#item-{pk} .item-saved")).to_have_text("Saved.")
    expect(page.locator(f"#item-{items[5].pk} .flag")).to_contain_text("flagged: Thin answer")

    # and finally the functional sign-off
    signoff = page.locator(f"#item-{items[6].pk}")
    signoff.locator("textarea[name='answer']").fill("Exported two customers' orders on staging.")
    signoff.locator("button:has-text('Sign off')").click()
    expect(page.locator("#checklist-progress")).to_have_text("7/7")
    expect(page.locator(".approve-button")).to_be_enabled()
    assert page.evaluate("window.__reviewbenchNoReload === true")

    # and clicks Approve
    page.click(".approve-button")

    # then the page shows her approval and the database holds every answer
    expect(page.locator(".messages")).to_contain_text("Approved.")
    expect(page.locator("ul.approvals")).to_contain_text("Approved by rita")
    approval = Approval.objects.get()
    assert (approval.user, approval.revision) == (rita, revision)
    finding.refresh_from_db()
    assert finding.triage == Finding.Triage.FALSE_POSITIVE
    saved = list(ChecklistItem.objects.filter(revision=revision).order_by("position"))
    assert [(item.outcome, item.answered_by) for item in saved[1:]] == [
        ("holds", rita),
        ("not_applicable", rita),
        ("", rita),
        ("", rita),
        ("", rita),
        ("", rita),
    ]
    assert [item.flagged for item in saved[1:]] == [False, False, False, False, True, False]
