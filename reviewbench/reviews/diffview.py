"""Turning stored hunks into rows for the diff page, pure: old/new line numbers per line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# A hostile diff can be huge; the page shows this many lines per file and says what it left out.
MAX_LINES_PER_FILE = 3000


@dataclass
class DiffLine:
    kind: str  # added | removed | context | meta
    old_number: int | None
    new_number: int | None
    text: str
    findings: list[Any] = field(default_factory=list)


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
    hunks: Sequence[Any], findings: Sequence[Any], limit: int = MAX_LINES_PER_FILE
) -> tuple[list[HunkView], list[Any], int]:
    """Hunk views with findings attached under their new-side line; findings outside the shown
    lines, and the number of lines left out, are returned beside them."""
    views: list[HunkView] = []
    by_new_line: dict[int, DiffLine] = {}
    shown = 0
    omitted = 0
    for hunk in hunks:
        rows = hunk_lines(hunk.content, hunk.source_start, hunk.target_start)
        room = max(limit - shown, 0)
        if len(rows) > room:
            omitted += len(rows) - room
            rows = rows[:room]
        shown += len(rows)
        for row in rows:
            if row.new_number is not None and row.kind != "removed":
                # An added line wins over a context line with the same number in another hunk.
                if row.kind == "added" or row.new_number not in by_new_line:
                    by_new_line[row.new_number] = row
        header = (
            f"@@ -{hunk.source_start},{hunk.source_length} "
            f"+{hunk.target_start},{hunk.target_length} @@ {hunk.section_header}"
        ).rstrip()
        views.append(HunkView(hunk=hunk, header=header, lines=rows))
    outside = []
    for finding in findings:
        row = by_new_line.get(finding.line)
        if row is None:
            outside.append(finding)
        else:
            row.findings.append(finding)
    return views, outside, omitted
