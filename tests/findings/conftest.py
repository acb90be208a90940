"""Builders for the analysis tests: snapshots with real patches and contents."""

from __future__ import annotations

import pytest

from findings.engine.diff import diff_texts
from findings.engine.snapshot import CommitData, FileChange, PullRequestSnapshot

HEAD_1 = "1" * 40
HEAD_2 = "2" * 40
BASE = "b" * 40


@pytest.fixture
def git_identity(monkeypatch) -> None:
    """Commits made by the tests' git have a fixed author and ignore the machine's git config."""
    for name, value in {
        "GIT_AUTHOR_NAME": "Ada Lovelace",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Lovelace",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)


def file_change(path: str, old: str, new: str, *, blob_sha: str = "", **extra) -> FileChange:
    """A modified file whose patch is what GitHub would send for old → new."""
    fields = {
        "path": path,
        "status": "modified",
        "patch": diff_texts(old, new),
        "blob_sha": blob_sha,
        "content": new,
    }
    fields.update(extra)
    return FileChange(**fields)


def snapshot(*files: FileChange, head_sha: str = HEAD_1, number: int = 7, **extra):
    fields = {
        "repository_full_name": "octo/app",
        "number": number,
        "title": "Add the runner",
        "body": "Generated with Copilot",
        "author_login": "octocat",
        "base_ref": "main",
        "base_sha": BASE,
        "head_ref": "feature",
        "head_sha": head_sha,
        "commits": (
            CommitData(
                sha=head_sha,
                message="Add the runner\n\nCo-authored-by: bot",
                author_name="Octo Cat",
                author_email="octo@example.com",
                author_login="octocat",
            ),
        ),
        "files": tuple(files),
        "policy_text": "tier: 2\n",
    }
    fields.update(extra)
    return PullRequestSnapshot(**fields)


@pytest.fixture
def counting_bandit(monkeypatch):
    """Counts the files bandit really scans (the scanner itself still runs)."""
    from findings.engine.scanners.bandit_scanner import BanditScanner

    scanned: list[str] = []
    original = BanditScanner.scan

    def scan(self, files):
        scanned.extend(source.path for source in files)
        return original(self, files)

    monkeypatch.setattr(BanditScanner, "scan", scan)
    return scanned
