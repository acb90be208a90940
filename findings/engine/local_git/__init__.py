"""Build the snapshot GitHub would give for a pull request, from a local git repository, in a
constant number of git runs whatever the number of files (findings.engine.local_git.repository).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import re
from dataclasses import dataclass

from findings.engine.diff import DiffError, diff_texts, parse_unified_diff
from findings.engine.local_git.repository import (
    _DIFF_OPTIONS,
    _LOG_FORMAT,
    _OBJECT_ID,
    _STATUS,
    GIT_TIMEOUT_SECONDS,
    MAX_COMMIT_DIFF_BYTES,
    MAX_COMMIT_FILES,
    MAX_COMMITS,
    MAX_CONTENT_BYTES,
    MAX_REF_CHARS,
    POLICY_FILE,
    GitRepository,
    LocalGitError,
    _decode,
    _Objects,
    _stream_records,
)
from findings.engine.snapshot import CommitData, CommitFile, FileChange, PullRequestSnapshot

__all__ = [
    "GIT_TIMEOUT_SECONDS",
    "MAX_COMMITS",
    "MAX_COMMIT_DIFF_BYTES",
    "MAX_CONTENT_BYTES",
    "MAX_REF_CHARS",
    "POLICY_FILE",
    "GitRepository",
    "LocalGitError",
    "build_snapshot",
    "merge_base_of",
    "snapshot_files",
    "snapshot_from_local_git",
]

MAX_FILES = 3000  # files read with their content; past it a file is listed, not read
MAX_LISTED_FILES = 100_000  # files listed at all (a bound on memory)


@dataclass(frozen=True)
class _Change:
    """One entry of `git diff --raw`: what changed, with both sides' modes and object ids."""

    letter: str
    path: str
    previous: str
    old_mode: str
    new_mode: str
    old_id: str
    new_id: str


def _commits(
    git: GitRepository, base_sha: str, head_sha: str, author_login: str
) -> list[CommitData]:
    """The PR's commits, oldest first, each with what it changed against its first parent, as
    GitHub's commit endpoint gives it: from one `git log` for all of them."""
    args = [
        "-c",
        "log.showRoot=true",
        "log",
        *_DIFF_OPTIONS,
        "--reverse",
        f"--max-count={MAX_COMMITS}",
        "--diff-merges=first-parent",
        "--raw",
        "-z",
        "--no-abbrev",
        "-p",
        "-M",
        "-U3",
        _LOG_FORMAT,
        f"{base_sha}..{head_sha}",
    ]
    commits: list[CommitData] = []
    for record in _stream_records(git, args):
        sha_raw, name, email, _parents, message, patch, oversized = record
        sha = _decode(sha_raw)
        if not _OBJECT_ID.fullmatch(sha):
            raise LocalGitError("git log returned something that is not a commit id")
        email_text = _decode(email).strip()
        if oversized:
            files: tuple[CommitFile, ...] = ()
            complete = False
        else:
            files, complete = _commit_files(patch)
        commits.append(
            CommitData(
                sha=sha,
                message=_decode(message).rstrip("\n"),
                author_name=_decode(name).strip(),
                author_email=email_text,
                author_login=author_login or email_text.partition("@")[0],
                files=files,
                files_complete=complete,
            )
        )
    return commits


def _commit_files(raw: bytes) -> tuple[tuple[CommitFile, ...], bool]:
    """Per file a hunks-only patch (None for binary files); False when the list is incomplete.
    `raw` is one commit's `--raw -z` listing followed by its patch: the listing names each file,
    the patch is cut at its `diff --git` lines, in the same order."""
    start = _PATCH_START.search(raw)
    listing = raw if start is None else raw[: start.start()]
    patch = b"" if start is None else raw[start.start() :]
    changes = _raw_entries(listing)
    if not changes:
        return (), True  # an empty commit, or a merge identical to its first parent
    starts = [match.start() for match in _FILE_HEADER.finditer(patch)]
    if len(starts) != len(changes):
        return _commit_files_parsed(patch)
    bounds = [*starts, len(patch)]
    files = []
    for index, change in enumerate(changes[:MAX_COMMIT_FILES]):
        text = _decode(patch[bounds[index] : bounds[index + 1]])
        hunks = _hunks_only(text)
        binary = not hunks and ("\nBinary files " in text or "\nGIT binary patch" in text)
        files.append(
            CommitFile(
                path=change.path,
                status=_STATUS.get(change.letter, "modified"),
                patch=None if binary else hunks,
                previous_path=change.previous if change.letter == "R" else "",
            )
        )
    return tuple(files), len(changes) <= MAX_COMMIT_FILES


def _commit_files_parsed(patch: bytes) -> tuple[tuple[CommitFile, ...], bool]:
    """The same through unidiff, when the listing and the patch do not line up."""
    text = _decode(patch)
    try:
        diffs = parse_unified_diff(text)
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


