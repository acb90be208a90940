"""Plain data handed to the analysis core: what a pull request looks like at one head SHA.

Sources (the GitHub client in `github_app.client`, the local git reader in
`findings.engine.local_git`) build a `PullRequestSnapshot`; the pipeline never needs to know
where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CommitFile:
    """One file a single commit changed, diffed against the commit's first parent. `patch` is
    GitHub's hunks-only format, or None when GitHub omitted it (large or binary files)."""

    path: str
    status: str  # added | modified | removed | renamed
    patch: str | None
    previous_path: str = ""


@dataclass(frozen=True)
class CommitData:
    sha: str
    message: str
    author_name: str = ""
    author_email: str = ""
    author_login: str = ""
    files: tuple[CommitFile, ...] = ()
    # True when `files` lists every file the commit changed; a path missing from an incomplete
    # list may still have been changed by it, so provenance does not replay through it.
    files_complete: bool = False


@dataclass(frozen=True)
class FileChange:
    """One changed file. `patch` is the unified diff body (hunks only, GitHub's `patch` format);
    `content` is the file's full text at the head SHA, or None when removed, binary or too large."""

    path: str
    status: str  # added | modified | removed | renamed
    patch: str | None
    previous_path: str = ""
    blob_sha: str = ""
    additions: int = 0
    deletions: int = 0
    content: str | None = None
    is_binary: bool = False
    note: str = ""  # why content or patch is missing, in words a reviewer can read


@dataclass(frozen=True)
class PullRequestSnapshot:
    repository_full_name: str
    number: int
    title: str
    body: str
    author_login: str
    base_ref: str
    base_sha: str
    head_ref: str
    head_sha: str
    state: str = "open"
    draft: bool = False
    html_url: str = ""
    labels: tuple[str, ...] = ()
    commits: tuple[CommitData, ...] = ()
    files: tuple[FileChange, ...] = field(default_factory=tuple)
    policy_text: str | None = None  # .reviewbench.yml from the base branch, None when absent
    repository_github_id: int | None = None
