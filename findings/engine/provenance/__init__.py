"""AI provenance: which added lines of a pull request an AI wrote, and the evidence for it.

Pure: plain data in, plain data out; no ORM and no settings (configuration arrives as a
`ProvenanceConfig`). Every input is attacker-controlled text: the patterns are compiled once
from constants, never from input, none of them nests quantifiers, and every scan is one pass over
text that is already bounded (messages, bodies, patches) or cut here (lines, values).
`signals` reads the evidence; `replay` attributes each added line and each hunk.
"""

from findings.engine.provenance.replay import provenance_analyze
from findings.engine.provenance.signals import (
    AI,
    CONTENT_MATCH_NOTE,
    HUMAN,
    UNKNOWN,
    HunkProvenance,
    ProvenanceConfig,
    ProvenanceFile,
    ProvenanceResult,
    Signal,
    commit_signals,
    evidence_tools,
    is_ai_bot,
    line_marker,
    marker_regions,
    parse_trailers,
    pull_request_signals,
    tool_named,
)

__all__ = [
    "AI",
    "CONTENT_MATCH_NOTE",
    "HUMAN",
    "UNKNOWN",
    "HunkProvenance",
    "ProvenanceConfig",
    "ProvenanceFile",
    "ProvenanceResult",
    "Signal",
    "commit_signals",
    "evidence_tools",
    "is_ai_bot",
    "line_marker",
    "marker_regions",
    "parse_trailers",
    "provenance_analyze",
    "pull_request_signals",
    "tool_named",
]
