"""Build the snapshot GitHub would give for a pull request, from a local git repository.

git runs with list arguments only (never a shell), `--` before paths, literal pathspecs, no external
diff or textconv drivers (a repository's own config must not run programs), and a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from findings.engine.diff import DiffError, diff_texts, parse_unified_diff
from findings.engine.snapshot import CommitData, CommitFile, FileChange, PullRequestSnapshot
from findings.engine.textcodec import decode_source

GIT_TIMEOUT_SECONDS = 60
MAX_CONTENT_BYTES = 1024 * 1024
MAX_COMMITS = 250
MAX_FILES = 3000
MAX_COMMIT_FILES = 300  # what GitHub's commit endpoint gives on its first page
MAX_COMMIT_DIFF_BYTES = 20 * 1024 * 1024
MAX_REF_CHARS = 255
POLICY_FILE = ".reviewbench.yml"
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_STATUS = {
    "A": "added",
    "M": "modified",
    "D": "removed",
    "R": "renamed",
    "C": "added",
    "T": "modified",
}
# Options that keep a repository's config from running programs or changing the output's shape.
_SAFE_OPTIONS = (
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.quotePath=false",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
    "--literal-pathspecs",
)
_DIFF_OPTIONS = ("--no-color", "--no-ext-diff", "--no-textconv")


class LocalGitError(RuntimeError):
    """A local repository that cannot be read; the message says why."""


class _Git:
    def __init__(self, repo_path: str | os.PathLike[str]) -> None:
        path = Path(repo_path)
        if not path.is_dir():
            raise LocalGitError(f"{str(path)!r} is not a directory")
        self.path = path
        self.env = {
            **os.environ,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            "LC_ALL": "C",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        completed = self.run(
            "rev-parse", "--is-inside-work-tree", "--is-bare-repository", check=False
        )
        if completed.returncode != 0 or b"true" not in completed.stdout.split():
            raise LocalGitError(f"{str(path)!r} is not a git repository")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        command = ["git", *_SAFE_OPTIONS, *args]
        try:
            completed = subprocess.run(  # noqa: S603 - list arguments, fixed executable, no shell  # nosec B603
                command,
                cwd=self.path,
                env=self.env,
                capture_output=True,
                check=False,
                timeout=GIT_TIMEOUT_SECONDS,
            )
        except FileNotFoundError:
            raise LocalGitError("git is not installed") from None
        except subprocess.TimeoutExpired:
            raise LocalGitError(
                f"git {args[0]} took longer than {GIT_TIMEOUT_SECONDS} seconds"
            ) from None
        if check and completed.returncode != 0:
            message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = message[-1][:300] if message else f"exit status {completed.returncode}"
            raise LocalGitError(f"git {args[0]} failed: {detail}")
        return completed

    def text(self, *args: str) -> str:
        return self.run(*args).stdout.decode("utf-8", "replace").strip()

    def commit(self, ref: str) -> str:
        """The commit id a ref names, or LocalGitError."""
        if not ref or len(ref) > MAX_REF_CHARS or ref.startswith("-") or "\x00" in ref:
            raise LocalGitError(f"{ref[:80]!r} is not a valid git ref")
        if any(char in ref for char in "\r\n"):
            raise LocalGitError(f"{ref[:80]!r} is not a valid git ref")
        completed = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
        )
        sha = completed.stdout.decode("ascii", "replace").strip()
        if completed.returncode != 0 or not _OBJECT_ID.fullmatch(sha):
            raise LocalGitError(f"{ref[:80]!r} does not name a commit in this repository")
        return sha


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _commits(git: _Git, base_sha: str, head_sha: str, author_login: str) -> list[CommitData]:
    listing = git.text(
        "rev-list", "--reverse", f"--max-count={MAX_COMMITS}", f"{base_sha}..{head_sha}"
    )
    commits: list[CommitData] = []
    for sha in listing.split():
        if not _OBJECT_ID.fullmatch(sha):
            raise LocalGitError("git rev-list returned something that is not a commit id")
        raw = git.run("show", "-s", "--no-color", "--format=%an%x00%ae%x00%P%x00%B", sha).stdout
        name, _, rest = raw.partition(b"\x00")
        email, _, rest = rest.partition(b"\x00")
        parents, _, message = rest.partition(b"\x00")
        email_text = _decode(email).strip()
        first_parent = next(iter(_decode(parents).split()), "")
        files, files_complete = _commit_files(git, sha, first_parent)
        commits.append(
            CommitData(
                sha=sha,
                message=_decode(message).rstrip("\n"),
                author_name=_decode(name).strip(),
                author_email=email_text,
                author_login=author_login or email_text.partition("@")[0],
                files=files,
                files_complete=files_complete,
            )
        )
    return commits


def _commit_files(git: _Git, sha: str, parent: str) -> tuple[tuple[CommitFile, ...], bool]:
    """What one commit changed against its first parent, as GitHub's commit endpoint gives it:
    per file a hunks-only patch (None for binary files). False when the list is cut short."""
    if parent and not _OBJECT_ID.fullmatch(parent):
        raise LocalGitError("git show returned a parent that is not a commit id")
    revisions = (parent, sha) if parent else ("--root", sha)
    raw = git.run(
        "diff-tree", *_DIFF_OPTIONS, "--no-commit-id", "-r", "-p", "-M", "-U3", *revisions
    ).stdout
    if len(raw) > MAX_COMMIT_DIFF_BYTES:
        return (), False
    try:
        diffs = parse_unified_diff(_decode(raw))
    except DiffError:
        return (), False
    files = tuple(
        CommitFile(
            path=diff.path,
            status=diff.status,
            patch=None if diff.is_binary else "\n".join(hunk.content for hunk in diff.hunks),
            previous_path=diff.previous_path,
        )
        for diff in diffs[:MAX_COMMIT_FILES]
    )
    return files, len(diffs) <= MAX_COMMIT_FILES


def _listing(git: _Git, merge_base: str, head_sha: str) -> list[tuple[str, str, str]]:
    """(status letter, path, previous path) per changed file, like a PR's merge-base diff."""
    raw = git.run("diff", *_DIFF_OPTIONS, "--name-status", "-z", "-M", merge_base, head_sha).stdout
    fields = [_decode(field) for field in raw.split(b"\x00")]
    entries: list[tuple[str, str, str]] = []
    index = 0
    while index < len(fields) and fields[index]:
        letter = fields[index][:1]
        if letter in ("R", "C"):
            previous, path = fields[index + 1], fields[index + 2]
            index += 3
        else:
            previous, path = "", fields[index + 1]
            index += 2
        entries.append((letter, path, previous))
    return entries[:MAX_FILES]


