"""Unified diffs read with unidiff into plain dataclasses.

Every diff comes from a pull request and is attacker-controlled: malformed input raises `DiffError`
with a message a reviewer can read (never a raw traceback), sizes are bounded, and file names are
only carried as data, never used as paths on disk.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
from dataclasses import dataclass

from unidiff import PatchSet
from unidiff.constants import (
    LINE_TYPE_ADDED,
    LINE_TYPE_CONTEXT,
    LINE_TYPE_NO_NEWLINE,
    LINE_TYPE_REMOVED,
    RE_HUNK_HEADER,
)
from unidiff.errors import UnidiffParseError
from unidiff.patch import Hunk, PatchedFile

# GitHub stops sending `patch` long before this; anything bigger is not a diff we can review.
MAX_DIFF_CHARS = 20 * 1024 * 1024
# Line numbers beyond this are nonsense and would overflow the database's integer columns.
MAX_LINE_NUMBER = 100_000_000
_PREVIEW_CHARS = 80
_COUNTED_LINE_TYPES = frozenset(
    {LINE_TYPE_ADDED, LINE_TYPE_REMOVED, LINE_TYPE_CONTEXT, LINE_TYPE_NO_NEWLINE}
)
_SYNTHETIC_HEADER = "--- a/file\n+++ b/file\n"
_SYNTHETIC_HEADER_LINES = 2
_DEV_NULL = "/dev/null"


class DiffError(ValueError):
    """A diff that cannot be read; the message says why, in words a reviewer can read."""


@dataclass(frozen=True)
class LineData:
    number: int
    text: str


@dataclass(frozen=True)
class HunkData:
    index: int
    source_start: int
    source_length: int
    target_start: int
    target_length: int
    section_header: str
    content: str  # the hunk's text exactly: its @@ header and the prefixed lines
    content_hash: str  # sha256 of the normalized +/- lines: stable when the hunk only moves
    added: tuple[LineData, ...]  # numbered in the new file
    removed: tuple[LineData, ...]  # numbered in the old file


@dataclass(frozen=True)
class FileDiff:
    path: str
    previous_path: str
    status: str  # added | modified | removed | renamed
    hunks: tuple[HunkData, ...]
    is_binary: bool


def preview(text: str, limit: int = _PREVIEW_CHARS) -> str:
    """A short, escaped rendering of untrusted text for an error message."""
    shown = text[:limit]
    rendered = repr(shown)
    return rendered if len(text) <= limit else rendered + "…"


def _split_lines(text: str) -> list[str]:
    # Split on "\n" only, keeping the ends: str.splitlines() would also split on \r, \x0c or
    # U+2028 inside a line and shift every line number after it.
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _strip_end(value: str) -> str:
    if value.endswith("\n"):
        value = value[:-1]
    if value.endswith("\r"):
        value = value[:-1]
    return value


def _check_size(text: str) -> None:
    if len(text) > MAX_DIFF_CHARS:
        raise DiffError(
            f"the diff is too large to analyse ({len(text)} characters, limit {MAX_DIFF_CHARS})"
        )


def _check_hunk_headers(lines: list[str], first_line_number: int) -> None:
    """Reject "@@" lines that are not well-formed hunk headers, with the line number."""
    for offset, line in enumerate(lines):
        if not line.startswith("@@"):
            continue
        number = first_line_number + offset
        match = RE_HUNK_HEADER.match(line)
        if match is None:
            raise DiffError(
                f"line {number}: bad hunk header {preview(_strip_end(line))}; "
                "expected '@@ -start,count +start,count @@'"
            )
        values = [int(group) for group in match.groups()[:4] if group is not None]
        if any(value > MAX_LINE_NUMBER for value in values):
            raise DiffError(f"line {number}: hunk header has an impossible line number")


def _parse(text: str) -> PatchSet:
    try:
        return PatchSet(text)
    except UnidiffParseError as exc:
        raise DiffError(_readable_unidiff_error(str(exc))) from None
    except (ValueError, IndexError, TypeError) as exc:
        raise DiffError(f"the diff could not be read ({type(exc).__name__})") from None


def _readable_unidiff_error(message: str) -> str:
    if message.startswith("Hunk is longer than expected"):
        return "a hunk has more lines than its @@ header announces"
    if message.startswith("Hunk is shorter than expected"):
        return "a hunk ends before the number of lines its @@ header announces"
    if message.startswith("Hunk diff line expected"):
        offending = message.partition(": ")[2]
        return (
            "a line inside a hunk does not start with ' ', '+', '-' or '\\': "
            f"{preview(_strip_end(offending))}"
        )
    if message.startswith("Unexpected marker"):
        return "a '\\ No newline at end of file' marker appears outside any hunk"
    return f"the diff could not be read: {preview(message)}"


def _hunk_data(hunk: Hunk, *, index: int, fed_lines: list[str]) -> HunkData:
    counted = [line for line in hunk if line.line_type in _COUNTED_LINE_TYPES]
    numbered = [line.diff_line_no for line in counted if line.diff_line_no is not None]
    if not numbered:
        raise DiffError(f"hunk {index + 1} is empty")
    # diff_line_no is 1-based and the @@ header sits right before the hunk's first line.
    header_at = numbered[0] - 2
    content_lines = fed_lines[header_at : header_at + 1 + len(counted)]
    content = "".join(content_lines).removesuffix("\n")

    added: list[LineData] = []
    removed: list[LineData] = []
    normalized: list[str] = []
    for line in counted:
        if line.line_type == LINE_TYPE_ADDED:
            text = _strip_end(line.value)
            added.append(LineData(number=line.target_line_no or 0, text=text))
            normalized.append("+" + text.rstrip())
        elif line.line_type == LINE_TYPE_REMOVED:
            text = _strip_end(line.value)
            removed.append(LineData(number=line.source_line_no or 0, text=text))
            normalized.append("-" + text.rstrip())
    content_hash = hashlib.sha256(
        "\n".join(normalized).encode("utf-8", "surrogatepass")
    ).hexdigest()
    return HunkData(
        index=index,
        source_start=hunk.source_start,
        source_length=hunk.source_length,
        target_start=hunk.target_start,
        target_length=hunk.target_length,
        section_header=_strip_end(hunk.section_header or "").strip(),
        content=content,
        content_hash=content_hash,
        added=tuple(added),
        removed=tuple(removed),
    )


def _covered_lines(patched_file: PatchedFile) -> set[int]:
    """1-based line numbers (in the fed text) that belong to a hunk, its header included."""
    covered: set[int] = set()
    for hunk in patched_file:
        counted = [line for line in hunk if line.line_type in _COUNTED_LINE_TYPES]
        numbered = [line.diff_line_no for line in counted if line.diff_line_no is not None]
        if not numbered:
            continue
        header = numbered[0] - 1
        covered.update(range(header, header + 1 + len(counted)))
    return covered


def parse_patch(patch: str) -> list[HunkData]:
    """Parse GitHub's per-file `patch` field (hunks only, no ---/+++ headers) into hunks."""
    if patch is None or not patch.strip():
        return []
    _check_size(patch)
    patch_lines = _split_lines(patch)
    first = next((line for line in patch_lines if line.strip()), "")
    if not first.startswith("@@"):
        raise DiffError(
            f"the patch does not start with a hunk header: {preview(_strip_end(first))}"
        )
    _check_hunk_headers(patch_lines, first_line_number=1)

    fed = _SYNTHETIC_HEADER + patch
    if not fed.endswith("\n"):
        # GitHub's patch has no final newline; unidiff needs one to end the last line.
        fed += "\n"
    patch_set = _parse(fed)
    if len(patch_set) != 1:
        raise DiffError("the patch holds more than one file")
    patched_file = patch_set[0]
    fed_lines = _split_lines(fed)

    covered = _covered_lines(patched_file)
    for number, line in enumerate(fed_lines[_SYNTHETIC_HEADER_LINES:], start=1):
        if line.strip() and (number + _SYNTHETIC_HEADER_LINES) not in covered:
            if line[:1] in ("+", "-", " ", "\\"):
                raise DiffError(
                    f"line {number}: the hunk has more lines than its @@ header announces: "
                    f"{preview(_strip_end(line))}"
                )
            raise DiffError(f"line {number} is outside any hunk: {preview(_strip_end(line))}")
    return [
        _hunk_data(hunk, index=index, fed_lines=fed_lines)
        for index, hunk in enumerate(patched_file)
    ]


