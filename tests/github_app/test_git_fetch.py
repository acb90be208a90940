"""A PR's content read with git's smart HTTP (github_app.git_fetch): a constant number of
requests whatever its size, the same snapshot as the REST path, and the token kept to GitHub."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from findings.engine.local_git import snapshot_from_local_git
from github_app.client import GitHubClient, fetch_snapshot
from github_app.git_fetch import GitFetchError, checked_clone_url

FULL_NAME = "octo-org/payments"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Mona",
    "GIT_AUTHOR_EMAIL": "mona@example.com",
    "GIT_COMMITTER_NAME": "Mona",
    "GIT_COMMITTER_EMAIL": "mona@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
    "PATH": "/usr/bin:/bin",
}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, env=GIT_ENV, timeout=60
    ).stdout.decode()


def _commit_all(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


def _repository(tmp_path: Path, files: int, *, base_moves: int = 0) -> tuple[Path, str]:
    """main with a policy and a module; feature: `files` new modules over two commits, a rename,
    a binary, an edit; then `base_moves` further commits on main (the merge base falls behind)."""
    repo = tmp_path / "payments"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    (repo / ".reviewbench.yml").write_text("tier: 2\n")
    (repo / "util.py").write_text("def helper():\n    return 1\n" + "# pad\n" * 12)
    (repo / "old_name.py").write_text("VALUE = 1\n")
    _commit_all(repo, "Initial import")
    _git(repo, "checkout", "-q", "-b", "feature")
    _git(repo, "mv", "old_name.py", "new_name.py")
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    for i in range(files // 2):
        (repo / "pkg").mkdir(exist_ok=True)
        (repo / "pkg" / f"mod_{i:04}.py").write_text(f"def f_{i}(x):\n    return x + {i}\n")
    _commit_all(repo, "Add the first half\n\nCo-authored-by: Copilot <copilot@github.com>")
    for i in range(files // 2, files):
        (repo / "pkg" / f"mod_{i:04}.py").write_text(f"def f_{i}(x):\n    return x * {i}\n")
    (repo / "util.py").write_text((repo / "util.py").read_text().replace("return 1", "return 2"))
    (repo / ".reviewbench.yml").write_text("tier: 0\n")  # the PR must not weaken its own policy
    head = _commit_all(repo, "Add the second half")
    _git(repo, "checkout", "-q", "main")
    for i in range(base_moves):
        (repo / f"base_{i}.txt").write_text(f"{i}\n")
        _commit_all(repo, f"Base moves on {i}")
    _git(repo, "checkout", "-q", "feature")
    return repo, head


def _load(github, repo: Path, head: str) -> None:
    github.load_from_git(repo, FULL_NAME, 42, "main", head, title="Add modules", user="mona")


def _rest_requests(github) -> list[str]:
    return sorted(f"{r.method} {r.path}" for r in github.api_requests())


def test_content_comes_through_git_in_a_constant_number_of_requests(github, tmp_path):
    counts = {}
    for files in (4, 120):
        repo, head = _repository(tmp_path / str(files), files)
        _load(github, repo, head)
        github.requests.clear()
        client = GitHubClient.for_installation(7001)

        snapshot = client.fetch_snapshot(full_name=FULL_NAME, number=42)

        assert client.read_with_git
        assert len(snapshot.files) == files + 4  # the modules, a rename, logo, util, policy
        counts[files] = (_rest_requests(github), len(github.git_requests()))
    # REST: the PR and its commit list, nothing per file or per commit.
    assert (
        counts[4][0]
        == counts[120][0]
        == [
            "GET /repos/octo-org/payments/pulls/42",
            "GET /repos/octo-org/payments/pulls/42/commits",
        ]
    )
    assert counts[4][1] == counts[120][1] <= 8


def test_the_git_snapshot_is_what_local_git_reads_with_github_logins(github, tmp_path):
    repo, head = _repository(tmp_path, 10)
    _load(github, repo, head)

    snapshot = fetch_snapshot(installation_id=7001, full_name=FULL_NAME, number=42)
    local = snapshot_from_local_git(repo_path=repo, base="main", head="feature")

    assert snapshot.files == local.files
    assert snapshot.policy_text == "tier: 2\n"  # read at the base
    by_path = {f.path: f for f in snapshot.files}
    assert (by_path["new_name.py"].status, by_path["new_name.py"].previous_path) == (
        "renamed",
        "old_name.py",
    )
    assert by_path["logo.png"].is_binary and by_path["logo.png"].content is None
    assert by_path["pkg/mod_0001.py"].content == "def f_1(x):\n    return x + 1\n"
    assert [c.message.split("\n")[0] for c in snapshot.commits] == [
        "Add the first half",
        "Add the second half",
    ]
    assert [c.author_login for c in snapshot.commits] == ["mona", "mona"]  # GitHub's, not git's
    assert [c.files for c in snapshot.commits] == [c.files for c in local.commits]
    assert all(c.files_complete for c in snapshot.commits)
    assert snapshot.title == "Add modules"


def test_the_merge_base_is_found_when_the_base_moved_on(github, tmp_path):
    repo, head = _repository(tmp_path, 4, base_moves=30)
    _load(github, repo, head)

    snapshot = fetch_snapshot(installation_id=7001, full_name=FULL_NAME, number=42)

    # GitHub's PR diff is merge-base...head: the base's own later commits are not in it.
    assert not any(f.path.startswith("base_") for f in snapshot.files)
    assert len(snapshot.files) == 8


def test_git_gets_the_installation_token_in_a_header_only(github, tmp_path):
    repo, head = _repository(tmp_path, 2)
    _load(github, repo, head)

    fetch_snapshot(installation_id=7001, full_name=FULL_NAME, number=42)

    git_requests = github.git_requests()
    assert git_requests
    token = github.issued_tokens[-1]
    expected = "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()
    assert {r.headers.get("authorization") for r in git_requests} == {expected}
    assert all(token not in r.path for r in git_requests)
    assert all(r.path.startswith("/octo-org/payments.git/") for r in git_requests)


def test_when_git_cannot_read_the_repository_rest_does(github, tmp_path, caplog):
    repo, head = _repository(tmp_path, 2)
    _load(github, repo, head)
    reference = fetch_snapshot(installation_id=7001, full_name=FULL_NAME, number=42)
    github.fail_next("/octo-org/payments.git/*", status=503, times=100, message="Unavailable")
    github.requests.clear()
    client = GitHubClient.for_installation(7001)

    snapshot = client.fetch_snapshot(full_name=FULL_NAME, number=42)

    assert not client.read_with_git
    assert snapshot.files == reference.files
    assert snapshot.policy_text == reference.policy_text
    assert github.requests_to("GET", "/repos/octo-org/payments/git/blobs/")
    assert "github.git_fetch.failed" in caplog.text


def test_git_fetch_can_be_turned_off(github, tmp_path, settings):
    settings.REVIEWBENCH_GIT_FETCH = False
    repo, head = _repository(tmp_path, 2)
    _load(github, repo, head)
    client = GitHubClient.for_installation(7001)

    client.fetch_snapshot(full_name=FULL_NAME, number=42)

    assert not client.read_with_git
    assert not github.git_requests()


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/octo-org/payments.git",
        "http://github.com/octo-org/payments.git",
        "https://user@github.com/octo-org/payments.git",
        "https://github.com/octo-org/payments.git?x=1",
        "https://github.com/octo-org/payments",
        "",
    ],
)
def test_the_token_goes_only_to_the_configured_github_host(url):
    with pytest.raises(GitFetchError):
        checked_clone_url(url, web_url="https://github.com")


def test_a_clone_url_on_the_github_host_is_accepted():
    url = "https://github.com/octo-org/payments.git"
    assert checked_clone_url(url, web_url="https://github.com") == url


def test_a_clone_url_that_would_break_git_config_is_refused(tmp_path):
    from github_app.git_fetch import _Fetcher

    fetcher = _Fetcher(tmp_path, clone_url='https://github.com/o/r".git', token="t")
    with pytest.raises(GitFetchError, match="cannot hold"):
        fetcher.init()
