"""The core of `manage.py scan`: files or a diff in, the pipeline's analysis, text/JSON/SARIF out.

The command builds a `PullRequestSnapshot` of `FileChange`s and calls `analyze_snapshot`, so the
command and the pipeline share the scanners, the diff-aware filtering and the fingerprints. Paths
in a diff are attacker-controlled: they are resolved under --root and refused when they escape it
(`..`, absolute paths, symlinks pointing outside).
"""

from __future__ import annotations

import json
import os
import unicodedata
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from findings.engine.analysis import NOT_ANALYSED, FingerprintedFinding, analyze_snapshot
from findings.engine.diff import DiffError, FileDiff, parse_unified_diff
from findings.engine.scanners import SEVERITIES, Scanner
from findings.engine.scanners.dependencies import vulnerability_index_in_use
from findings.engine.scanners.vulndb import VulnerabilityIndex
from findings.engine.snapshot import FileChange, PullRequestSnapshot

MAX_FILE_BYTES = 1024 * 1024
SKIPPED_DIRECTORIES = frozenset({".git", "node_modules", ".venv"})
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "SRCROOT"
TOOL_NAME = "ReviewBench"
TOOL_URI = "https://github.com/reviewbench/reviewbench"
_BINARY_SNIFF_BYTES = 8192
_SARIF_LEVEL = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
# GitHub code scanning ranks security results by this number (CVSS-like, 0.0-10.0).
_SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}


class UsageError(ValueError):
    """Bad input to the command (missing file, malformed diff, path escaping --root): exit 2."""


@dataclass(frozen=True)
class NotAnalysed:
    path: str
    reason: str


@dataclass(frozen=True)
class ScanReport:
    findings: tuple[FingerprintedFinding, ...]
    not_analysed: tuple[NotAnalysed, ...]
    files: int  # files handed to the analysis
    root: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- reading files -------------------------------------------------------------------------------


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_under_root(root: str, relative: str) -> str:
    """The real path of `relative` inside `root`; UsageError when it would leave the root."""
    if not relative or "\x00" in relative:
        raise UsageError(f"refusing path {relative!r}: empty or contains a NUL byte")
    normalized = relative.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        raise UsageError(f"refusing absolute path {relative!r} in the diff")
    if ".." in normalized.split("/"):
        raise UsageError(f"refusing path {relative!r}: it climbs out of --root with '..'")
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *normalized.split("/")))
    if not _is_within(real, real_root):
        raise UsageError(f"refusing path {relative!r}: it resolves outside --root (a symlink)")
    return real