def _numstat(git: _Git, merge_base: str, head_sha: str) -> dict[str, tuple[int, int, bool]]:
    raw = git.run("diff", *_DIFF_OPTIONS, "--numstat", "-z", "-M", merge_base, head_sha).stdout
    fields = raw.split(b"\x00")
    stats: dict[str, tuple[int, int, bool]] = {}
    index = 0
    while index < len(fields) and fields[index]:
        added, deleted, path = fields[index].split(b"\t", 2)
        if not path:  # a rename: the old and new paths follow as their own fields
            path = fields[index + 2]
            index += 3
        else:
            index += 1
        binary = added == b"-"
        stats[_decode(path)] = (
            0 if binary else int(added),
            0 if binary else int(deleted),
            binary,
        )
    return stats


def _patch(git: _Git, merge_base: str, head_sha: str, paths: list[str]) -> str:
    raw = git.run("diff", *_DIFF_OPTIONS, "-U3", "-M", merge_base, head_sha, "--", *paths).stdout
    text = _decode(raw)
    # GitHub's `patch` is the hunks only: drop the diff --git/index/---/+++ header.
    start = text.find("\n@@ ")
    if text.startswith("@@ "):
        start = -1
    elif start == -1:
        return ""
    return text[start + 1 :].removesuffix("\n")


