"""Trojan Source (CVE-2021-42574, CWE-1007): Unicode bidirectional controls that make code read
differently to a reviewer than to the compiler, and invisible characters inside identifiers.

A right-to-left override in a comment or a string can move code out of sight or make a return
look like a comment; the reviewer reads one program and the machine runs another. Such characters
have no business in source outside of carefully reviewed localisation strings, so every added
line that holds one is reported, in any language, with the characters named (they would be
invisible in the report itself).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from findings.engine.scanners import FindingData, Scanner, ScanOutcome, SourceFile, register

# The bidirectional embeddings, overrides and isolates of the Unicode Bidirectional Algorithm,
# the ones CVE-2021-42574 abuses; the marks (LRM, RLM, ALM) cannot reorder text by themselves.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width characters that split or fake identifiers ("homoglyph" and invisible-name attacks).
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_MAX_CODE_CHARS = 300


def _named(characters: set[str]) -> str:
    return ", ".join(
        f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed')}" for ch in sorted(characters)
    )


def _visible(line: str) -> str:
    """The line with each control shown as <U+XXXX>, so the report shows what hides."""
    return "".join(
        f"<U+{ord(ch):04X}>" if ch in BIDI_CONTROLS or ch in INVISIBLE else ch for ch in line
    )[:_MAX_CODE_CHARS]


@register
class TrojanSourceScanner(Scanner):
    """Bidirectional controls and invisible characters on added lines, in every text file."""

    id = "trojan-source"
    version = "1"
    languages = frozenset({"*"})
    # bandit's B613 finds the same characters in Python only, with less to say about them.
    supersedes = frozenset({"bandit.B613"})

    def handles(self, language: str | None) -> bool:
        return True  # the attack needs no particular language

    def scan(self, files: Sequence[SourceFile]) -> ScanOutcome:
        findings: list[FindingData] = []
        for source in files:
            if not any(ch in source.text for ch in BIDI_CONTROLS | INVISIBLE):
                continue
            for number, line in enumerate(source.text.split("\n"), start=1):
                if source.added_lines and number not in source.added_lines:
                    continue
                found = {ch for ch in line if ch in BIDI_CONTROLS or ch in INVISIBLE}
                if not found:
                    continue
                findings.append(self._finding(source, number, line.rstrip("\r"), found))
        return ScanOutcome(findings=tuple(findings), failures=())

    def _finding(self, source: SourceFile, number: int, line: str, found: set[str]) -> FindingData:
        bidi = bool(found & BIDI_CONTROLS)
        return FindingData(
            scanner_id=self.id,
            scanner_version=self.version,
            rule_id="trojan-source.bidi-control" if bidi else "trojan-source.invisible-character",
            cwe=1007,
            severity="high" if bidi else "medium",
            confidence="high",
            title=(
                "Bidirectional control character in source (Trojan Source)"
                if bidi
                else "Invisible character in source"
            ),
            message=(
                f"This line holds {_named(found)}: the code can read differently on screen than "
                "it runs. The line with the characters shown: " + _visible(line)
            ),
            guidance=(
                "Remove the character, or write it as an escape (\\u202e) in a string that needs "
                "it; forbid them in source with a linter or a pre-commit check."
            ),
            path=source.path,
            line=number,
            end_line=number,
            code=_visible(line),
        )