def _read_text(real_path: str) -> tuple[str | None, bool, str]:
    """(text, is_binary, reason when unreadable) for a file already known to be inside root."""
    try:
        size = os.path.getsize(real_path)
        if size > MAX_FILE_BYTES:
            return None, False, f"larger than {MAX_FILE_BYTES} bytes ({size}); not analysed"
        with open(real_path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, False, "the file does not exist under --root"
    except OSError as exc:
        return None, False, f"the file could not be read: {exc.strerror}"
    if b"\x00" in raw[:_BINARY_SNIFF_BYTES]:
        return None, True, ""
    return raw.decode("utf-8", errors="replace"), False, ""


def _relative(real_path: str, real_root: str) -> str:
    return os.path.relpath(real_path, real_root).replace(os.sep, "/")


def _walk(directory: str) -> Iterable[str]:
    for current, directories, names in os.walk(directory, followlinks=False):
        directories[:] = sorted(d for d in directories if d not in SKIPPED_DIRECTORIES)
        for name in sorted(names):
            yield os.path.join(current, name)


def collect_paths(paths: Sequence[str], *, root: str) -> tuple[list[FileChange], list[NotAnalysed]]:
    """Whole files (every line counts as added) from files and directories under `root`."""
    real_root = os.path.realpath(root)
    changes: list[FileChange] = []
    skipped: list[NotAnalysed] = []
    candidates: list[str] = []
    for given in paths:
        absolute = os.path.abspath(given)
        if not os.path.lexists(absolute):
            raise UsageError(f"{given}: no such file or directory")
        if not _is_within(os.path.realpath(absolute), real_root):
            raise UsageError(f"{given} is outside --root {root}")
        candidates.extend(_walk(absolute) if os.path.isdir(absolute) else [absolute])
    seen: set[str] = set()
    for candidate in candidates:
        real = os.path.realpath(candidate)
        shown = _relative(os.path.abspath(candidate), real_root)
        if not _is_within(real, real_root):
            skipped.append(NotAnalysed(shown, "a symlink pointing outside --root; not read"))
            continue
        if real in seen or not os.path.isfile(real):
            continue
        seen.add(real)
        text, is_binary, reason = _read_text(real)
        if is_binary:
            continue
        if text is None:
            skipped.append(NotAnalysed(shown, reason))
            continue
        changes.append(FileChange(path=shown, status="added", patch=None, content=text))
    return changes, skipped


def _patch_of(file_diff: FileDiff) -> str:
    return "\n".join(hunk.content for hunk in file_diff.hunks)


def _mismatch(file_diff: FileDiff, text: str) -> str:
    """Why the file under --root is not the diff's result, or "" when its added lines match."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    for hunk in file_diff.hunks:
        for added in hunk.added:
            if added.number > len(lines) or lines[added.number - 1] != added.text:
                return (
                    f"the file under --root does not match the diff at line {added.number}; "
                    "check out the PR's head before scanning"
                )
    return ""


def collect_diff(diff_text: str, *, root: str) -> tuple[list[FileChange], list[NotAnalysed]]:
    """The files a diff touches, read after the change from `root`; UsageError on a bad diff."""
    try:
        file_diffs = parse_unified_diff(diff_text)
    except DiffError as exc:
        raise UsageError(f"the diff could not be read: {exc}") from None
    if not file_diffs:
        raise UsageError("the diff is empty: no file changes found")
    changes: list[FileChange] = []
    skipped: list[NotAnalysed] = []
    for file_diff in file_diffs:
        patch = _patch_of(file_diff)
        common = {"path": file_diff.path, "status": file_diff.status, "patch": patch}
        common["previous_path"] = file_diff.previous_path
        if file_diff.status == "removed":
            changes.append(FileChange(**common))
            continue
        real = resolve_under_root(root, file_diff.path)
        if file_diff.is_binary:
            changes.append(FileChange(**common, is_binary=True))
            continue
        text, is_binary, reason = _read_text(real)
        if is_binary:
            changes.append(FileChange(**common, is_binary=True))
            continue
        if text is None:
            skipped.append(NotAnalysed(file_diff.path, reason))
            continue
        mismatch = _mismatch(file_diff, text)
        if mismatch:
            skipped.append(NotAnalysed(file_diff.path, mismatch))
            continue
        changes.append(FileChange(**common, content=text))
    return changes, skipped


# --- scanning ------------------------------------------------------------------------------------


def snapshot_for(changes: Sequence[FileChange]) -> PullRequestSnapshot:
    """A snapshot of local changes: no pull request, only files."""
    return PullRequestSnapshot(
        repository_full_name="local/scan",
        number=0,
        title="",
        body="",
        author_login="",
        base_ref="",
        base_sha="",
        head_ref="",
        head_sha="",
        files=tuple(changes),
    )


def scan_changes(
    changes: Sequence[FileChange],
    *,
    skipped: Sequence[NotAnalysed] = (),
    root: str = "",
    vulnerability_index: VulnerabilityIndex | None = None,
    scanners: Sequence[Scanner] | None = None,
) -> ScanReport:
    """Run the pipeline's analysis over local changes and collect findings and unread files."""
    if vulnerability_index is not None:
        with vulnerability_index_in_use(vulnerability_index):
            result = analyze_snapshot(snapshot_for(changes), scanners=scanners)
    else:
        result = analyze_snapshot(snapshot_for(changes), scanners=scanners)
    not_analysed = list(skipped)
    not_analysed.extend(
        NotAnalysed(file.path, file.analysis_note or "not analysed")
        for file in result.files
        if file.analysis == NOT_ANALYSED
    )
    findings = sorted(
        result.findings,
        key=lambda item: (item.data.path, item.data.line, item.data.rule_id, item.fingerprint),
    )
    return ScanReport(
        findings=tuple(findings),
        not_analysed=tuple(sorted(not_analysed, key=lambda item: item.path)),
        files=len(changes),
        root=root,
    )


def severity_rank(severity: str) -> int:
    """Position of a severity from info (0) to critical (4); ValueError for unknown words."""
    return SEVERITIES.index(severity)


def findings_at_or_above(report: ScanReport, threshold: str) -> list[FingerprintedFinding]:
    """The findings whose severity is `threshold` or worse."""
    floor = severity_rank(threshold)
    return [item for item in report.findings if severity_rank(item.data.severity) >= floor]


# --- output --------------------------------------------------------------------------------------


def printable(text: str) -> str:
    """Control, format and bidirectional characters shown as escapes: a file name or a message
    must not move the cursor, recolour the terminal or reorder what the reader sees."""
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t" or category[0] not in ("C",):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def format_text(report: ScanReport) -> str:
    """One line per finding (`path:line severity rule CWE-n message`), unread files, a summary."""
    lines: list[str] = []
    for item in report.findings:
        finding = item.data
        cwe = f"CWE-{finding.cwe}" if finding.cwe else "CWE-?"
        lines.append(
            printable(
                f"{finding.path}:{finding.line} {finding.severity} {finding.rule_id} {cwe} "
                f"{finding.message}"
            )
        )
    for skipped in report.not_analysed:
        lines.append(printable(f"{skipped.path}: not analysed: {skipped.reason}"))
    counts = {severity: 0 for severity in reversed(SEVERITIES)}
    for item in report.findings:
        counts[item.data.severity] += 1
    by_severity = ", ".join(f"{count} {severity}" for severity, count in counts.items() if count)
    summary = f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
    if by_severity:
        summary += f" ({by_severity})"
    summary += f" in {report.files} file{'s' if report.files != 1 else ''}"
    summary += f"; {len(report.not_analysed)} not analysed"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _finding_json(item: FingerprintedFinding) -> dict[str, Any]:
    data = item.data.as_dict()
    data["fingerprint"] = item.fingerprint
    return data


def format_json(report: ScanReport) -> str:
    """Findings (with fingerprints) and files not analysed, as one JSON object."""
    document = {
        "findings": [_finding_json(item) for item in report.findings],
        "not_analysed": [{"path": s.path, "reason": s.reason} for s in report.not_analysed],
        "summary": {
            "findings": len(report.findings),
            "files": report.files,
            "not_analysed": len(report.not_analysed),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def _uri(path: str) -> str:
    return urllib.parse.quote(path, safe="/")


def _sarif_rules(findings: Sequence[FingerprintedFinding]) -> tuple[list[dict], dict[str, int]]:
    rules: list[dict] = []
    index: dict[str, int] = {}
    for item in findings:
        finding = item.data
        if finding.rule_id in index:
            continue
        tags = ["security"]
        if finding.cwe:
            tags.append(f"CWE-{finding.cwe}")
        index[finding.rule_id] = len(rules)
        rules.append(
            {
                "id": finding.rule_id,
                "name": finding.title,
                "shortDescription": {"text": finding.title},
                "help": {"text": finding.guidance},
                "defaultConfiguration": {"level": _SARIF_LEVEL[finding.severity]},
                "properties": {
                    "tags": tags,
                    "security-severity": _SECURITY_SEVERITY[finding.severity],
                },
            }
        )
    return rules, index


def _sarif_result(item: FingerprintedFinding, rule_index: int) -> dict[str, Any]:
    finding = item.data
    properties: dict[str, Any] = {
        "severity": finding.severity,
        "confidence": finding.confidence,
        "scanner": finding.scanner_id,
    }
    if finding.cwe:
        properties["cwe"] = f"CWE-{finding.cwe}"
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(finding.path), "uriBaseId": SRCROOT},
                    "region": {
                        "startLine": finding.line,
                        "endLine": finding.end_line,
                        "snippet": {"text": finding.code},
                    },
                }
            }
        ],
        "partialFingerprints": {"reviewbench/v1": item.fingerprint},
        "properties": properties,
    }


def format_sarif(report: ScanReport, *, tool_version: str = "") -> str:
    """SARIF 2.1.0: one run, rules tagged `security` and `CWE-<n>`, paths relative to --root."""
    rules, rule_index = _sarif_rules(report.findings)
    driver: dict[str, Any] = {"name": TOOL_NAME, "informationUri": TOOL_URI, "rules": rules}
    if tool_version:
        driver["version"] = tool_version
    root_uri = Path(report.root or ".").resolve().as_uri().rstrip("/") + "/"
    notifications = [
        {
            "level": "warning",
            "message": {"text": f"Not analysed: {skipped.reason}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(skipped.path), "uriBaseId": SRCROOT}
                    }
                }
            ],
        }
        for skipped in report.not_analysed
    ]
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": [_sarif_result(item, rule_index[item.data.rule_id]) for item in report.findings],
    }
    document = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


FORMATTERS = {"text": format_text, "json": format_json}
