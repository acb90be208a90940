"""Script in a pull request's title, branch, paths, commits, login, labels, code or findings never
runs in the reviewer's browser, and the pages need no inline script or style (issue 11)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from findings.models import PullRequest, Revision
from reviewbench.checklist.services import revision_review_prepare
from tests.browser.test_review_flow import PASSWORD, browser_page  # noqa: F401 - fixture
from tests.factories import (
    make_file,
    make_finding,
    make_pull_request,
    make_repository,
    make_revision,
)

PAYLOADS = (
    "<script>alert('title')</script>",
    "<img src=x onerror=alert('img')>",
    "\"><svg onload=alert('svg')>",
    "javascript:alert('href')",
    "<style>body{display:none}</style>",
)
HOSTILE = " ".join(PAYLOADS)


@pytest.mark.browser
def test_hostile_pull_request_content_never_runs_and_breaks_no_policy(
    browser_page,  # noqa: F811
    live_server,
    transactional_db,
    make_user,
    client,
):
    # given a pull request whose every field a contributor controls carries script
    rita = make_user("rita", PASSWORD)
    repository = make_repository("acme/shop", members=[rita])
    pull_request = make_pull_request(repository, title=f"Fix {HOSTILE}", author_login=HOSTILE[:200])
    PullRequest.objects.filter(pk=pull_request.pk).update(
        head_ref=f"feature/{PAYLOADS[2]}", labels=[PAYLOADS[0], PAYLOADS[1]], body=HOSTILE
    )
    revision = make_revision(pull_request)
    Revision.objects.filter(pk=revision.pk).update(
        commits=[{"sha": "3" * 40, "message": f"Add {HOSTILE}", "author_login": PAYLOADS[1]}]
    )
    hostile_file = make_file(
        revision,
        f"app/{PAYLOADS[1]}.py",
        hunks=(f"+NAME = \"{PAYLOADS[0]}\"\n+HTML = '{PAYLOADS[2]}'\n",),
        authorship="ai",
    )
    finding = make_finding(revision, hostile_file, title=f"Finding {PAYLOADS[1]}")
    type(finding).objects.filter(pk=finding.pk).update(
        message=HOSTILE, guidance=PAYLOADS[0], code=PAYLOADS[2]
    )
    revision_review_prepare(revision=revision)
    page = browser_page
    dialogs: list[str] = []
    violations: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("response", lambda r: r.status >= 400 and violations.append(f"{r.status} {r.url}"))
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text} {message.location}")
            if "Content Security Policy" in message.text or message.type == "error"
            else None
        ),
    )

    # when rita signs in and opens every page that shows it
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "rita")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    urls = [
        "/",
        "/acme/shop/pull/7/",
        "/queue/",
        "/acme/shop/pull/7/evidence?format=html",
    ]
    for url in urls:
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200, url
        # then the page carries a policy that allows no inline script
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
    page.goto(f"{live_server.url}/acme/shop/pull/7/")
    expect(page.locator("h1 .pr-title")).to_contain_text("<script>alert('title')</script>")
    expect(page.locator("body")).to_be_visible()  # the injected <style> hid nothing

    # and nothing ran, and nothing the pages themselves need was refused
    assert dialogs == []
    assert violations == [], violations
    assert page.evaluate("document.querySelectorAll('svg[onload], img[onerror]').length") == 0
