"""A calibration exercise in real Chromium: started from the Calibration page, reviewed in the
normal pull-request page with the findings hidden, a flaw named, submitted and scored."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reviewbench.calibration.services import exercise_library_sync
from tests.browser.test_review_flow import PASSWORD, browser_page  # noqa: F401 - fixture


@pytest.mark.browser
def test_reviewer_runs_an_exercise_and_sees_the_score(
    browser_page,  # noqa: F811
    live_server,
    transactional_db,
    make_user,
):
    exercise_library_sync()
    make_user("rita", PASSWORD)
    page = browser_page
    page.goto(f"{live_server.url}/insights/calibration/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.locator("#my-catch-rate")).to_contain_text("none yet")

    # when she starts the order-search exercise
    page.locator("#exercise-py-order-search button:has-text('Start')").click()

    # then it opens as a pull request, the diff shown and the findings hidden
    expect(page.locator("#calibration h2")).to_contain_text("Order search endpoint")
    expect(page.locator(".diff").first).to_contain_text("WHERE customer")
    expect(page.locator(".finding")).to_have_count(0)
    expect(page.locator(".approve-button")).to_have_count(0)

    # and she names the SQL injection and submits
    form = page.locator(".flaw-note-form")
    form.locator("select[name='path']").select_option("shop/search.py")
    form.locator("input[name='line']").fill("19")
    form.locator("select[name='flaw_class']").select_option("sqli")
    form.locator("textarea[name='comment']").fill("customer goes into the SQL text unescaped")
    form.locator("button:has-text('Name this flaw')").click()
    expect(page.locator(".flaw-note")).to_have_count(1)
    page.locator("button:has-text('Submit for scoring')").click()

    # then the score, the missed flaw's explanation and the findings are shown
    expect(page.locator(".calibration-score")).to_contain_text("1 of 2")
    expect(page.locator(".flaw-result.caught")).to_contain_text("SQL injection")
    expect(page.locator(".flaw-result.missed")).to_contain_text("database error text")
    expect(page.locator(".finding").first).to_be_visible()
    page.goto(f"{live_server.url}/insights/calibration/")
    expect(page.locator("#my-catch-rate")).to_contain_text("50%")
