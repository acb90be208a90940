"""Suppression governance: a scanner-silencing comment that AI-written code adds is a finding.

An assistant that meets a warning often "fixes" it by silencing the scanner (`# nosec`,
`// eslint-disable-next-line`, `nosemgrep`, `NOSONAR`, ...). ReviewBench's own scanners ignore
those comments, and this rule puts each one added inside an AI-written hunk in front of the
reviewer to triage. Pure: hunks and their provenance in, finding data out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from findings.engine.diff import HunkData
from findings.engine.scanners import FindingData
from findings.engine.scanners.secrets_scanner import mask_secret

SCANNER_ID = "reviewbench"
SCANNER_VERSION = "suppressions-1"
RULE_ID = "suppression.added-in-ai-code"
_MAX_CODE_CHARS = 500


@dataclass(frozen=True)
class SuppressionKind:
    name: str
    silences: str
    pattern: re.Pattern[str]


# One entry per comment form; a new tool's suppression is a new entry. Patterns are fixed,
# never built from the diff, and linear (no nested quantifiers).
SUPPRESSIONS: tuple[SuppressionKind, ...] = (
    SuppressionKind("# nosec", "bandit / gosec", re.compile(r"(?:#|//)\s*#?nosec\b", re.I)),
    SuppressionKind("nosemgrep", "semgrep", re.compile(r"\bnosemgrep\b", re.I)),
    SuppressionKind(
        "eslint-disable", "ESLint", re.compile(r"\beslint-disable(?:-next-line|-line)?\b")
    ),
    SuppressionKind("NOSONAR", "SonarQube", re.compile(r"\bNOSONAR\b")),
    SuppressionKind(
        "noqa: S…", "ruff / flake8-bandit", re.compile(r"#\s*noqa\s*:[^#\n]*\bS\d{3}\b", re.I)
    ),
    SuppressionKind("nolint:gosec", "golangci-lint gosec", re.compile(r"//\s*nolint:[\w,]*gosec")),
    SuppressionKind(
        "@SuppressFBWarnings", "SpotBugs / FindSecBugs", re.compile(r"@SuppressFBWarnings\b")
    ),
    SuppressionKind(
        "pragma: allowlist secret",
        "detect-secrets",
        re.compile(r"pragma:\s*allowlist[ -]secret", re.I),
    ),
    SuppressionKind("gitleaks:allow", "gitleaks", re.compile(r"gitleaks:allow", re.I)),
    SuppressionKind(
        "checkov / tfsec / trivy skip",
        "an IaC scanner",
        re.compile(r"\b(?:checkov:skip|tfsec:ignore|trivy:ignore)\b", re.I),
    ),
)


# Any of them, case ignored: one search per line finds the few lines worth the exact patterns.
_ANY = re.compile("|".join(f"(?:{kind.pattern.pattern})" for kind in SUPPRESSIONS), re.I)


@dataclass(frozen=True)
class HunkOrigin:
    """A hunk of one file and whether an AI wrote it (from findings.engine.provenance)."""

    path: str
    hunk: HunkData
    authorship: str  # ai | human | unknown
    tool: str = ""


# String literals of eight characters or more are cut to four: enough to recognise, not to use.
_LITERAL = re.compile(r"([\"'`])([^\"'`\n]{8,})\1")


def _masked(match: re.Match[str]) -> str:
    quote = match.group(1)
    return f"{quote}{mask_secret(match.group(2))}{quote}"


def suppressions_added(hunks: Sequence[HunkOrigin]) -> list[FindingData]:
    """One finding per suppression comment on an added line of an AI-written hunk."""
    findings: list[FindingData] = []
    for origin in hunks:
        if origin.authorship != "ai":
            continue
        for line in origin.hunk.added:
            if not _ANY.search(line.text):
                continue
            for kind in SUPPRESSIONS:
                if kind.pattern.search(line.text):
                    findings.append(_finding(origin, line.number, line.text, kind))
                    break
    return findings


def _finding(origin: HunkOrigin, number: int, text: str, kind: SuppressionKind) -> FindingData:
    writer = origin.tool or "an AI assistant"
    return FindingData(
        scanner_id=SCANNER_ID,
        scanner_version=SCANNER_VERSION,
        rule_id=RULE_ID,
        cwe=None,
        severity="medium",
        confidence="high",
        title=f"AI-written code silences {kind.silences}",
        message=(
            f"This line, written by {writer}, adds a `{kind.name}` comment that silences "
            f"{kind.silences}. Whatever it hides was never reviewed."
        ),
        guidance=(
            "Remove the suppression and fix what the scanner reports, or triage this finding as "
            "accepted risk with the reason the warning does not apply here."
        ),
        path=origin.path,
        line=number,
        end_line=number,
        # The comment may sit beside a credential (`pragma: allowlist secret`): never echo it.
        code=_LITERAL.sub(_masked, text.rstrip("\r"))[:_MAX_CODE_CHARS],
    )
