"""Hostile diffs through the whole analysis: the worker never crashes, and each file is shown on
the check run and the pull request page with what was done with it (issue 11)."""

from __future__ import annotations

import pytest

from findings.models import ChangedFile, PullRequest, Repository, Revision
from github_app.checks import pull_request_analyze
from github_app.models import CheckRun, Installation
from tests.github_app.conftest import BASE, HEAD

pytestmark = pytest.mark.django_db

FULL_NAME = "octo-org/payments"
LONG_LINE = "x = '" + "A" * (10 * 1024 * 1024) + "'"
FILES = [
    # NUL bytes in a source file
    {"filename": "app/nul.py", "status": "added", "patch": None, "content": b"x = 1\x00\x00\n"},
    # Trojan Source
    {"filename": "app/auth.py", "status": "added",
     "patch": "@@ -0,0 +1,2 @@\n+def ok():\n+    return 1  # \u202e } \u2066",
     "content": "def ok():\n    return 1  # \u202e } \u2066\n"},
    # paths GitHub would never send, and a name with a newline
    {"filename": "../../etc/passwd", "status": "added", "patch": "@@ -0,0 +1 @@\n+root",
     "content": "root\n"},
    {"filename": "/etc/shadow", "status": "added", "patch": "@@ -0,0 +1 @@\n+x", "content": "x\n"},
    {"filename": "app/evil\nname.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+x = 1",
     "content": "x = 1\n"},
    # a 10 MB single line
    {"filename": "app/huge.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+" + LONG_LINE,
     "content": LONG_LINE + "\n"},
    # a malformed hunk header
    {"filename": "app/broken.py", "status": "modified", "patch": "@@ -1,x +1,2 @@\n+a = 1",
     "content": "a = 1\n"},
    # a binary file, a rename without changes, a submodule bump
    {"filename": "static/logo.png", "status": "added", "patch": None,
     "content": b"\x89PNG\r\n\x1a\n\x00\x00"},
    {"filename": "app/new_name.py", "previous_filename": "app/old_name.py", "status": "renamed",
     "patch": None, "content": "VALUE = 1\n"},
    {"filename": "vendor/lib", "status": "modified",
     "patch": "@@ -1 +1 @@\n-Subproject commit " + "a" * 40 + "\n+Subproject commit " + "b" * 40,
     "sha": "b" * 40},
]  # fmt: skip


@pytest.fixture
def pull_request(github):
    github.add_repository(FULL_NAME, github_id=880001)
    github.add_pull_request(FULL_NAME, 42, base_sha=BASE, head_sha=HEAD, files=FILES)
    repository = Repository.objects.create(full_name=FULL_NAME, github_id=880001)
    installation = Installation.objects.create(github_id=7001, account_login="octo-org")
    installation.repositories.add(repository)
    return PullRequest.objects.create(repository=repository, number=42, head_sha=HEAD)


def test_hostile_files_are_analysed_or_explained_and_the_check_run_completes(
    github, pull_request, client, make_user
):
    revision = pull_request_analyze(
        pull_request=pull_request, installation=Installation.objects.get()
    )

    # the analysis finished and its check run is completed
    assert revision is not None and revision.status == Revision.Status.READY
    [run] = [r for r in github.check_runs.values() if r["head_sha"] == HEAD]
    assert run["status"] == "completed"
    assert CheckRun.objects.get(revision=revision).status == "completed"
    files = {f.path: f for f in ChangedFile.objects.filter(revision=revision)}
    rules = set(revision.findings.values_list("rule_id", flat=True))
    assert "trojan-source.bidi-control" in rules
    assert "reviewbench.unreadable-source" in rules  # the NUL-bearing Python file
    assert files["static/logo.png"].analysis == "not_applicable"
    assert "bandit.B613" not in rules  # the same characters, reported once

    # and every file is on the check run and the pull request page, with what was done with it
    summary = run["output"]["summary"]
    not_analysed = summary.split("### Files not analysed", 1)[1].split("###", 1)[0]
    plain = not_analysed.replace("\\", "")  # the summary escapes Markdown
    for path in ("app/nul.py", "../../etc/passwd", "/etc/shadow", "app/evil name.py",
                 "app/huge.py", "app/broken.py", "static/logo.png", "vendor/lib"):  # fmt: skip
        assert f"- {path}: " in plain, path
    reviewer = make_user("rita", "pw-rita-hostile")
    Installation.objects.get().members.add(reviewer)
    client.force_login(reviewer)
    page = client.get("/octo-org/payments/pull/42/")
    assert page.status_code == 200
    html = page.content.decode()
    for note in (
        "File name is not a valid repository path",
        "File is larger than 1 MiB",
        "bad hunk header",
        "Submodule now at commit bbbbbbbbbbbb",
        "NUL bytes and no byte-order mark",
        "Bidirectional control character in source",
    ):
        assert note in html, note
    assert "../../etc/passwd" in html and "vendor/lib" in html
