"""A pull request's content read with git over HTTPS, in a constant number of requests.

The REST API reads a PR's content one request per file (`git/blobs`), and GitHub's list of a PR's
files stops at 3,000. git's smart HTTP protocol reads it all in a few round trips, whatever the
size, and does not draw on the installation's REST budget:

1. a partial, shallow fetch of the base and head commits (`--filter=blob:none`: commits and trees
   only), deepened until their merge base is in it (GitHub's PR diff is merge-base...head);
2. one fetch of exactly the blobs the analysis reads, named by id (what git's own lazy fetch of a
   partial clone asks for): the changed files on both sides, each commit's changes, the policy.

The installation token goes in an `Authorization` header through git's environment (never in a
URL, an argument or a file), and only to the host of the configured GitHub API.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from findings.engine.local_git import (
    GIT_TIMEOUT_SECONDS,
    MAX_COMMITS,
    POLICY_FILE,
    GitRepository,
    LocalGitError,
    merge_base_of,
)

FETCH_TIMEOUT_SECONDS = 300
# How far back the base is deepened to find the merge base, beyond the PR's own commits.
DEEPEN_STEPS = (0, 200, 2000)
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_NULL_ID = re.compile(r"0+")
# Commits and trees only (blobs are fetched by id), nothing written outside the object store.
_FETCH = (
    "fetch",
    "--quiet",
    "--no-tags",
    "--no-write-fetch-head",
    "--recurse-submodules=no",
    "--filter=blob:none",
)


class GitFetchError(RuntimeError):
    """The PR could not be read with git; the message says why (the token never appears)."""


def checked_clone_url(clone_url: str, *, web_url: str) -> str:
    """`clone_url` as GitHub gave it, if it is a repository on the configured GitHub host (the
    only place the token may go); else GitFetchError."""
    parts, web = urlsplit(clone_url or ""), urlsplit(web_url)
    if (parts.scheme, parts.netloc.lower()) != (web.scheme, web.netloc.lower()):
        raise GitFetchError("the repository's clone URL is not on the GitHub host ReviewBench uses")
    if parts.scheme != "https" and web.hostname not in ("127.0.0.1", "localhost"):
        raise GitFetchError("the repository's clone URL is not https")
    if not parts.path.endswith(".git") or parts.query or parts.fragment or "@" in parts.netloc:
        raise GitFetchError("the repository's clone URL is not a plain repository URL")
    return clone_url


class _Fetcher:
    def __init__(self, directory: Path, *, clone_url: str, token: str) -> None:
        self.directory = directory
        header = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        config = {
            f"http.{clone_url}.extraHeader": f"Authorization: Basic {header}",
            "protocol.version": "2",
            "gc.auto": "0",
            "fetch.negotiationAlgorithm": "noop",
            "http.lowSpeedLimit": "1000",
            "http.lowSpeedTime": "60",
            "core.askPass": "",
            "credential.helper": "",
        }
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(directory),  # no user configuration, no credential store
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "LC_ALL": "C",
            "GIT_CONFIG_COUNT": str(len(config)),
        }
        for index, (key, value) in enumerate(config.items()):
            self.env[f"GIT_CONFIG_KEY_{index}"] = key
            self.env[f"GIT_CONFIG_VALUE_{index}"] = value
        self.clone_url = clone_url
        self._token = token

    def run(self, *args: str, stdin: bytes | None = None, timeout: float = GIT_TIMEOUT_SECONDS):
        command = ["git", "-C", str(self.directory), *args]
        try:
            completed = subprocess.run(  # noqa: S603 - list arguments, fixed executable  # nosec B603
                command,
                input=stdin,
                env=self.env,
                capture_output=True,
                check=False,
                timeout=timeout,
            )
        except FileNotFoundError:
            raise GitFetchError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise GitFetchError(f"git {args[0]} took longer than {timeout:.0f} seconds") from None
        if completed.returncode != 0:
            lines = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1][:300] if lines else f"exit status {completed.returncode}"
            raise GitFetchError(f"git {args[0]} failed: {detail.replace(self._token, '***')}")
        return completed

    def init(self) -> None:
        self.run("init", "-q", "--bare")
        # The partial-clone remote, written in one go instead of a `git config` run per key; the
        # URL goes in quotes, so a quote, a backslash or a line break in it is refused.
        if any(char in self.clone_url for char in '"\\\n\r'):
            raise GitFetchError("the repository's clone URL has characters git config cannot hold")
        config = self.directory / "config"
        text = config.read_text().replace(
            "repositoryformatversion = 0", "repositoryformatversion = 1"
        )
        config.write_text(
            text
            + '[remote "origin"]\n'
            + f'\turl = "{self.clone_url}"\n'
            + "\tpromisor = true\n"
            + "\tpartialclonefilter = blob:none\n"
            + "[extensions]\n"
            + "\tpartialClone = origin\n"
        )

    def fetch_commits(self, shas: Sequence[str], depth: int) -> None:
        self.run(
            *_FETCH,
            f"--depth={depth}",
            "origin",
            *shas,
            timeout=FETCH_TIMEOUT_SECONDS,
        )

    def fetch_objects(self, object_ids: Sequence[str]) -> None:
        if not object_ids:
            return
        self.run(
            *_FETCH,
            "--stdin",
            "origin",
            stdin="".join(f"{oid}\n" for oid in object_ids).encode(),
            timeout=FETCH_TIMEOUT_SECONDS,
        )


def _needed_blobs(fetcher: _Fetcher, *, base_sha: str, head_sha: str, merge_base: str) -> list[str]:
    """Ids of every blob the snapshot reads: both sides of each changed file of the PR and of
    each of its commits, and the base's policy file. Trees are local: no request is made."""
    wanted: set[str] = set()
    outputs = [
        fetcher.run(
            "diff", "--raw", "-z", "--no-renames", "--no-abbrev", merge_base, head_sha
        ).stdout,
        fetcher.run(
            "log",
            "--raw",
            "-z",
            "--no-renames",  # rename detection would read the blobs this is about to fetch
            "--no-abbrev",
            "--format=",
            "--diff-merges=first-parent",
            f"--max-count={MAX_COMMITS}",
            f"{base_sha}..{head_sha}",
        ).stdout,
    ]
    for raw in outputs:
        for field in raw.split(b"\x00"):
            if not field.startswith(b":"):
                continue
            meta = field[1:].decode("ascii", "replace").split(" ")
            if len(meta) != 5:
                continue
            old_mode, new_mode, old_id, new_id, _ = meta
            for mode, object_id in ((old_mode, old_id), (new_mode, new_id)):
                # Regular files and links only: a submodule's id names another repository's commit.
                if mode.startswith(("10", "12")) and not _NULL_ID.fullmatch(object_id):
                    wanted.add(object_id)
    policy = fetcher.run("ls-tree", "-z", base_sha, "--", POLICY_FILE).stdout
    for entry in policy.split(b"\x00"):
        meta = entry.partition(b"\t")[0].decode("ascii", "replace").split(" ")
        if len(meta) == 3 and meta[1] == "blob":
            wanted.add(meta[2])
    return sorted(oid for oid in wanted if _OBJECT_ID.fullmatch(oid))


