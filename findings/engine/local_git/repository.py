"""The git processes a snapshot is read with: one repository, one `cat-file` for its objects,
one streamed `log`.

git runs with list arguments only (never a shell), `--` before paths, literal pathspecs, no external
diff or textconv drivers (a repository's own config must not run programs), and a timeout.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from findings.engine.textcodec import decode_source

GIT_TIMEOUT_SECONDS = 60
MAX_CONTENT_BYTES = 1024 * 1024
MAX_COMMITS = 250
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


_MISSING_NOTE = "Object not found in the repository: content not scanned."
_TOO_LARGE_NOTE = f"File larger than {MAX_CONTENT_BYTES // 1024} KiB: content not scanned."


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
        # A blocking wait, bounded by a timer that kills: `wait(timeout=…)` polls with sleeps
        # that grow to 50 ms, and git exits within a millisecond of its input closing.
        stopper = threading.Timer(5, self._proc.kill)
        stopper.daemon = True
        stopper.start()
        try:
            self._proc.wait()
        finally:
            stopper.cancel()
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

    def _pipelined(self, commands: list[str]) -> list[tuple[str, int, bytes | None] | None]:
        """Send every command at once (a thread writes while this one reads, so neither pipe
        fills up and blocks the other) and read the answers in order: (type, size, content for
        "contents") or None for a missing object."""
        failure: list[BaseException] = []

        def write() -> None:
            try:
                self._stdin.write("".join(f"{command}\n" for command in commands).encode())
                self._stdin.flush()
            except (BrokenPipeError, ValueError) as exc:
                failure.append(exc)

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        answers: list[tuple[str, int, bytes | None] | None] = []
        try:
            for command in commands:
                header = self._stdout.readline()
                if not header:
                    raise LocalGitError("git cat-file stopped answering")
                fields = _decode(header).split()
                if len(fields) != 3 or not fields[2].isdigit():
                    answers.append(None)
                    continue
                size = int(fields[2])
                data = None
                if command.startswith("contents "):
                    data = self._stdout.read(size + 1)
                    if len(data) != size + 1:
                        raise LocalGitError("git cat-file stopped in the middle of an object")
                    data = data[:-1]
                answers.append((fields[1], size, data))
        finally:
            writer.join(timeout=GIT_TIMEOUT_SECONDS)
        if failure:
            raise LocalGitError("git cat-file stopped reading")
        return answers

    def texts(self, items: list[tuple[str, str]]) -> list[tuple[str | None, bool, str]]:
        """`text` for many (object id, path) pairs in two round trips: sizes, then contents."""
        wanted = [(oid, path) for oid, path in items if _OBJECT_ID.fullmatch(oid)]
        sizes = self._pipelined([f"info {oid}" for oid, _ in wanted])
        results: dict[tuple[str, str], tuple[str | None, bool, str]] = {}
        to_read: list[tuple[str, str]] = []
        for (oid, path), answer in zip(wanted, sizes, strict=True):
            if answer is None:
                results[(oid, path)] = (None, False, _MISSING_NOTE)
            elif answer[1] > MAX_CONTENT_BYTES:
                results[(oid, path)] = (None, False, _TOO_LARGE_NOTE)
            else:
                to_read.append((oid, path))
        read = self._pipelined([f"contents {oid}" for oid, _ in to_read])
        for (oid, path), answer in zip(to_read, read, strict=True):
            if answer is None or answer[2] is None:
                results[(oid, path)] = (None, False, _MISSING_NOTE)
                continue
            decoded = decode_source(answer[2], path)
            results[(oid, path)] = (decoded.text, decoded.is_binary, decoded.note)
        return [results.get(item, (None, False, _MISSING_NOTE)) for item in items]

    def text(self, object_id: str, path: str) -> tuple[str | None, bool, str]:
        """(text, is_binary, note) of a blob, bounded like GitHub's contents API."""
        answer = self.info(object_id)
        if answer is None:
            return None, False, _MISSING_NOTE
        if answer[1] > MAX_CONTENT_BYTES:
            return None, False, _TOO_LARGE_NOTE
        raw = self.contents(object_id)
        if raw is None:
            return None, False, _MISSING_NOTE
        decoded = decode_source(raw, path)
        return decoded.text, decoded.is_binary, decoded.note


_RECORD = b"\x00\x1eRB-COMMIT "  # starts each commit of the log: no text diff holds a NUL
_LOG_FORMAT = "--format=%x00%x1eRB-COMMIT %H%x00%an%x00%ae%x00%P%x00%B%x00"


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
            yield from records  # each finished commit goes on now: its bytes are let go
            records.clear()
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
