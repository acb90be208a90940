"""Snapshots from a real local git repository built in the test."""

from __future__ import annotations

import subprocess

import pytest

from findings.engine.analysis import analyze_snapshot
from findings.engine.diff import parse_patch
from findings.engine.local_git import LocalGitError, snapshot_from_local_git


def _git(repo, *args, env=None):
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, timeout=30, env=env
    ).stdout.decode()


@pytest.fixture
def repo(tmp_path, git_identity):
    """main: a module, a policy; feature: two commits with a rename, a binary and a new module."""
    path = tmp_path / "project"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "util.py").write_text("def helper():\n    return 1\n" + "# pad\n" * 20)
    (path / "old name.py").write_text("VALUE = 1\n")
    (path / ".reviewbench.yml").write_text("tier: 3\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Initial import")
    _git(path, "checkout", "-q", "-b", "feature")
    _git(path, "mv", "old name.py", "new name.py")
    (path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Rename the module and add a logo")
    (path / "run.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
    )
    util = (path / "util.py").read_text().replace("return 1", "return 2")
    (path / "util.py").write_text(util)
    # the PR tries to weaken its own policy: the snapshot must keep the base's
    (path / ".reviewbench.yml").write_text("tier: 0\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Add the runner\n\nWritten with Copilot.")
    return path


def test_snapshot_has_commits_files_and_the_base_policy(repo):
    # when
    snap = snapshot_from_local_git(repo_path=repo, base="main", head="feature", number=5)

    # then
    assert snap.number == 5
    assert snap.base_sha == _git(repo, "rev-parse", "main").strip()
    assert snap.head_sha == _git(repo, "rev-parse", "feature").strip()
    assert (snap.base_ref, snap.head_ref) == ("main", "feature")
    assert snap.title == "Rename the module and add a logo"
    assert snap.author_login == "ada"
    assert snap.policy_text == "tier: 3\n"
    assert [(c.message, c.author_name, c.author_email, c.author_login) for c in snap.commits] == [
        ("Rename the module and add a logo", "Ada Lovelace", "ada@example.com", "ada"),
        ("Add the runner\n\nWritten with Copilot.", "Ada Lovelace", "ada@example.com", "ada"),
    ]
    by_path = {f.path: f for f in snap.files}
    assert sorted(by_path) == [".reviewbench.yml", "logo.png", "new name.py", "run.py", "util.py"]

    renamed = by_path["new name.py"]
    assert (renamed.status, renamed.previous_path, renamed.patch) == ("renamed", "old name.py", "")
    assert renamed.content == "VALUE = 1\n"

    logo = by_path["logo.png"]
    assert (logo.status, logo.is_binary, logo.content, logo.patch) == ("added", True, None, None)

    run = by_path["run.py"]
    assert run.status == "added"
    assert (run.additions, run.deletions) == (5, 0)
    assert run.blob_sha == _git(repo, "rev-parse", "feature:run.py").strip()
    assert run.patch.startswith("@@ -0,0 +1,5 @@\n+import subprocess")
    assert not run.patch.endswith("\n")

    util = by_path["util.py"]
    assert util.status == "modified"
    (hunk,) = parse_patch(util.patch)
    assert [(line.number, line.text) for line in hunk.added] == [(2, "    return 2")]
    assert hunk.content.startswith("@@ -1,5 +1,5 @@")


def test_snapshot_runs_through_the_analysis(repo):
    snap = snapshot_from_local_git(repo_path=repo, base="main", head="feature")

    result = analyze_snapshot(snap)

    assert [(f.data.path, f.data.rule_id, f.data.line) for f in result.findings] == [
        ("run.py", "python-taint.command-injection", 5),
    ]


def test_title_and_login_can_be_given(repo):
    snap = snapshot_from_local_git(
        repo_path=repo,
        base="main",
        head="feature",
        title="Mine",
        author_login="octocat",
        labels=["ai"],
    )

    assert (snap.title, snap.author_login, snap.labels) == ("Mine", "octocat", ("ai",))
    assert {c.author_login for c in snap.commits} == {"octocat"}


def test_large_file_has_no_content_and_a_note(repo):
    (repo / "big.py").write_text("x = 1\n" * 200_000)
    _git(repo, "add", "big.py")
    _git(repo, "commit", "-q", "-m", "Big file")

    snap = snapshot_from_local_git(repo_path=repo, base="main", head="feature")

    big = {f.path: f for f in snap.files}["big.py"]
    assert (big.content, big.note) == (None, "File larger than 1024 KiB: content not scanned.")


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        ("nope", "feature", "'nope' does not name a commit in this repository"),
        ("--output=/tmp/x", "feature", "'--output=/tmp/x' is not a valid git ref"),
        ("main", "feature\nmain", "'feature\\nmain' is not a valid git ref"),
    ],
)
def test_bad_refs_raise_local_git_error(repo, base, head, message):
    with pytest.raises(LocalGitError) as excinfo:
        snapshot_from_local_git(repo_path=repo, base=base, head=head)

    assert str(excinfo.value) == message


def test_missing_repository_raises_local_git_error(tmp_path):
    with pytest.raises(LocalGitError) as excinfo:
        snapshot_from_local_git(repo_path=tmp_path / "absent", base="main", head="feature")
    assert str(excinfo.value) == f"{str(tmp_path / 'absent')!r} is not a directory"

    with pytest.raises(LocalGitError) as excinfo:
        snapshot_from_local_git(repo_path=tmp_path, base="main", head="feature")
    assert str(excinfo.value) == f"{str(tmp_path)!r} is not a git repository"


def test_repository_config_cannot_run_an_external_diff(repo, tmp_path):
    # given a repository whose own config names an external diff program
    marker = tmp_path / "pwned"
    _git(repo, "config", "diff.external", f"touch {marker}")

    # when
    snapshot_from_local_git(repo_path=repo, base="main", head="feature")

    # then
    assert not marker.exists()


def test_files_past_the_read_limit_are_listed_with_the_reason(tmp_path, git_identity, monkeypatch):
    from findings.engine import local_git

    monkeypatch.setattr(local_git, "MAX_FILES", 2)
    path = tmp_path / "many"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# many\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "init")
    _git(path, "checkout", "-q", "-b", "feature")
    for i in range(4):
        (path / f"m{i}.py").write_text(f"V = {i}\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Add four modules")

    snap = snapshot_from_local_git(repo_path=path, base="main", head="feature")

    assert [f.path for f in snap.files] == ["m0.py", "m1.py", "m2.py", "m3.py"]
    assert [f.content is not None for f in snap.files] == [True, True, False, False]
    assert snap.files[3].note.startswith("Not read: the pull request changes 4 files")
    result = analyze_snapshot(snap)
    assert [f.analysis for f in result.files] == ["analysed", "analysed"] + ["not_analysed"] * 2