@contextmanager
def fetched_pull_request(
    *,
    clone_url: str,
    token: str,
    base_sha: str,
    head_sha: str,
    commit_count: int,
) -> Iterator[tuple[GitRepository, str]]:
    """A temporary partial clone holding what the analysis reads of base...head, and the merge
    base; deleted on exit. GitFetchError when git cannot read it."""
    for sha in (base_sha, head_sha):
        if not _OBJECT_ID.fullmatch(sha):
            raise GitFetchError("a commit id from GitHub is not a git object id")
    with tempfile.TemporaryDirectory(prefix="reviewbench-git-") as tmp:
        directory = Path(tmp)
        fetcher = _Fetcher(directory, clone_url=clone_url, token=token)
        fetcher.init()
        merge_base = None
        depth = max(1, min(commit_count, MAX_COMMITS)) + 1
        for extra in DEEPEN_STEPS:
            fetcher.fetch_commits((base_sha, head_sha), depth + extra)
            try:
                merge_base = merge_base_of(GitRepository(directory), base_sha, head_sha)
            except LocalGitError as exc:
                raise GitFetchError(str(exc)) from None
            if merge_base is not None:
                break
        if merge_base is None:
            raise GitFetchError(
                f"no merge base within {depth + DEEPEN_STEPS[-1]} commits of the base"
            )
        fetcher.fetch_objects(
            _needed_blobs(fetcher, base_sha=base_sha, head_sha=head_sha, merge_base=merge_base)
        )
        try:
            yield GitRepository(directory), merge_base
        except LocalGitError as exc:
            raise GitFetchError(str(exc)) from None
