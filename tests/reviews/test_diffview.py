"""Huge diffs stay readable (issue 16.3): long lines and huge files are cut on the page, the page
says why, and the whole diff of a file is one click away as plain text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reviewbench.reviews.diffview import MAX_LINE_CHARS, file_diff_text, file_view
from tests.factories import make_file, make_pull_request, make_repository, make_revision

TEN_MB = 10 * 1024 * 1024


def hunk(content: str, start: int = 1) -> SimpleNamespace:
    return SimpleNamespace(
        content=content,
        source_start=start,
        source_length=0,
        target_start=start,
        target_length=content.count("\n"),
        section_header="",
    )


def test_a_line_longer_than_the_limit_is_cut_and_counted():
    # given one added line of 10 MB
    views, outside, omitted = file_view([hunk("+" + "x" * TEN_MB + "\n")], [])

    # then the page keeps its first characters and says how many it left out
    (line,) = views[0].lines
    assert len(line.text) == MAX_LINE_CHARS
    assert line.cut == TEN_MB - MAX_LINE_CHARS
    assert (omitted.lines, omitted.long_lines) == (0, 1)
    assert outside == []


def test_lines_past_the_line_and_character_budgets_are_left_out_and_counted():
    content = "".join(f"+line {n}\n" for n in range(50))
    views, _, omitted = file_view([hunk(content), hunk(content, start=100)], [], limit=60)
    assert sum(len(view.lines) for view in views) == 60
    assert omitted.lines == 40

    views, _, omitted = file_view(
        [hunk("+" + "y" * 900 + "\n" * 1 + "+tail\n")], [], file_chars=500
    )
    assert [len(line.text) for line in views[0].lines] == [900]
    assert omitted.lines == 1


def test_a_short_file_is_shown_whole_with_nothing_omitted():
    views, _, omitted = file_view([hunk("+a = 1\n b = 2\n")], [])
    assert [line.text for line in views[0].lines] == ["a = 1", "b = 2"]
    assert not omitted


def test_the_file_diff_text_is_every_hunk_with_its_header():
    text = file_diff_text([hunk("+a\n"), hunk("@@ -5,1 +5,1 @@\n-b\n+c\n", start=5)])
    assert text == "@@ -1,0 +1,1 @@\n+a\n@@ -5,1 +5,1 @@\n-b\n+c\n"


@pytest.fixture
def huge(db, make_user):
    reviewer = make_user("rita")
    repository = make_repository("acme/shop", members=[reviewer])
    pull_request = make_pull_request(repository)
    revision = make_revision(pull_request)
    changed = make_file(revision, "static/bundle.min.js", hunks=("+" + "z" * TEN_MB + "\n",))
    return SimpleNamespace(reviewer=reviewer, changed=changed, pull_request=pull_request)


def test_a_pull_request_with_a_10_mb_line_gives_a_small_page_that_says_why(client, huge):
    client.force_login(huge.reviewer)

    page = client.get("/acme/shop/pull/7/")

    assert page.status_code == 200
    html = page.content.decode()
    assert len(page.content) < 200_000
    assert f"… {TEN_MB - MAX_LINE_CHARS} more characters" in html
    assert f"1 long line cut at {MAX_LINE_CHARS} characters" in html
    assert f'href="/acme/shop/pull/7/files/{huge.changed.pk}/diff"' in html


def test_the_whole_diff_of_a_file_downloads_as_plain_text(client, huge):
    client.force_login(huge.reviewer)

    response = client.get(f"/acme/shop/pull/7/files/{huge.changed.pk}/diff")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="file-{huge.changed.pk}.diff"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.decode().splitlines()[1] == "+" + "z" * TEN_MB


def test_another_tenant_cannot_download_a_file_diff(client, huge, make_user):
    outsider = make_user("eve")
    make_repository("globex/app", members=[outsider])
    client.force_login(outsider)

    response = client.get(f"/acme/shop/pull/7/files/{huge.changed.pk}/diff")

    assert response.status_code == 404
    assert b"zzzz" not in response.content