# Parsed patches kept in the process (a worker analyses push after push, and provenance replays
# the same commits' patches each time): at most this many, each at most this long, so what they
# hold stays bounded (20 M characters of patch at worst).
PATCH_CACHE_SIZE = 2048
PATCH_CACHE_MAX_CHARS = 10_000


@functools.lru_cache(maxsize=PATCH_CACHE_SIZE)
def _remembered(patch: str) -> tuple[HunkData, ...]:
    return tuple(parse_patch(patch))


def parse_patch_remembered(patch: str) -> tuple[HunkData, ...]:
    """`parse_patch`, remembered in the process for patches up to PATCH_CACHE_MAX_CHARS: a push
    re-reads every file's patch of the PR, and all but the pushed ones are the same text as last
    time (the hunks are immutable, so they are shared). Raises DiffError as parse_patch does."""
    if len(patch) > PATCH_CACHE_MAX_CHARS:
        return tuple(parse_patch(patch))
    return _remembered(patch)


def _strip_prefix(name: str | None, prefix: str) -> str:
    if not name:
        return ""
    if name.startswith('"') and name.endswith('"') and len(name) >= 2:
        name = name[1:-1]
    return name[len(prefix) :] if name.startswith(prefix) else name


def parse_unified_diff(text: str) -> list[FileDiff]:
    """Parse a full `git diff` (file headers, renames, new, deleted and binary files)."""
    if text is None or not text.strip():
        return []
    _check_size(text)
    fed = text if text.endswith("\n") else text + "\n"
    fed_lines = _split_lines(fed)
    _check_hunk_headers(fed_lines, first_line_number=1)
    patch_set = _parse(fed)
    if not patch_set:
        raise DiffError(
            f"no file changes found; the text does not look like a diff: "
            f"{preview(_strip_end(fed_lines[0]))}"
        )
    files: list[FileDiff] = []
    for patched_file in patch_set:
        source = _strip_prefix(patched_file.source_file, "a/")
        target = _strip_prefix(patched_file.target_file, "b/")
        if patched_file.is_added_file or source == _DEV_NULL:
            status, path, previous = "added", target, ""
        elif patched_file.is_removed_file or target == _DEV_NULL:
            status, path, previous = "removed", source, ""
        elif source and target and source != target:
            status, path, previous = "renamed", target, source
        else:
            status, path, previous = "modified", target or source, ""
        hunks = tuple(
            _hunk_data(hunk, index=index, fed_lines=fed_lines)
            for index, hunk in enumerate(patched_file)
        )
        files.append(
            FileDiff(
                path=path,
                previous_path=previous,
                status=status,
                hunks=hunks,
                is_binary=bool(patched_file.is_binary_file),
            )
        )
    return files


def diff_texts(old: str, new: str, *, context: int = 3) -> str:
    """A GitHub-style patch (hunks only, 3 lines of context) from two versions of a file."""
    old_lines = _split_lines(old or "")
    new_lines = _split_lines(new or "")
    out: list[str] = []
    for number, line in enumerate(
        difflib.unified_diff(old_lines, new_lines, n=context, lineterm="\n")
    ):
        if number < 2:
            continue  # the ---/+++ header: GitHub's patch has none
        if line.endswith("\n"):
            out.append(line)
        else:
            out.append(line + "\n")
            out.append("\\ No newline at end of file\n")
    return "".join(out).removesuffix("\n")