def _changes(git: GitRepository, merge_base: str, head_sha: str) -> list[_Change]:
    """Every changed file of the PR's merge-base diff, with modes and object ids (one git run)."""
    raw = git.run(
        "diff", *_DIFF_OPTIONS, "--raw", "-z", "-M", "--no-abbrev", merge_base, head_sha
    ).stdout
    return _raw_entries(raw)[:MAX_LISTED_FILES]


def _raw_entries(raw: bytes) -> list[_Change]:
    """The entries of `--raw -z` output: `:modes ids status\0path\0[new path\0]` each."""
    fields = [field.lstrip(b"\n") for field in raw.split(b"\x00")]
    changes: list[_Change] = []
    index = 0
    while index < len(fields) and not fields[index]:
        index += 1  # `git log -z` ends the commit's header with a NUL of its own
    while index + 1 < len(fields) and fields[index].startswith(b":"):
        meta = _decode(fields[index][1:]).split(" ")
        if len(meta) != 5:
            raise LocalGitError("git diff --raw gave a line it could not read")
        old_mode, new_mode, old_id, new_id, status = meta
        letter = status[:1]
        if letter in ("R", "C"):
            previous, path = _decode(fields[index + 1]), _decode(fields[index + 2])
            index += 3
        else:
            previous, path = "", _decode(fields[index + 1])
            index += 2
        changes.append(_Change(letter, path, previous, old_mode, new_mode, old_id, new_id))
    return changes


def _numstat(
    git: GitRepository, merge_base: str, head_sha: str
) -> dict[str, tuple[int, int, bool]]:
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


_FILE_HEADER = re.compile(rb"^diff --git ", re.MULTILINE)
# In `log --raw -z -p` output the patch follows the listing's last NUL.
_PATCH_START = re.compile(rb"(?:^|(?<=\x00))diff --git ", re.MULTILINE)


def _patches(git: GitRepository, merge_base: str, head_sha: str, count: int) -> list[str] | None:
    """Each changed file's patch in GitHub's hunks-only form, from one `git diff`, in the order
    of `_changes`; None when the output cannot be lined up with it (then per-file diffs)."""
    raw = git.run("diff", *_DIFF_OPTIONS, "-U3", "-M", merge_base, head_sha).stdout
    starts = [match.start() for match in _FILE_HEADER.finditer(raw)]
    if len(starts) != count:
        return None
    bounds = [*starts, len(raw)]
    return [_hunks_only(_decode(raw[bounds[i] : bounds[i + 1]])) for i in range(count)]


def _hunks_only(text: str) -> str:
    # GitHub's `patch` is the hunks only: drop the diff --git/index/---/+++ header.
    start = text.find("\n@@ ")
    if text.startswith("@@ "):
        start = -1
    elif start == -1:
        return ""
    return text[start + 1 :].removesuffix("\n")


def _patch(git: GitRepository, merge_base: str, head_sha: str, paths: list[str]) -> str:
    raw = git.run("diff", *_DIFF_OPTIONS, "-U3", "-M", merge_base, head_sha, "--", *paths).stdout
    return _hunks_only(_decode(raw))


def _counted(patch: str) -> tuple[int, int]:
    lines = patch.splitlines()
    added = sum(1 for line in lines if line.startswith("+"))
    return added, sum(1 for line in lines if line.startswith("-"))


def _file_change(
    objects: _Objects,
    change: _Change,
    *,
    patch: str | None,
    stats: dict[str, tuple[int, int, bool]],
    head: tuple[str | None, bool, str] | None = None,
) -> FileChange:
    status = _STATUS.get(change.letter, "modified")
    path = change.path
    additions, deletions, numstat_binary = stats.get(path, (0, 0, False))
    blob_sha, is_binary, note = "", numstat_binary, ""
    content: str | None = None
    if status != "removed":
        blob_sha = change.new_id
        if change.new_mode == "160000":
            # Its id names a commit of another repository, not a blob here.
            patch = None
            note = (
                f"Submodule now at commit {change.new_id[:12]}: its code lives in another "
                "repository and was not scanned here; review that commit there."
            )
        elif change.new_mode == "120000":
            note = "Symbolic link: content not scanned."
        else:
            content, sniffed_binary, note = head or objects.text(change.new_id, path)
            if numstat_binary and not sniffed_binary and content is not None:
                # git calls UTF-16 and other NUL-bearing text binary; read as the language
                # reads it, the file is text: rebuild its diff from the two versions.
                is_binary = False
                base_text = ""
                if change.old_mode.startswith("10") and set(change.old_id) != {"0"}:
                    base_text = objects.text(change.old_id, change.previous or path)[0] or ""
                patch = diff_texts(base_text, content)
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
        previous_path=change.previous if change.letter == "R" else "",
        blob_sha=blob_sha,
        additions=additions,
        deletions=deletions,
        content=content,
        is_binary=is_binary,
        note=note,
    )


