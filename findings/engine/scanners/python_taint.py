"""ReviewBench's own Python analysis: intra-file data flow from sources to sinks, plus AST rules."""

from __future__ import annotations

import ast
import logging
from collections.abc import Sequence

from findings.engine.pyrules.ast_rules import RULES, RuleHit
from findings.engine.pyrules.classes import CLASSES
from findings.engine.scanners import (
    FileFailure,
    FindingData,
    FlowStep,
    Scanner,
    ScanOutcome,
    SourceFile,
    register,
)
from findings.engine.scanners.secrets_scanner import demote_in_tests
from findings.engine.taint.engine import Engine, Hit
from findings.engine.testpaths import is_test_or_example_path

logger = logging.getLogger(__name__)

_MAX_CODE_CHARS = 1000
_MAX_NAME_CHARS = 60
# Files bigger than this are not walked: the PR controls them and the walk must stay bounded.
MAX_FILE_CHARS = 2_000_000

# Bandit tests whose classes this engine decides on the files it analysed: bandit flags the safe
# twin (SQL from an allow-listed column, subprocess with a list...) as often as the flaw.
SUPERSEDED_BANDIT_TESTS = frozenset(
    f"bandit.{test}"
    for test in (
        "B103", "B105", "B106", "B107", "B113", "B301", "B302", "B303", "B304", "B305", "B308",
        "B310", "B311", "B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320", "B323",
        "B324", "B403", "B404", "B405", "B406", "B407", "B408", "B409", "B410", "B411", "B413",
        "B501", "B502", "B503", "B504", "B505", "B506", "B602", "B603", "B604", "B605", "B606",
        "B607", "B608", "B610", "B611", "B614", "B703", "B704",
        "B102", "B307",
    )
)  # fmt: skip


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_NAME_CHARS else text[: _MAX_NAME_CHARS - 1] + "…"


@register
class PythonTaintScanner(Scanner):
    """Source-to-sink data flow in Python files (Flask, Django, FastAPI) and AST security rules."""

    id = "python-taint"
    version = "2.0.0"
    languages = frozenset({"python"})
    supersedes = SUPERSEDED_BANDIT_TESTS

    def scan(self, files: Sequence[SourceFile]) -> ScanOutcome:
        """Parse each file, walk its data flow and rules; unparsable files come back as failures."""
        findings: list[FindingData] = []
        failures: list[FileFailure] = []
        for source in files:
            try:
                findings.extend(self.scan_text(source.path, source.text))
            except _NotAnalysed as exc:
                failures.append(FileFailure(path=source.path, scanner_id=self.id, reason=str(exc)))
        findings.sort(key=lambda finding: (finding.path, finding.line, finding.rule_id))
        return ScanOutcome(findings=tuple(findings), failures=tuple(failures))

    def scan_text(self, path: str, text: str) -> list[FindingData]:
        """Every finding in one file's text."""
        if len(text) > MAX_FILE_CHARS:
            raise _NotAnalysed(
                f"file too large for the Python data-flow analysis ({len(text)} chars)"
            )
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            where = f" at line {exc.lineno}" if exc.lineno else ""
            raise _NotAnalysed(
                f"Python syntax error{where}: {exc.msg}; data flow not analysed"
            ) from None
        except (ValueError, RecursionError, MemoryError) as exc:
            raise _NotAnalysed(f"Python could not parse this file ({type(exc).__name__})") from None
        lines = text.split("\n")
        try:
            engine = Engine(tree)
            hits = engine.run()
            rule_hits = [
                (name, hit)
                for name, function in RULES.items()
                for hit in function(tree, engine.module)
            ]
        except RecursionError:
            raise _NotAnalysed("the file nests too deeply for the data-flow analysis") from None
        by_key: dict[tuple[str, int], FindingData] = {}
        for hit, confidence in hits:
            for finding in self._flow_findings(path, lines, hit, confidence):
                existing = by_key.get((hit.cls, finding.line))
                if existing is None or (existing.confidence != "high" and confidence == "high"):
                    by_key[(hit.cls, finding.line)] = finding
        for name, rule_hit in rule_hits:
            key = (rule_hit.cls, rule_hit.line)
            if key in by_key:
                continue
            by_key[key] = self._rule_finding(path, lines, name, rule_hit)
        return list(by_key.values())

    def _code(self, lines: list[str], line: int) -> str:
        return lines[line - 1].rstrip("\r")[:_MAX_CODE_CHARS] if 0 < line <= len(lines) else ""

    def _flow_findings(
        self, path: str, lines: list[str], hit: Hit, confidence: str
    ) -> list[FindingData]:
        """One finding per flow, located at the sink, with the flow from the source to it.

        The diff filter keeps a finding when the sink or a line of its flow (the source, a call
        site between two functions) is added, so a PR that adds a source to an old sink is still
        answered for, without the finding's region spanning the unrelated code in between.
        """
        vuln = CLASSES[hit.cls]
        labels = sorted(hit.labels, key=lambda label: (label.line, label.source))
        first = next((label for label in labels if label.line > 0), labels[0])
        variable = _short(hit.variable) or "data"
        origin = f"{first.source} (line {first.line})" if first.line > 0 else first.source
        if len(labels) > 1:
            origin += f" and {len(labels) - 1} more source(s)"
        via = "".join(f" through the call on line {number}" for number in hit.via_lines[:3])
        message = f"`{variable}` from {origin} reaches {_short(hit.sink)} (line {hit.line}){via}"
        steps: list[FlowStep] = [
            FlowStep(path, label.line, f"source: {_short(label.source)}")
            for label in labels
            if label.line > 0
        ][:3]
        steps.extend(
            FlowStep(path, number, "passed to a function of this file")
            for number in reversed(hit.via_lines)
        )
        steps.append(FlowStep(path, hit.line, f"sink: {_short(hit.sink)}"))
        return [
            FindingData(
                scanner_id=self.id,
                scanner_version=self.version,
                rule_id=f"python-taint.{hit.cls}",
                cwe=vuln.cwe,
                severity=vuln.severity,
                confidence=confidence,
                title=vuln.title,
                message=message,
                guidance=vuln.guidance,
                path=path,
                line=hit.line,
                end_line=max(hit.end_line, hit.line),
                code=self._code(lines, hit.line),
                source_line=first.line if first.line > 0 else 0,
                flow=tuple(steps),
            )
        ]

    def _rule_finding(self, path: str, lines: list[str], name: str, hit: RuleHit) -> FindingData:
        vuln = CLASSES[hit.cls]
        finding = FindingData(
            scanner_id=self.id,
            scanner_version=self.version,
            rule_id=f"python.{hit.rule}",
            cwe=hit.cwe,
            severity=vuln.severity,
            confidence=hit.confidence,
            title=vuln.title,
            message=hit.message,
            guidance=vuln.guidance,
            path=path,
            line=hit.line,
            end_line=max(hit.end_line, hit.line),
            code=self._code(lines, hit.line),
        )
        if hit.cls == "hardcoded-credentials" and is_test_or_example_path(path):
            return demote_in_tests(finding)
        return finding


class _NotAnalysed(Exception):
    """A file the engine cannot walk; the message is the reason a reviewer reads."""
