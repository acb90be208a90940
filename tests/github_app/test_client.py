from __future__ import annotations

import pytest

from findings.engine.diff import diff_texts
from github_app.client import (
    GitHubClient,
    GitHubError,
    TransientGitHubError,
    app_integration,
    fetch_snapshot,
    installation_token,
)
from tests.github_double import generate_app_key

BASE = "1" * 40
HEAD = "2" * 40
PR_PATH = "/repos/octo-org/payments/pulls/42"


def _pull_request(github, files, **extra):
    github.add_repository("octo-org/payments", github_id=880001)
    return github.add_pull_request(
        "octo-org/payments", 42, base_sha=BASE, head_sha=HEAD, files=files, **extra
    )


def _py(i: int) -> dict:
    return {
        "filename": f"pkg/mod_{i:03}.py",
        "status": "added",
        "patch": f"@@ -0,0 +1 @@\n+VALUE = {i}",
        "content": f"VALUE = {i}\n",
        "additions": 1,
    }


def test_snapshot_reads_pr_metadata_commits_and_head_contents(github):
    _pull_request(
        github,
        [_py(1)],
        title="Add refund endpoint",
        body="Generated with Claude Code",
        user="mona",
        labels=["ai-generated"],
        commits=[
            {"sha": "3" * 40, "message": "Add refund\n\nCo-authored-by: Claude", "login": "mona"}
        ],
        head_ref="refund",
    )

    snapshot = fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42)

    assert snapshot.repository_full_name == "octo-org/payments"
    assert (snapshot.number, snapshot.title, snapshot.body) == (
        42,
        "Add refund endpoint",
        "Generated with Claude Code",
    )
    assert (snapshot.base_sha, snapshot.head_sha) == (BASE, HEAD)
    assert (snapshot.base_ref, snapshot.head_ref) == ("main", "refund")
    assert snapshot.author_login == "mona"
    assert snapshot.labels == ("ai-generated",)
    assert snapshot.repository_github_id == 880001
    assert snapshot.html_url == f"{github.base_url}/octo-org/payments/pull/42"
    assert [(c.sha, c.message, c.author_login) for c in snapshot.commits] == [
        ("3" * 40, "Add refund\n\nCo-authored-by: Claude", "mona")
    ]
    [change] = snapshot.files
    assert (change.path, change.status, change.patch, change.content) == (
        "pkg/mod_001.py",
        "added",
        "@@ -0,0 +1 @@\n+VALUE = 1",
        "VALUE = 1\n",
    )
    assert change.is_binary is False
    assert snapshot.policy_text is None


def test_files_are_read_across_pages(github):
    _pull_request(github, [_py(i) for i in range(150)])

    snapshot = GitHubClient.for_installation(7001).fetch_snapshot(
        full_name="octo-org/payments", number=42
    )

    assert [f.path for f in snapshot.files] == [f"pkg/mod_{i:03}.py" for i in range(150)]
    assert [f.content for f in snapshot.files][149] == "VALUE = 149\n"
    pages = [r.query for r in github.requests_to("GET", f"{PR_PATH}/files")]
    assert pages == [{"per_page": ["100"]}, {"page": ["2"], "per_page": ["100"]}]


def test_missing_patch_is_rebuilt_from_base_and_head_contents(github):
    base_text = "".join(f"line {i}\n" for i in range(1, 40))
    head_text = base_text.replace("line 20\n", "line 20 changed\nextra\n")
    _pull_request(
        github,
        [
            {
                "filename": "big/module.py",
                "status": "modified",
                "patch": "@@ this is never sent @@",
                "content": head_text,
                "base_content": base_text,
            }
        ],
    )
    github.omit_patch(42, "big/module.py")

    snapshot = fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42)

    [change] = snapshot.files
    assert change.patch == diff_texts(base_text, head_text)
    assert "+line 20 changed\n+extra" in change.patch
    assert "-line 20\n" in change.patch
    assert change.content == head_text
    assert "rebuilt" in change.note
    [base_read] = github.requests_to("GET", "/repos/octo-org/payments/contents/big/module.py")
    assert base_read.query == {"ref": [BASE]}


def test_policy_is_read_from_the_base_sha_never_the_head(github):
    _pull_request(github, [_py(1)])
    github.set_file_at(BASE, ".reviewbench.yml", "tier: critical\n")
    github.set_file_at(HEAD, ".reviewbench.yml", "tier: low\n")

    snapshot = fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42)

    assert snapshot.policy_text == "tier: critical\n"
    policy_reads = github.requests_to("GET", "/repos/octo-org/payments/contents/.reviewbench.yml")
    assert [r.query for r in policy_reads] == [{"ref": [BASE]}]


