"""SARIF 2.1.0 the way GitHub code scanning reads it.

- The primary location of a result is the sink (`FindingData.line`..`end_line`), never a region
  stretched back to the source.
- A data-flow finding carries its path in `codeFlows` (one thread flow, source first, sink last)
  and its source in `relatedLocations`.
- Rules carry `properties.tags` with `security` and `external/cwe/cwe-N` (how code scanning files
  a result under a CWE) and `properties.security-severity` (a CVSS-like 0.0-10.0 that it ranks
  alerts by), plus `precision` from the confidence.
- `partialFingerprints` hold the finding's fingerprint (rule, path, normalised code; no line
  number), so an alert survives code moving above it.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from findings.engine.analysis import FingerprintedFinding
from findings.engine.scanners import SEVERITIES, FindingData

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "SRCROOT"
TOOL_NAME = "ReviewBench"
TOOL_URI = "https://github.com/reviewbench/reviewbench"
FINGERPRINT_KEY = "reviewbench/v1"

LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
# GitHub code scanning: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}
PRECISION = {"high": "high", "medium": "medium", "low": "low"}


@dataclass(frozen=True)
class Unanalysed:
    """A file the scan could not read, shown as a tool notification."""

    path: str
    reason: str


def cwe_tag(cwe: int) -> str:
    """The tag GitHub code scanning files a rule under (`external/cwe/cwe-89`)."""
    return f"external/cwe/cwe-{cwe}"


def _uri(path: str) -> str:
    return urllib.parse.quote(path, safe="/")


def _physical(path: str, start: int, end: int | None = None, snippet: str = "") -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(start, 1)}
    if end is not None:
        region["endLine"] = max(end, start, 1)
    if snippet:
        region["snippet"] = {"text": snippet}
    return {
        "artifactLocation": {"uri": _uri(path), "uriBaseId": SRCROOT},
        "region": region,
    }


def _rules(findings: Sequence[FingerprintedFinding]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One rule per rule id: every CWE its results carry, the worst severity among them."""
    order: list[str] = []
    first: dict[str, FindingData] = {}
    cwes: dict[str, set[int]] = {}
    worst: dict[str, int] = {}
    for item in findings:
        finding = item.data
        rule_id = finding.rule_id
        if rule_id not in first:
            order.append(rule_id)
            first[rule_id] = finding
            cwes[rule_id] = set()
            worst[rule_id] = 0
        if finding.cwe:
            cwes[rule_id].add(finding.cwe)
        worst[rule_id] = max(worst[rule_id], SEVERITIES.index(finding.severity))
    rules: list[dict[str, Any]] = []
    for rule_id in order:
        finding = first[rule_id]
        severity = SEVERITIES[worst[rule_id]]
        tags = ["security", *(cwe_tag(cwe) for cwe in sorted(cwes[rule_id]))]
        cwe_text = ", ".join(f"CWE-{cwe}" for cwe in sorted(cwes[rule_id]))
        full = f"{finding.title} ({cwe_text})" if cwe_text else finding.title
        rules.append(
            {
                "id": rule_id,
                "name": finding.title,
                "shortDescription": {"text": finding.title},
                "fullDescription": {"text": full},
                "help": {"text": finding.guidance or finding.title},
                "defaultConfiguration": {"level": LEVELS[severity]},
                "properties": {
                    "tags": tags,
                    "security-severity": SECURITY_SEVERITY[severity],
                    "precision": PRECISION[finding.confidence],
                    "problem.severity": "error" if LEVELS[severity] == "error" else "warning",
                },
            }
        )
    return rules, {rule_id: position for position, rule_id in enumerate(order)}


def _code_flows(finding: FindingData) -> list[dict[str, Any]]:
    if not finding.flow:
        return []
    locations = [
        {
            "location": {
                "physicalLocation": _physical(step.path, step.line),
                "message": {"text": step.note},
            },
            "nestingLevel": 0,
            "executionOrder": order,
        }
        for order, step in enumerate(finding.flow, start=1)
        if step.line > 0
    ]
    if not locations:
        return []
    return [{"threadFlows": [{"locations": locations}]}]


def _result(item: FingerprintedFinding, rule_index: int) -> dict[str, Any]:
    finding = item.data
    properties: dict[str, Any] = {
        "severity": finding.severity,
        "confidence": finding.confidence,
        "scanner": finding.scanner_id,
    }
    if finding.cwe:
        properties["cwe"] = f"CWE-{finding.cwe}"
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": _physical(
                    finding.path, finding.line, finding.end_line, finding.code
                )
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint},
        "properties": properties,
    }
    flows = _code_flows(finding)
    if flows:
        result["codeFlows"] = flows
    if finding.source_line > 0:
        source_note = finding.flow[0].note if finding.flow else "source"
        result["relatedLocations"] = [
            {
                "id": 1,
                "physicalLocation": _physical(finding.source_file, finding.source_line),
                "message": {"text": source_note},
            }
        ]
    return result


def sarif_log(
    findings: Sequence[FingerprintedFinding],
    *,
    not_analysed: Sequence[Unanalysed] = (),
    root: str = "",
    tool_version: str = "",
) -> dict[str, Any]:
    """The SARIF document (one run) for fingerprinted findings, paths relative to `root`."""
    rules, rule_index = _rules(findings)
    driver: dict[str, Any] = {"name": TOOL_NAME, "informationUri": TOOL_URI, "rules": rules}
    if tool_version:
        driver["version"] = tool_version
    root_uri = Path(root or ".").resolve().as_uri().rstrip("/") + "/"
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
        for skipped in not_analysed
    ]
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": [_result(item, rule_index[item.data.rule_id]) for item in findings],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def format_sarif(
    findings: Sequence[FingerprintedFinding],
    *,
    not_analysed: Sequence[Unanalysed] = (),
    root: str = "",
    tool_version: str = "",
) -> str:
    """`sarif_log` as indented ASCII JSON with a final newline."""
    document = sarif_log(findings, not_analysed=not_analysed, root=root, tool_version=tool_version)
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"
