"""Checklist generation, pure: plain descriptions of a revision in, ordered item specs out.

Triage items come first (the most severe finding at the top), then one explanation per changed
file. Keys are stable across pushes (`triage:<fingerprint>`, `explain:<path>`) so answers can be
carried over when the content they were about is unchanged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

KIND_TRIAGE = "triage"
KIND_EXPLAIN = "explain"

KEY_MAX_LENGTH = 200  # ChecklistItem.key
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
# Paths and titles come from the pull request: bound what goes into a prompt.
PROMPT_TEXT_LIMIT = 300


@dataclass(frozen=True)
class FindingInfo:
    fingerprint: str
    rule_id: str
    title: str
    severity: str
    path: str
    line: int
    cwe: int | None = None
    pre_existing: bool = False


@dataclass(frozen=True)
class FileInfo:
    path: str
    hunk_hashes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemSpec:
    key: str
    kind: str
    position: int
    prompt: str
    content_hash: str
    finding_fingerprint: str | None = None
    path: str | None = None


def _bounded(text: str, limit: int = PROMPT_TEXT_LIMIT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def explain_key(path: str) -> str:
    """`explain:<path>`, or a hash of the path when the path would not fit the key column."""
    key = f"{KIND_EXPLAIN}:{path}"
    if len(key) <= KEY_MAX_LENGTH:
        return key
    return f"{KIND_EXPLAIN}:sha256:{hashlib.sha256(path.encode('utf-8')).hexdigest()}"


def triage_key(fingerprint: str) -> str:
    return f"{KIND_TRIAGE}:{fingerprint}"[:KEY_MAX_LENGTH]


def file_content_hash(hunk_hashes: Sequence[str]) -> str:
    """sha256 over the file's hunk content hashes, in hunk order."""
    digest = hashlib.sha256()
    for value in hunk_hashes:
        digest.update(value.encode("ascii", "replace"))
        digest.update(b"\n")
    return digest.hexdigest()


def triage_prompt(finding: FindingInfo) -> str:
    cwe = f" (CWE-{finding.cwe})" if finding.cwe else ""
    return (
        f"Triage {finding.severity} finding {_bounded(finding.rule_id, 128)}{cwe} at "
        f"{_bounded(finding.path)}:{finding.line}: {_bounded(finding.title)}"
    )


def explain_prompt(path: str) -> str:
    return (
        f"Explain in your own words what the change to {_bounded(path)} does and why it is correct"
    )


def checklist_build(findings: Sequence[FindingInfo], files: Sequence[FileInfo]) -> list[ItemSpec]:
    """Ordered checklist specs: one triage item per new finding, then one explain item per file."""
    new_findings = sorted(
        (finding for finding in findings if not finding.pre_existing),
        key=lambda f: (
            -SEVERITY_RANK.get(f.severity, -1),
            f.path,
            f.line,
            f.rule_id,
            f.fingerprint,
        ),
    )
    specs: list[ItemSpec] = []
    seen: set[str] = set()
    for finding in new_findings:
        key = triage_key(finding.fingerprint)
        if key in seen:
            continue
        seen.add(key)
        specs.append(
            ItemSpec(
                key=key,
                kind=KIND_TRIAGE,
                position=len(specs),
                prompt=triage_prompt(finding),
                content_hash=finding.fingerprint,
                finding_fingerprint=finding.fingerprint,
            )
        )
    for file in files:
        key = explain_key(file.path)
        if key in seen:
            continue
        seen.add(key)
        specs.append(
            ItemSpec(
                key=key,
                kind=KIND_EXPLAIN,
                position=len(specs),
                prompt=explain_prompt(file.path),
                content_hash=file_content_hash(file.hunk_hashes),
                path=file.path,
            )
        )
    return specs
