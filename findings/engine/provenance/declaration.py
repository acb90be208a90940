"""The author's AI-use declaration in a pull request's description.

docs/pull_request_template.md gives authors the section this reads:

    AI assistance: none | partial | most
    AI tool: Copilot

The description is the author's text, so attacker-controlled: only these two lines count, HTML
comments (the template's hints) are ignored, and the tool is bounded and normalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from findings.engine.provenance.signals import Signal, tool_named

LEVELS = ("none", "partial", "most")
MAX_BODY_CHARS = 65_536
MAX_TOOL_CHARS = 64
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_LEVEL = re.compile(
    r"^[ \t>*_-]*AI[ \t-]+(?:assistance|use)[ \t*_]*:[ \t*_]*(none|partial|most)(?![A-Za-z])",
    re.IGNORECASE | re.MULTILINE,
)
_TOOL = re.compile(
    r"^[ \t>*_-]*AI[ \t-]+tools?[ \t*_]*:[ \t*_]*([^\r\n]{0,200})", re.IGNORECASE | re.MULTILINE
)


@dataclass(frozen=True)
class Declaration:
    level: str  # none | partial | most
    tool: str  # as written, normalised to a known tool's name where one is named; "" if none

    @property
    def declares_ai(self) -> bool:
        return self.level != "none"

    def describe(self) -> str:
        return f"{self.level} ({self.tool})" if self.tool and self.declares_ai else self.level

    def signal(self) -> Signal | None:
        """The declaration as provenance evidence for the PR's hunks (None for "none")."""
        if not self.declares_ai:
            return None
        return Signal(kind="body", detail=f"AI assistance: {self.describe()}", tool=self.tool)


def ai_declaration(body: str | None) -> Declaration | None:
    """The declaration of the description, or None when it has none. The first "AI assistance:"
    line with a level decides; a second one does not override it."""
    text = _COMMENT.sub("", (body or "")[:MAX_BODY_CHARS])
    level = _LEVEL.search(text)
    if level is None:
        return None
    tool_line = _TOOL.search(text)
    written = tool_line.group(1).strip(" \t*_`") if tool_line else ""
    tool = tool_named(written) or written[:MAX_TOOL_CHARS].strip()
    if tool.casefold() in ("", "none", "n/a", "-"):
        tool = ""
    return Declaration(level=level.group(1).lower(), tool=tool)