def _tree_entry(git: _Git, commit: str, path: str) -> tuple[str, str, str] | None:
    """(mode, type, object id) of `path` at `commit`, or None when it is not there."""
    raw = git.run("ls-tree", "-z", "--full-tree", commit, "--", path).stdout
    for entry in raw.split(b"\x00"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        if _decode(name) != path:
            continue
        mode, object_type, object_id = _decode(meta).split(" ")
        return mode, object_type, object_id
    return None


def _blob(git: _Git, object_id: str) -> bytes:
    return git.run("cat-file", "blob", object_id).stdout


def _content(git: _Git, object_id: str, path: str) -> tuple[str | None, bool, str]:
    """(text, is_binary, note) of a blob, bounded like GitHub's contents API."""
    size = int(git.text("cat-file", "-s", object_id) or 0)
    if size > MAX_CONTENT_BYTES:
        return (
            None,
            False,
            f"File larger than {MAX_CONTENT_BYTES // 1024} KiB: content not scanned.",
        )
    decoded = decode_source(_blob(git, object_id), path)
    return decoded.text, decoded.is_binary, decoded.note


def _base_text(git: _Git, merge_base: str, path: str) -> str:
    entry = _tree_entry(git, merge_base, path)
    if entry is None or entry[1] != "blob":
        return ""
    text, _, _ = _content(git, entry[2], path)
    return text or ""


def _counted(patch: str) -> tuple[int, int]:
    lines = patch.splitlines()
    added = sum(1 for line in lines if line.startswith("+"))
    return added, sum(1 for line in lines if line.startswith("-"))


def _file_change(
    git: _Git,
    *,
    letter: str,
    path: str,
    previous: str,
    merge_base: str,
    head_sha: str,
    stats: dict[str, tuple[int, int, bool]],
) -> FileChange:
    status = _STATUS.get(letter, "modified")
    additions, deletions, numstat_binary = stats.get(path, (0, 0, False))
    patch_paths = [previous, path] if previous and letter == "R" else [path]
    patch: str | None = _patch(git, merge_base, head_sha, patch_paths)
    blob_sha, is_binary, note = "", numstat_binary, ""
    content: str | None = None
    if status != "removed":
        entry = _tree_entry(git, head_sha, path)
        if entry is None:
            note = "File not found at the head commit."
        else:
            mode, object_type, object_id = entry
            blob_sha = object_id
            if object_type != "blob":
                note = "Submodule: content not scanned."
            elif mode == "120000":
                note = "Symbolic link: content not scanned."
            else:
                content, sniffed_binary, note = _content(git, object_id, path)
                if numstat_binary and not sniffed_binary and content is not None:
                    # git calls UTF-16 and other NUL-bearing text binary; read as the language
                    # reads it, the file is text: rebuild its diff from the two versions.
                    is_binary = False
                    patch = diff_texts(_base_text(git, merge_base, previous or path), content)
                    additions, deletions = _counted(patch)
                else:
                    is_binary = is_binary or sniffed_binary
    if is_binary:
        content, patch = None, None
        note = note or "Binary file."
    return FileChange(
        path=path,
        status=status,
        patch=patch,
        previous_path=previous if letter == "R" else "",
        blob_sha=blob_sha,
        additions=additions,
        deletions=deletions,
        content=content,
        is_binary=is_binary,
        note=note,
    )


def _policy_text(git: _Git, base_sha: str) -> str | None:
    entry = _tree_entry(git, base_sha, POLICY_FILE)
    if entry is None or entry[1] != "blob":
        return None
    content, is_binary, _ = _content(git, entry[2], POLICY_FILE)
    return None if is_binary else content


def snapshot_from_local_git(
    *,
    repo_path: str | os.PathLike[str],
    base: str,
    head: str,
    number: int = 1,
    title: str | None = None,
    body: str = "",
    author_login: str = "",
    labels: tuple[str, ...] | list[str] = (),
) -> PullRequestSnapshot:
    """The snapshot GitHub would give for a PR from `base` to `head` in a local repository."""
    git = _Git(repo_path)
    base_sha = git.commit(base)
    head_sha = git.commit(head)
    completed = git.run("merge-base", base_sha, head_sha, check=False)
    merge_base = _decode(completed.stdout).strip()
    if completed.returncode != 0 or not _OBJECT_ID.fullmatch(merge_base):
        raise LocalGitError(f"{base[:80]!r} and {head[:80]!r} have no common history")

    commits = _commits(git, base_sha, head_sha, author_login)
    stats = _numstat(git, merge_base, head_sha)
    files = tuple(
        _file_change(
            git,
            letter=letter,
            path=path,
            previous=previous,
            merge_base=merge_base,
            head_sha=head_sha,
            stats=stats,
        )
        for letter, path, previous in _listing(git, merge_base, head_sha)
    )
    if title is None:
        title = commits[0].message.split("\n", 1)[0] if commits else head
    resolved = git.path.resolve()
    return PullRequestSnapshot(
        repository_full_name=f"local/{resolved.name}"[:200],
        number=number,
        title=title,
        body=body,
        author_login=author_login or (commits[0].author_login if commits else ""),
        base_ref=base,
        base_sha=base_sha,
        head_ref=head,
        head_sha=head_sha,
        labels=tuple(labels),
        commits=tuple(commits),
        files=files,
        policy_text=_policy_text(git, base_sha),
    )
