"""The GitHub REST client (PyGithub): App auth, installation tokens, PR snapshots and check runs.

The worker mints installation tokens itself; nothing secret goes on the broker. Every request has
settings.GITHUB_HTTP_TIMEOUT and PyGithub's own retry is off: Celery retries transient errors.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import logging
import math
import re
import time
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import requests
import urllib3
from django.conf import settings
from github import Auth, Github, GithubException, GithubIntegration
from github.File import File
from github.GithubException import RateLimitExceededException
from github.Requester import Requester

from findings.engine.diff import diff_texts
from findings.engine.languages import language_for_path
from findings.engine.local_git import build_snapshot
from findings.engine.snapshot import CommitData, CommitFile, FileChange, PullRequestSnapshot
from findings.engine.textcodec import decode_source
from github_app.git_fetch import GitFetchError, checked_clone_url, fetched_pull_request

logger = logging.getLogger(__name__)

POLICY_PATH = ".reviewbench.yml"
MAX_CONTENT_BYTES = 1024 * 1024  # larger files are listed but not scanned
MAX_POLICY_BYTES = 256 * 1024
MAX_FILES = 3000  # GitHub's own cap on pulls/N/files
MAX_COMMITS = 250  # GitHub's own cap on pulls/N/commits
MAX_COMMIT_FILES = 300  # one page of GET /repos/{o}/{r}/commits/{sha}
MAX_TITLE_CHARS = 1000
MAX_BODY_CHARS = 65_536
MAX_MESSAGE_CHARS = 16_384
MAX_LABELS = 100
PER_PAGE = 100

# Names and SHAs go into request URLs: accept only what GitHub itself allows.
_FULL_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class GitHubError(Exception):
    """GitHub refused a request for a reason retrying will not fix (4xx, bad data)."""


class TransientGitHubError(GitHubError):
    """GitHub or the network failed in a way worth retrying (5xx, 429, rate limits, timeouts).

    `retry_after` is how long GitHub asked to wait, in seconds, when it said (`Retry-After`, or a
    rate limit's reset time); `credentials` marks a 401, worth one retry with a fresh token."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, credentials: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.credentials = credentials


MAX_RETRY_AFTER_SECONDS = 3600.0


def _retry_after(headers: dict[str, str] | None) -> float | None:
    """Seconds GitHub asked to wait: `Retry-After`, else until `X-RateLimit-Reset` when no
    requests remain (GitHub's documented ways); capped at an hour."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    try:
        if "retry-after" in lowered:
            return min(max(float(lowered["retry-after"]), 0.0), MAX_RETRY_AFTER_SECONDS)
        if lowered.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in lowered:
            wait = float(lowered["x-ratelimit-reset"]) - time.time()
            return min(max(wait, 0.0), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return None
    return None


def _bounded(text: str | None, limit: int) -> str:
    return (text or "")[:limit]


def _error_message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, dict):
        message = data.get("message") or data.get("data") or ""
    else:
        message = data or ""
    return _bounded(str(message), 300)


def _is_secondary_rate_limit(exc: GithubException) -> bool:
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    message = _error_message(exc).lower()
    return (
        "retry-after" in headers
        or headers.get("x-ratelimit-remaining") == "0"
        or "rate limit" in message
    )


@contextlib.contextmanager
def github_errors(what: str) -> Iterator[None]:
    """Translate PyGithub and network failures into GitHubError / TransientGitHubError."""
    try:
        yield
    except RateLimitExceededException as exc:
        raise TransientGitHubError(
            f"GitHub rate limit while {what}", retry_after=_retry_after(exc.headers)
        ) from exc
    except GithubException as exc:
        status = exc.status
        message = _error_message(exc)
        if status >= 500 or status == 429 or (status == 403 and _is_secondary_rate_limit(exc)):
            raise TransientGitHubError(
                f"GitHub answered {status} while {what}: {message}",
                retry_after=_retry_after(exc.headers),
            ) from exc
        if status == 401:
            # An installation token that expired under a long analysis: a new run mints another.
            raise TransientGitHubError(
                f"GitHub answered 401 while {what}: {message}", credentials=True
            ) from exc
        raise GitHubError(f"GitHub answered {status} while {what}: {message}") from exc
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise TransientGitHubError(
            f"Could not reach GitHub while {what}: {type(exc).__name__}"
        ) from exc


def _private_key() -> str:
    key = settings.GITHUB_PRIVATE_KEY
    if not key and settings.GITHUB_PRIVATE_KEY_PATH:
        key = Path(settings.GITHUB_PRIVATE_KEY_PATH).read_text(encoding="utf-8")
    if not key or not settings.GITHUB_APP_ID:
        raise GitHubError("GITHUB_APP_ID and GITHUB_PRIVATE_KEY(_PATH) must be configured.")
    # Environment variables often carry the PEM with escaped newlines.
    return key.replace("\\n", "\n")


def _common_kwargs() -> dict[str, Any]:
    return {
        "base_url": settings.GITHUB_API_URL,
        # PyGithub asserts an int timeout; round up so a fractional setting never becomes 0.
        "timeout": max(1, math.ceil(settings.GITHUB_HTTP_TIMEOUT)),
        "retry": None,
        "per_page": PER_PAGE,
        "seconds_between_requests": None,
        "seconds_between_writes": None,
    }


def app_integration() -> GithubIntegration:
    """The App-level client (JWT auth) used to mint installation tokens."""
    auth = Auth.AppAuth(str(settings.GITHUB_APP_ID), _private_key())
    return GithubIntegration(auth=auth, **_common_kwargs())


def installation_token(installation_id: int) -> str:
    """Mint a short-lived installation access token (kept in the worker, never enqueued)."""
    with github_errors(f"minting a token for installation {installation_id}"):
        return app_integration().get_access_token(int(installation_id)).token


def _check_full_name(full_name: str) -> str:
    if not _FULL_NAME.fullmatch(full_name or "") or full_name.split("/")[1] in (".", ".."):
        raise GitHubError("Repository name is not a valid GitHub owner/name.")
    return full_name


def _check_sha(sha: str) -> str:
    if not _SHA.fullmatch(sha or ""):
        raise GitHubError("GitHub returned an invalid SHA.")
    return sha


def _safe_repo_path(path: str) -> bool:
    """Git paths never hold empty, '.' or '..' segments or control characters: refuse those."""
    if not path or len(path) > 4096 or path.startswith("/"):
        return False
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return False
    return all(segment not in ("", ".", "..") for segment in path.split("/"))


_SUBPROJECT = re.compile(r"^\+Subproject commit ([0-9a-f]{40}(?:[0-9a-f]{24})?)$", re.MULTILINE)


def _unsafe_path_checked(item: FileChange) -> FileChange:
    """A file whose name is not a valid repository path keeps its listing, not its content."""
    if _safe_repo_path(item.path) and (
        not item.previous_path or _safe_repo_path(item.previous_path)
    ):
        return item
    return FileChange(
        path=_bounded(item.path, 1024),
        status=item.status,
        patch=item.patch,
        previous_path=_bounded(item.previous_path, 1024),
        additions=item.additions,
        deletions=item.deletions,
        note="File name is not a valid repository path; not scanned.",
    )


def _submodule_commit(patch: str | None) -> str | None:
    """The commit a submodule now points at, when the patch is a submodule bump (the only
    lines it adds are `Subproject commit <sha>`), else None."""
    if not patch or "Subproject commit" not in patch:
        return None
    added = [line for line in patch.split("\n") if line.startswith("+")]
    match = _SUBPROJECT.search(patch)
    if match is None or len(added) != 1:
        return None
    return match.group(1)


class _Blob:
    """Decoded content of one blob: text, or why there is none."""

    def __init__(self, *, text: str | None, is_binary: bool = False, note: str = "") -> None:
        self.text = text
        self.is_binary = is_binary
        self.note = note


def _blob_from_payload(
    encoding: str | None, content: str | None, size: int | None, path: str
) -> _Blob:
    if size is not None and size > MAX_CONTENT_BYTES:
        return _Blob(text=None, note="File is larger than 1 MiB; its content was not scanned.")
    if encoding != "base64" or content is None:
        return _Blob(text=None, note="GitHub did not return this file's content.")
    try:
        raw = base64.b64decode(content)
    except (binascii.Error, ValueError):
        return _Blob(text=None, note="GitHub returned content that is not valid base64.")
    if len(raw) > MAX_CONTENT_BYTES:
        return _Blob(text=None, note="File is larger than 1 MiB; its content was not scanned.")
    # Decoded as the file's language reads it (coding declarations, byte-order marks).
    decoded = decode_source(raw, path)
    return _Blob(text=decoded.text, is_binary=decoded.is_binary, note=decoded.note)


_STATUS_MAP = {
    "added": "added",
    "copied": "added",
    "removed": "removed",
    "renamed": "renamed",
    "modified": "modified",
    "changed": "modified",
    "unchanged": "modified",
}


class GitHubClient:
    """A client for one installation, authenticated with a freshly minted installation token."""

    def __init__(self, *, token: str) -> None:
        # lazy: get_repo() builds the repository without a request of its own.
        self._gh = Github(auth=Auth.Token(token), lazy=True, **_common_kwargs())
        self._token = token
        self._blobs: dict[tuple[str, str], _Blob] = {}
        self.read_with_git = False  # whether the last snapshot's content came through git

    @classmethod
    def for_installation(cls, installation_id: int) -> GitHubClient:
        return cls(token=installation_token(installation_id))

    @property
    def requester(self) -> Requester:
        return self._gh.requester

    # --- snapshots ---------------------------------------------------------------------------

    def fetch_snapshot(self, *, full_name: str, number: int) -> PullRequestSnapshot:
        """Everything the analysis needs about PR `number` at its current head, as plain data."""
        _check_full_name(full_name)
        repo = self._gh.get_repo(full_name)
        with github_errors(f"reading pull request #{number}"):
            pr = repo.get_pull(int(number))
            base_sha = _check_sha(pr.base.sha)
            head_sha = _check_sha(pr.head.sha)
            commits: list[CommitData] = []
            for commit in pr.get_commits():
                if len(commits) >= MAX_COMMITS:
                    break
                commits.append(self._commit_data(commit))
            labels = tuple(_bounded(label.name, 100) for label in pr.labels[:MAX_LABELS])
            state = "merged" if pr.merged else pr.state
            repository_github_id = pr.base.repo.id if pr.base.repo is not None else None
            clone_url = pr.base.repo.clone_url if pr.base.repo is not None else ""

        content = self._content_with_git(
            clone_url=clone_url, base_sha=base_sha, head_sha=head_sha, commits=commits
        )
        if content is not None:
            commits, files, policy_text = content
        else:
            commits, files, policy_text = self._content_with_rest(
                repo, pr, base_sha=base_sha, commits=commits
            )
        return PullRequestSnapshot(
            repository_full_name=full_name,
            number=int(number),
            title=_bounded(pr.title, MAX_TITLE_CHARS),
            body=_bounded(pr.body, MAX_BODY_CHARS),
            author_login=_bounded(pr.user.login if pr.user else "", 255),
            base_ref=_bounded(pr.base.ref, 255),
            base_sha=base_sha,
            head_ref=_bounded(pr.head.ref, 255),
            head_sha=head_sha,
            state=state,
            draft=bool(pr.draft),
            html_url=_bounded(pr.html_url, 500),
            labels=labels,
            commits=tuple(commits),
            files=files,
            policy_text=policy_text,
            repository_github_id=repository_github_id,
        )

    def _content_with_git(
        self, *, clone_url: str, base_sha: str, head_sha: str, commits: list[CommitData]
    ) -> tuple[list[CommitData], tuple[FileChange, ...], str | None] | None:
        """(commits with their files, the PR's files, the base policy) read with git in a few
        requests (github_app.git_fetch); None when git cannot read them, and REST does."""
        self.read_with_git = False
        if not settings.REVIEWBENCH_GIT_FETCH:
            return None
        try:
            checked = checked_clone_url(clone_url, web_url=settings.GITHUB_URL)
            with fetched_pull_request(
                clone_url=checked,
                token=self._token,
                base_sha=base_sha,
                head_sha=head_sha,
                commit_count=len(commits),
            ) as (git, merge_base):
                git_commits, git_files, policy_text = build_snapshot(
                    git, base_sha=base_sha, head_sha=head_sha, merge_base=merge_base
                )
        except GitFetchError as exc:
            logger.warning("github.git_fetch.failed", extra={"error": str(exc)})
            return None
        by_sha = {commit.sha: commit for commit in git_commits}
        # GitHub's commit list has the logins; git has what each commit changed.
        merged = [
            dataclasses.replace(
                commit,
                files=by_sha[commit.sha].files,
                files_complete=by_sha[commit.sha].files_complete,
            )
            if commit.sha in by_sha
            else commit
            for commit in commits
        ]
        files = tuple(_unsafe_path_checked(item) for item in git_files)
        if policy_text is not None and len(policy_text.encode("utf-8")) > MAX_POLICY_BYTES:
            logger.warning("github.policy.unreadable", extra={"note": "larger than the limit"})
            policy_text = None
        self.read_with_git = True
        return merged, files, policy_text

    def _content_with_rest(
        self, repo: Any, pr: Any, *, base_sha: str, commits: list[CommitData]
    ) -> tuple[list[CommitData], tuple[FileChange, ...], str | None]:
        """The same through the REST API: a request per file and per commit."""
        with github_errors(f"reading the files of pull request #{pr.number}"):
            raw_files: list[File] = []
            for item in pr.get_files():
                if len(raw_files) >= MAX_FILES:
                    break
                raw_files.append(item)
        if len(commits) > 1:
            # One commit wrote every added line; only several need per-commit patches to attribute.
            commits = [self._with_files(repo, commit) for commit in commits]
        files = tuple(self._file_change(repo, item, base_sha=base_sha) for item in raw_files)
        return commits, files, self._policy_at(repo, base_sha)

    @staticmethod
    def _commit_data(item: Any) -> CommitData:
        author = item.commit.author
        return CommitData(
            sha=_bounded(item.sha, 64),
            message=_bounded(item.commit.message, MAX_MESSAGE_CHARS),
            author_name=_bounded(author.name if author else "", 255),
            author_email=_bounded(author.email if author else "", 255),
            author_login=_bounded(item.author.login if item.author else "", 255),
        )

    def _with_files(self, repo: Any, commit: CommitData) -> CommitData:
        """The commit with the files it changed (GET /repos/{o}/{r}/commits/{sha}), first page."""
        files: list[CommitFile] = []
        try:
            with github_errors(f"reading commit {commit.sha[:12]}"):
                for item in repo.get_commit(_check_sha(commit.sha)).files:
                    files.append(self._commit_file(item))
                    if len(files) >= MAX_COMMIT_FILES:
                        break
        except TransientGitHubError:
            raise
        except GitHubError as exc:
            # A commit gone after a force-push: provenance falls back to matching content.
            logger.warning(
                "github.commit.unreadable", extra={"sha": commit.sha[:12], "error": str(exc)}
            )
            return commit
        return dataclasses.replace(
            commit, files=tuple(files), files_complete=len(files) < MAX_COMMIT_FILES
        )

    @staticmethod
    def _commit_file(item: Any) -> CommitFile:
        patch = item.patch
        if patch is None and not item.changes:
            patch = ""  # a pure rename or mode change: no lines changed, nothing omitted
        return CommitFile(
            path=_bounded(item.filename, 1024),
            status=_STATUS_MAP.get(item.status, "modified"),
            patch=patch,
            previous_path=_bounded(item.previous_filename or "", 1024),
        )

    def _file_change(self, repo: Any, item: Any, *, base_sha: str) -> FileChange:
        path = item.filename
        status = _STATUS_MAP.get(item.status, "modified")
        previous_path = item.previous_filename or ""
        patch = item.patch
        notes: list[str] = []
        head = _Blob(text=None)
        if not _safe_repo_path(path) or (previous_path and not _safe_repo_path(previous_path)):
            return FileChange(
                path=_bounded(path, 1024),
                status=status,
                patch=patch,
                previous_path=_bounded(previous_path, 1024),
                additions=item.additions,
                deletions=item.deletions,
                note="File name is not a valid repository path; not scanned.",
            )
        submodule = _submodule_commit(patch)
        if submodule is not None:
            # A submodule bump: its `sha` names a commit of another repository, not a blob here.
            return FileChange(
                path=path,
                status=status,
                patch=None,
                previous_path=previous_path,
                additions=item.additions,
                deletions=item.deletions,
                note=(
                    f"Submodule now at commit {submodule[:12]}: its code lives in another "
                    "repository and was not scanned here; review that commit there."
                ),
            )
        if status != "removed" and item.sha:
            head = self._blob(repo, item.sha, path)
            if head.note:
                notes.append(head.note)
        if patch is None and status == "renamed" and not item.changes:
            patch = ""  # a pure rename: GitHub lists no patch, and no line changed
        if patch is None and not head.is_binary:
            patch = self._rebuild_patch(
                repo, status=status, path=previous_path or path, base_sha=base_sha, head=head
            )
            notes.append(
                "GitHub omitted this diff (too large); it was rebuilt from the file contents."
                if patch is not None
                else "GitHub omitted this diff and it could not be rebuilt; not scanned."
            )
        return FileChange(
            path=path,
            status=status,
            patch=patch,
            previous_path=previous_path,
            blob_sha=item.sha or "",
            additions=item.additions,
            deletions=item.deletions,
            content=head.text,
            is_binary=head.is_binary,
            note=" ".join(notes),
        )

    def _blob(self, repo: Any, sha: str, path: str) -> _Blob:
        _check_sha(sha)
        # Identical files (vendored copies, generated stubs) share a blob: fetch it once. Its
        # text depends on the language (a coding declaration counts only in Python).
        key = (sha, language_for_path(path) or "")
        if key not in self._blobs:
            with github_errors(f"reading blob {sha[:12]}"):
                blob = repo.get_git_blob(sha)
                self._blobs[key] = _blob_from_payload(blob.encoding, blob.content, blob.size, path)
        return self._blobs[key]

    def _content_at(self, repo: Any, path: str, ref: str) -> _Blob | None:
        """A file's content at `ref` through the contents API; None when absent there."""
        with github_errors(f"reading a file at {ref[:12]}"):
            try:
                item = repo.get_contents(path, ref=ref)
            except GithubException as exc:
                if exc.status == 404:
                    return None
                raise
            if isinstance(item, list):  # a directory at that path, not a file
                return None
            if item.size is not None and item.size > MAX_CONTENT_BYTES:
                return _Blob(text=None, note="File is larger than 1 MiB.")
            if item.encoding != "base64":
                # Files of 1-100 MB come back with encoding "none"; fetch the blob instead.
                return self._blob(repo, item.sha, path)
            return _blob_from_payload(item.encoding, item.content, item.size, path)

    def _rebuild_patch(
        self, repo: Any, *, status: str, path: str, base_sha: str, head: _Blob
    ) -> str | None:
        old_text = ""
        if status != "added":
            base = self._content_at(repo, path, base_sha)
            if base is None:
                old_text = ""
            elif base.text is None:
                return None
            else:
                old_text = base.text
        new_text = ""
        if status != "removed":
            if head.text is None:
                return None
            new_text = head.text
        return diff_texts(old_text, new_text)

    def _policy_at(self, repo: Any, base_sha: str) -> str | None:
        # Read from the BASE sha: a pull request must not be able to weaken its own review rules.
        blob = self._content_at(repo, POLICY_PATH, base_sha)
        if blob is None:
            return None
        if blob.text is None or len(blob.text.encode("utf-8")) > MAX_POLICY_BYTES:
            logger.warning("github.policy.unreadable", extra={"note": blob.note})
            return None
        return blob.text

    # --- check runs --------------------------------------------------------------------------

    @cached_property
    def _api(self) -> Requester:
        return self._gh.requester

    def create_check_run(
        self,
        *,
        full_name: str,
        head_sha: str,
        name: str,
        status: str,
        details_url: str = "",
        conclusion: str | None = None,
        output: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """POST a check run; returns GitHub's JSON (id, html_url, ...)."""
        body: dict[str, Any] = {"name": name, "head_sha": _check_sha(head_sha), "status": status}
        if details_url:
            body["details_url"] = details_url
        if conclusion:
            body["conclusion"] = conclusion
        if output is not None:
            body["output"] = output
        with github_errors("creating the check run"):
            _, data = self._api.requestJsonAndCheck(
                "POST", f"/repos/{_check_full_name(full_name)}/check-runs", input=body
            )
        return data

    def update_check_run(
        self,
        *,
        full_name: str,
        check_run_id: int,
        status: str | None = None,
        conclusion: str | None = None,
        details_url: str = "",
        output: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """PATCH a check run; annotations in `output` are appended by GitHub, not replaced."""
        body: dict[str, Any] = {}
        if status:
            body["status"] = status
        if conclusion:
            body["conclusion"] = conclusion
        if details_url:
            body["details_url"] = details_url
        if output is not None:
            body["output"] = output
        with github_errors("updating the check run"):
            _, data = self._api.requestJsonAndCheck(
                "PATCH",
                f"/repos/{_check_full_name(full_name)}/check-runs/{int(check_run_id)}",
                input=body,
            )
        return data


def fetch_snapshot(*, installation_id: int, full_name: str, number: int) -> PullRequestSnapshot:
    """Snapshot of PR `number` of `full_name`, read with a fresh installation token."""
    return GitHubClient.for_installation(installation_id).fetch_snapshot(
        full_name=full_name, number=number
    )


def create_check_run(*, installation_id: int, **kwargs: Any) -> dict[str, Any]:
    """Create a check run for one installation's repository."""
    return GitHubClient.for_installation(installation_id).create_check_run(**kwargs)


def update_check_run(*, installation_id: int, **kwargs: Any) -> dict[str, Any]:
    """Update a check run for one installation's repository."""
    return GitHubClient.for_installation(installation_id).update_check_run(**kwargs)