def test_binary_file_has_no_content_and_a_note(github):
    _pull_request(
        github,
        [{"filename": "logo.png", "status": "added", "patch": None, "content": b"\x89PNG\x00\x01"}],
    )

    [change] = fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42).files

    assert change.content is None
    assert change.is_binary is True
    assert change.patch is None
    assert change.note == "Not scanned: binary (NUL bytes and no byte-order mark)."


def test_502_is_a_transient_error(github):
    _pull_request(github, [_py(1)])
    github.fail_next(PR_PATH, status=502)

    with pytest.raises(TransientGitHubError, match="502"):
        fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42)


def test_secondary_rate_limit_403_is_transient_and_other_4xx_are_not(github):
    _pull_request(github, [_py(1)])
    github.fail_next(
        PR_PATH,
        status=403,
        message="You have exceeded a secondary rate limit. Please wait a few minutes.",
        headers={"Retry-After": "60"},
    )
    github.fail_next(PR_PATH, status=403, message="Resource not accessible by integration")

    with pytest.raises(TransientGitHubError):
        fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42)
    with pytest.raises(GitHubError) as refused:
        fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42)

    assert not isinstance(refused.value, TransientGitHubError)
    assert str(refused.value) == (
        "GitHub answered 403 while reading pull request #42: Resource not accessible by integration"
    )


def test_missing_pull_request_is_a_permanent_error(github):
    github.add_repository("octo-org/payments")

    with pytest.raises(GitHubError) as missing:
        fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=404)

    assert not isinstance(missing.value, TransientGitHubError)
    assert "404" in str(missing.value)


def test_slow_github_times_out_as_a_transient_error(github, settings):
    settings.GITHUB_HTTP_TIMEOUT = 1
    _pull_request(github, [_py(1)])
    github.fail_next(PR_PATH, status=200, delay=2.5)

    with pytest.raises(TransientGitHubError, match="Could not reach GitHub"):
        fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42)


def test_every_requester_carries_the_timeout_and_no_hidden_retry(github, settings):
    settings.GITHUB_HTTP_TIMEOUT = 7

    client = GitHubClient.for_installation(7001)
    integration = app_integration()

    assert client.requester.kwargs["timeout"] == 7
    assert client.requester.kwargs["retry"] is None
    assert client.requester.kwargs["base_url"] == github.base_url
    assert integration.requester.kwargs["timeout"] == 7
    assert integration.requester.kwargs["retry"] is None


def test_token_is_minted_with_an_rs256_app_jwt(github):
    token = installation_token(7001)

    [mint] = github.requests
    assert (mint.method, mint.path) == ("POST", "/app/installations/7001/access_tokens")
    assert mint.headers["authorization"].startswith("Bearer ")
    assert token in github.issued_tokens


def test_jwt_signed_by_another_key_is_refused(github, settings):
    settings.GITHUB_PRIVATE_KEY, _ = generate_app_key()

    with pytest.raises(GitHubError, match="401"):
        installation_token(7001)

    assert github.issued_tokens == []


def test_repository_name_that_is_not_owner_slash_name_is_refused_before_any_request(github):
    with pytest.raises(GitHubError, match="not a valid"):
        GitHubClient(token="unused").fetch_snapshot(full_name="octo-org/../../admin", number=1)

    assert github.requests == []


def test_utf16_and_latin1_source_is_decoded_and_its_patch_rebuilt(github):
    # given GitHub shows the UTF-16 file as binary (no patch) and the Latin-1 one with a patch
    java = 'class A {\n    String s = "Prüfung";\n}\n'
    python = "# coding: latin-1\nNAME = 'café'\n"
    _pull_request(
        github,
        [
            {
                "filename": "src/A.java",
                "status": "added",
                "patch": None,
                "content": b"\xff\xfe" + java.encode("utf-16-le"),
            },
            {
                "filename": "app/names.py",
                "status": "added",
                "patch": "@@ -0,0 +1,2 @@\n+# coding: latin-1\n+NAME = 'caf\ufffd'",
                "content": python.encode("latin-1"),
            },
        ],
    )

    files = fetch_snapshot(installation_id=7001, full_name="octo-org/payments", number=42).files

    by_path = {change.path: change for change in files}
    assert by_path["src/A.java"].is_binary is False
    assert by_path["src/A.java"].content == java
    assert by_path["src/A.java"].patch == diff_texts("", java)
    assert "utf-16-le" in by_path["src/A.java"].note
    assert by_path["app/names.py"].content == python
    assert by_path["app/names.py"].note == "Read as iso-8859-1 (its coding declaration)."
