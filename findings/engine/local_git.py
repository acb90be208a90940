"""Build the snapshot GitHub would give for a pull request, from a local git repository.

git runs with list arguments only (never a shell), `--` before paths, literal pathspecs, no external
diff or textconv drivers (a repository's own config must not run programs), and a timeout.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
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


class GitRepository:
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


class _Objects:
    """Every blob a snapshot reads, through one `git cat-file --batch-command` process: sizes
    first ("info"), contents only for what is within bounds ("contents")."""

    def __init__(self, git: GitRepository) -> None:
        try:
            command = ["git", *_SAFE_OPTIONS, "cat-file", "--batch-command"]
            self._proc = subprocess.Popen(  # noqa: S603 - list arguments, fixed executable  # nosec B603
                command,
                cwd=git.path,
                env=git.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except FileNotFoundError:
            raise LocalGitError("git is not installed") from None
        if self._proc.stdin is None or self._proc.stdout is None:
            raise LocalGitError("git cat-file has no pipes")
        self._stdin, self._stdout = self._proc.stdin, self._proc.stdout
        # A wedged git (a lazy fetch that never answers) must not wedge the analysis.
        self._watchdog = threading.Timer(GIT_TIMEOUT_SECONDS * 5, self._proc.kill)
        self._watchdog.daemon = True
        self._watchdog.start()

    def __enter__(self) -> _Objects:
        return self

    def __exit__(self, *exc: object) -> None:
        self._watchdog.cancel()
        self._stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._stdout.close()

    def _ask(self, command: str, name: str) -> tuple[str, int] | None:
        if "\n" in name or "\r" in name:
            return None  # a name cat-file would read as two commands
        try:
            self._stdin.write(f"{command} {name}\n".encode())
            self._stdin.flush()
            header = self._stdout.readline()
        except (BrokenPipeError, ValueError):
            header = b""
        if not header:
            raise LocalGitError("git cat-file stopped answering")
        fields = _decode(header).split()
        if len(fields) != 3 or not fields[2].isdigit():
            return None  # "<name> missing" or "ambiguous"
        return fields[1], int(fields[2])

    def info(self, name: str) -> tuple[str, int] | None:
        """(type, size) of an object (an id or `rev:path`), None when it is not there."""
        return self._ask("info", name)

    def contents(self, name: str) -> bytes | None:
        answer = self._ask("contents", name)
        if answer is None:
            return None
        data = self._stdout.read(answer[1] + 1)  # the content, then a newline
        if len(data) != answer[1] + 1:
            raise LocalGitError("git cat-file stopped in the middle of an object")
        return data[:-1]

    def text(self, object_id: str, path: str) -> tuple[str | None, bool, str]:
        """(text, is_binary, note) of a blob, bounded like GitHub's contents API."""
        answer = self.info(object_id)
        if answer is None:
            return None, False, "Object not found in the repository: content not scanned."
        if answer[1] > MAX_CONTENT_BYTES:
            return (
                None,
                False,
                f"File larger than {MAX_CONTENT_BYTES // 1024} KiB: content not scanned.",
            )
        raw = self.contents(object_id)
        if raw is None:
            return None, False, "Object not found in the repository: content not scanned."
        decoded = decode_source(raw, path)
        return decoded.text, decoded.is_binary, decoded.note


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


_RECORD = b"\x00\x1eRB-COMMIT "  # starts each commit of the log: no text diff holds a NUL
_LOG_FORMAT = "--format=%x00%x1eRB-COMMIT %H%x00%an%x00%ae%x00%P%x00%B%x00"


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


