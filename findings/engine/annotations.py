"""The words of a check-run annotation for one finding: the CWE, the rule, where the data came
from and where it goes. Pure: the check-run builder calls it and puts the strings in place."""

from __future__ import annotations

from typing import Protocol

from findings.engine.scanners import FlowStep

# The Checks API's limits for an annotation's title and message.
MAX_TITLE_CHARS = 255
MAX_MESSAGE_CHARS = 64 * 1024


class AnnotatedFinding(Protocol):
    """What an annotation reads: `FindingData` has it; a stored row with the same fields does."""

    @property
    def rule_id(self) -> str: ...
    @property
    def cwe(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def source_path(self) -> str: ...
    @property
    def source_line(self) -> int: ...
    @property
    def flow(self) -> tuple[FlowStep, ...]: ...


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _after_colon(note: str) -> str:
    head, colon, rest = note.partition(": ")
    return rest if colon and head in ("source", "sink") else note


def annotation_text(finding: AnnotatedFinding) -> tuple[str, str]:
    """(title, message): "CWE-89 SQL injection [python-taint.sqli]" and the finding's message
    followed by the data's way: "Data comes from request.args at app.py:5 and reaches
    cursor.execute at app.py:7."
    """
    cwe = f"CWE-{finding.cwe} " if finding.cwe else ""
    title = _cut(f"{cwe}{finding.title} [{finding.rule_id}]", MAX_TITLE_CHARS)
    parts = [finding.message.rstrip()]
    if finding.source_line > 0:
        source_path = finding.source_path or finding.path
        source = _after_colon(finding.flow[0].note) if finding.flow else "its source"
        sink = _after_colon(finding.flow[-1].note) if finding.flow else "the sink"
        way = f"Data comes from {source} at {source_path}:{finding.source_line}"
        between = [
            step for step in finding.flow[1:-1] if not step.note.startswith(("source", "sink"))
        ]
        if between:
            steps = ", ".join(f"{step.path}:{step.line}" for step in between[:5])
            way += f", passes {steps},"
        way += f" and reaches {sink} at {finding.path}:{finding.line}."
        parts.append(way)
    else:
        parts.append(f"Found by rule {finding.rule_id} at {finding.path}:{finding.line}.")
    return title, _cut("\n".join(part for part in parts if part), MAX_MESSAGE_CHARS)
