"""Turning stored hunks into rows for the diff page, pure: old/new line numbers per line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# A hostile or generated diff can be huge: the page shows at most this many lines per file, this
# many characters of one line and this many characters per file, and says what it left out; the
# whole diff of a file is one click away as plain text (`reviews:file_diff`).
MAX_LINES_PER_FILE = 3000
MAX_LINE_CHARS = 2000
MAX_CHARS_PER_FILE = 300_000


@dataclass
class DiffLine:
    kind: str  # added | removed | context | meta
    old_number: int | None
    new_number: int | None
    text: str
    findings: list[Any] = field(default_factory=list)
    cut: int = 0  # characters of the line left out of the page


@dataclass
class Omitted:
    """What the page left out of one file, and why, for the note under its diff."""

    lines: int = 0
    long_lines: int = 0

    def __bool__(self) -> bool:
        return bool(self.lines or self.long_lines)


@dataclass
class HunkView:
    hunk: Any
    header: str
    lines: list[DiffLine]


def hunk_lines(content: str, source_start: int, target_start: int) -> list[DiffLine]:
    """Rows of one hunk's unified-diff body (`@@` header optional) with old and new numbers."""
    old, new = source_start, target_start
    rows: list[DiffLine] = []
    for raw in content.splitlines():
        if raw.startswith("@@"):
            continue
        prefix, text = raw[:1], raw[1:]
        if prefix == "+":
            rows.append(DiffLine("added", None, new, text))
            new += 1
        elif prefix == "-":
            rows.append(DiffLine("removed", old, None, text))
            old += 1
        elif prefix == "\\":
            rows.append(DiffLine("meta", None, None, raw))
        else:
            rows.append(DiffLine("context", old, new, text))
            old += 1
            new += 1
    return rows


def file_view(
    hunks: Sequence[Any],
    findings: Sequence[Any],
    limit: int = MAX_LINES_PER_FILE,
    *,
    line_chars: int = MAX_LINE_CHARS,
    file_chars: int = MAX_CHARS_PER_FILE,
) -> tuple[list[HunkView], list[Any], Omitted]:
    """Hunk views with findings attached under their new-side line; findings outside the shown
    lines, and what was left out (lines past the limits, long lines cut), beside them."""
    views: list[HunkView] = []
    by_new_line: dict[int, DiffLine] = {}
    shown = 0
    chars = 0
    omitted = Omitted()
    for hunk in hunks:
        rows = hunk_lines(hunk.content, hunk.source_start, hunk.target_start)
        kept: list[DiffLine] = []
        for row in rows:
            if shown >= limit or chars >= file_chars:
                omitted.lines += 1
                continue
            if len(row.text) > line_chars:
                row.cut = len(row.text) - line_chars
                row.text = row.text[:line_chars]
                omitted.long_lines += 1
            kept.append(row)
            shown += 1
            chars += len(row.text)
        for row in kept:
            if row.new_number is not None and row.kind != "removed":
                # An added line wins over a context line with the same number in another hunk.
                if row.kind == "added" or row.new_number not in by_new_line:
                    by_new_line[row.new_number] = row
        header = (
            f"@@ -{hunk.source_start},{hunk.source_length} "
            f"+{hunk.target_start},{hunk.target_length} @@ {hunk.section_header}"
        ).rstrip()
        views.append(HunkView(hunk=hunk, header=header, lines=kept))
    outside: list[Any] = []
    for finding in findings:
        shown_at = by_new_line.get(finding.line)
        if shown_at is None:
            outside.append(finding)
        else:
            shown_at.findings.append(finding)
    return views, outside, omitted


def file_diff_text(hunks: Sequence[Any]) -> str:
    """The whole stored diff of one file, hunk headers included, as a unified-diff text."""
    parts = []
    for hunk in hunks:
        header = (
            f"@@ -{hunk.source_start},{hunk.source_length} "
            f"+{hunk.target_start},{hunk.target_length} @@ {hunk.section_header}"
        ).rstrip()
        body = hunk.content if hunk.content.startswith("@@") else f"{header}\n{hunk.content}"
        parts.append(body if body.endswith("\n") else body + "\n")
    return "".join(parts)