def _stream_records(
    git: GitRepository, args: list[str]
) -> Iterator[tuple[bytes, bytes, bytes, bytes, bytes, bytes, bool]]:
    """Split a streamed `git log` into commits without holding more than one commit's diff,
    and no more than MAX_COMMIT_DIFF_BYTES of it (beyond that the diff is marked oversized)."""
    try:
        command = ["git", *_SAFE_OPTIONS, *args]
        proc = subprocess.Popen(  # noqa: S603 - list arguments, fixed executable  # nosec B603
            command,
            cwd=git.path,
            env=git.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError:
        raise LocalGitError("git is not installed") from None
    watchdog = threading.Timer(GIT_TIMEOUT_SECONDS, proc.kill)
    watchdog.daemon = True
    watchdog.start()
    if proc.stdout is None or proc.stderr is None:
        raise LocalGitError("git log has no pipes")
    records: list[tuple[bytes, bytes, bytes, bytes, bytes, bytes, bool]] = []
    buffer = bytearray()
    current: bytearray | None = None
    oversized = False

    def finish() -> None:
        if current is None:
            return
        fields = bytes(current).split(b"\x00", 5)
        if len(fields) < 6:
            raise LocalGitError("git log gave a commit record it could not split")
        sha, name, email, parents, message, patch = fields
        records.append((sha, name, email, parents, message, patch, oversized))

    try:
        while chunk := proc.stdout.read(1 << 16):
            buffer += chunk
            while (index := buffer.find(_RECORD)) != -1:
                if current is not None:
                    if not oversized:
                        current += buffer[:index]
                    finish()
                current, oversized = bytearray(), False
                del buffer[: index + len(_RECORD)]
            if current is not None and len(buffer) > len(_RECORD):
                keep = len(_RECORD)  # the tail may hold the start of the next separator
                if not oversized:
                    current += buffer[:-keep]
                    oversized = len(current) > MAX_COMMIT_DIFF_BYTES
                    if oversized:
                        del current[_header_end(current) :]
                del buffer[:-keep]
        if current is not None and not oversized:
            current += buffer
        finish()
        stderr = proc.stderr.read()
        proc.wait()
    finally:
        watchdog.cancel()
        proc.stdout.close()
        proc.stderr.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0:
        lines = _decode(stderr).strip().splitlines()
        detail = lines[-1][:300] if lines else f"exit status {proc.returncode}"
        raise LocalGitError(f"git {args[2] if args[0] == '-c' else args[0]} failed: {detail}")
    yield from records


def _header_end(record: bytearray) -> int:
    """Where a commit record's metadata ends (after its fifth NUL): the diff is dropped after it."""
    index = -1
    for _ in range(5):
        index = record.find(b"\x00", index + 1)
        if index == -1:
            return len(record)
    return index + 1


def _commit_files(raw: bytes) -> tuple[tuple[CommitFile, ...], bool]:
    """Per file a hunks-only patch (None for binary files); False when the list is incomplete."""
    text = _decode(raw)
    start = text.find("diff --git ")
    if start == -1:
        return (), True  # an empty commit, or a merge identical to its first parent
    try:
        diffs = parse_unified_diff(text[start:])
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
    fields = raw.split(b"\x00")
    changes: list[_Change] = []
    index = 0
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
    return changes[:MAX_FILES]


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
            content, sniffed_binary, note = objects.text(change.new_id, path)
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


def _policy_text(objects: _Objects, base_sha: str) -> str | None:
    name = f"{base_sha}:{POLICY_FILE}"
    answer = objects.info(name)
    if answer is None or answer[0] != "blob":
        return None
    content, is_binary, _ = objects.text(name, POLICY_FILE)
    return None if is_binary else content


def snapshot_files(
    git: GitRepository, *, merge_base: str, head_sha: str
) -> tuple[tuple[FileChange, ...], _Objects]:
    """The PR's changed files (a constant number of git runs, whatever their count)."""
    changes = _changes(git, merge_base, head_sha)
    stats = _numstat(git, merge_base, head_sha)
    patches = _patches(git, merge_base, head_sha, len(changes)) if changes else []
    objects = _Objects(git)
    try:
        files = []
        for index, change in enumerate(changes):
            if patches is not None:
                patch = patches[index]
            else:
                paths = [change.previous, change.path] if change.letter == "R" else [change.path]
                patch = _patch(git, merge_base, head_sha, paths)
            files.append(_file_change(objects, change, patch=patch, stats=stats))
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
    commits = _commits(git, base_sha, head_sha, author_login)
    if commit_logins:
        commits = [
            dataclasses.replace(c, author_login=commit_logins.get(c.sha, c.author_login))
            for c in commits
        ]
    files, objects = snapshot_files(git, merge_base=merge_base, head_sha=head_sha)
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