def _listed_only(change: _Change, *, total: int) -> FileChange:
    """A file past MAX_FILES: in the list with why it was not read, never left out."""
    return FileChange(
        path=change.path,
        status=_STATUS.get(change.letter, "modified"),
        patch=None,
        previous_path=change.previous if change.letter == "R" else "",
        blob_sha=change.new_id if change.letter != "D" else "",
        note=(
            f"Not read: the pull request changes {total:,} files; the first {MAX_FILES:,} "
            "(GitHub's own limit for a pull request's file list) are read and analysed."
        ),
    )


def _policy_text(objects: _Objects, base_sha: str) -> str | None:
    name = f"{base_sha}:{POLICY_FILE}"
    answer = objects.info(name)
    if answer is None or answer[0] != "blob":
        return None
    content, is_binary, _ = objects.text(name, POLICY_FILE)
    return None if is_binary else content


def _stats_and_patches(
    git: GitRepository, merge_base: str, head_sha: str, count: int
) -> tuple[dict[str, tuple[int, int, bool]], list[str] | None]:
    stats = _numstat(git, merge_base, head_sha)
    return stats, (_patches(git, merge_base, head_sha, count) if count else [])


def snapshot_files(
    git: GitRepository, *, merge_base: str, head_sha: str
) -> tuple[tuple[FileChange, ...], _Objects]:
    """The PR's changed files (a constant number of git runs, whatever their count)."""
    changes = _changes(git, merge_base, head_sha)
    # The counts and the patches (two git diffs) are read while the blobs are (cat-file): each
    # thread mostly waits on its own process.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        diffing = pool.submit(_stats_and_patches, git, merge_base, head_sha, len(changes))
        objects = _Objects(git)
        try:
            read = [
                change
                for change in changes[:MAX_FILES]
                if change.letter != "D"
                and change.new_mode.startswith("10")  # files, not links
                and change.new_mode != "120000"
            ]
            heads = dict(
                zip(
                    ((c.new_id, c.path) for c in read),
                    objects.texts([(c.new_id, c.path) for c in read]),
                    strict=True,
                )
            )
            stats, patches = diffing.result()
        except BaseException:
            objects.__exit__(None, None, None)
            raise
    try:
        files = []
        for index, change in enumerate(changes):
            if index >= MAX_FILES:
                files.append(_listed_only(change, total=len(changes)))
                continue
            if patches is not None:
                patch = patches[index]
            else:
                paths = [change.previous, change.path] if change.letter == "R" else [change.path]
                patch = _patch(git, merge_base, head_sha, paths)
            head = heads.get((change.new_id, change.path))
            files.append(_file_change(objects, change, patch=patch, stats=stats, head=head))
    except BaseException:
        objects.__exit__(None, None, None)
        raise
    return tuple(files), objects


def merge_base_of(git: GitRepository, base_sha: str, head_sha: str) -> str | None:
    completed = git.run("merge-base", base_sha, head_sha, check=False)
    merge_base = _decode(completed.stdout).strip()
    if completed.returncode != 0 or not _OBJECT_ID.fullmatch(merge_base):
        return None
    return merge_base


def build_snapshot(
    git: GitRepository,
    *,
    base_sha: str,
    head_sha: str,
    merge_base: str,
    commit_logins: dict[str, str] | None = None,
    author_login: str = "",
) -> tuple[tuple[CommitData, ...], tuple[FileChange, ...], str | None]:
    """(commits, files, base policy text) of a PR whose objects are all in `git`. GitHub logins
    of commit authors come from `commit_logins` when the caller knows them."""
    # The commits' log and the files' diff are two git processes: run them side by side (each
    # thread mostly waits on its process), not one after the other.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        reading = pool.submit(_commits, git, base_sha, head_sha, author_login)
        files, objects = snapshot_files(git, merge_base=merge_base, head_sha=head_sha)
        try:
            commits = reading.result()
        except BaseException:
            objects.__exit__(None, None, None)
            raise
    if commit_logins:
        commits = [
            dataclasses.replace(c, author_login=commit_logins.get(c.sha, c.author_login))
            for c in commits
        ]
    with objects:
        policy_text = _policy_text(objects, base_sha)
    return tuple(commits), files, policy_text


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
    git = GitRepository(repo_path)
    base_sha = git.commit(base)
    head_sha = git.commit(head)
    merge_base = merge_base_of(git, base_sha, head_sha)
    if merge_base is None:
        raise LocalGitError(f"{base[:80]!r} and {head[:80]!r} have no common history")
    commits, files, policy_text = build_snapshot(
        git,
        base_sha=base_sha,
        head_sha=head_sha,
        merge_base=merge_base,
        author_login=author_login,
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
        commits=commits,
        files=files,
        policy_text=policy_text,
    )
