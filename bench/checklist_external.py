"""Review coverage (issue 14) on labeled code nobody here wrote: what the whole checklist points at.

    python -m bench.checklist_external owasp-java PATH     # per file, vulnerable and safe twins
    python -m bench.checklist_external bearer-rules PATH   # per labeled line
    python -m bench.checklist_external semgrep-rules PATH  # per labeled line
    python -m bench.checklist_external codeql-go PATH      # per alert line

`make eval` measures review coverage on the project's own corpus, which was written next to the
rules and the challenges. This measures it on the suites of bench.external, read from a checkout
the caller fetched, each file treated as one pull request whose every line an AI wrote (the
checklist is built per file, so its per-PR caps apply as in a real review):

- scanners: the share of known flaws a finding of the right class covers (bench.external's rule);
- checklist: the share that a finding or an assumption challenge of the right class points at:
  for OWASP Java, anywhere in the flawed file (the Benchmark labels files, not lines); for the
  line-labeled suites, within reviewbench.checklist.coverage.LINE_TOLERANCE lines;
- load (OWASP Java only, the one suite with safe files): assumption challenges per 100 AI-added
  lines on the files that are not vulnerable, the reviewer's work on code that is already right.
  The line-labeled suites mix flawed and clean lines in each file, so they have no clean files.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from bench import external
from findings.engine.cwe_classes import class_of_cwe
from findings.engine.scanners import FindingData
from reviewbench.checklist.coverage import LINE_TOLERANCE, Pointer, Tally, pointers, whole_file

_FIELDS = {field.name for field in dataclasses.fields(FindingData)}


def _finding(row: dict) -> FindingData:
    """A finding of `manage.py scan --format json`, back as the engine's value."""
    return FindingData(**{name: row[name] for name in _FIELDS if name in row})


def _file_pointers(root: Path, relative: str, rows: Sequence[dict]) -> tuple[list[Pointer], int]:
    """The checklist's pointers for one file reviewed alone, and its line count."""
    text = (root / relative).read_text(encoding="utf-8", errors="replace")
    file = whole_file(relative, text)
    findings = [_finding(row) for row in rows]
    lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    return pointers(findings, [file]), lines


def _by_path(findings: Sequence[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in findings:
        grouped[row["path"]].append(row)
    return grouped


def owasp_java(checkout: Path, findings: list[dict] | None = None) -> dict[str, Tally]:
    """Per Benchmark category: flawed files pointed at by scanners and by the checklist, and the
    assumption load on the safe files."""
    root = checkout / external.TESTCODE
    rows = external._scan(root) if findings is None else findings
    grouped = _by_path(rows)
    tallies: dict[str, Tally] = defaultdict(Tally)
    for test, (category, real) in sorted(external._expected(checkout).items()):
        relative = f"{test}.java"
        if not (root / relative).is_file():
            continue
        cls = class_of_cwe(min(external.CATEGORY_CWES.get(category, frozenset({0}))))
        marks, lines = _file_pointers(root, relative, grouped.get(relative, []))
        tally = tallies[category]
        if real:
            tally.expected += 1
            tally.by_scanners += any(m.source == "finding" and m.cls == cls for m in marks)
            tally.by_checklist += any(m.cls == cls for m in marks)
        else:
            tally.fixed_added_lines += lines
            tally.fixed_prompts += sum(1 for m in marks if m.source == "assumption")
    return dict(tallies)


def _line_suite(
    checkout: Path, cases: list[tuple[str, str, int, str, bool]], findings: list[dict]
) -> dict[str, Tally]:
    grouped = _by_path(findings)
    marks_of: dict[str, list[Pointer]] = {}
    tallies: dict[str, Tally] = defaultdict(Tally)
    for path, language, line, cls, vulnerable in cases:
        if not vulnerable:
            continue
        if path not in marks_of:
            marks_of[path] = _file_pointers(checkout, path, grouped.get(path, []))[0]
        marks = [m for m in marks_of[path] if m.cls == cls and m.path == path]
        tally = tallies[f"{language} {cls}"]
        tally.expected += 1
        tolerance = external.SEMGREP_LINE_TOLERANCE
        tally.by_scanners += any(
            m.source == "finding" and m.line - tolerance <= line <= m.end_line + tolerance
            for m in marks
        )
        tally.by_checklist += any(
            m.line - LINE_TOLERANCE <= line <= m.end_line + LINE_TOLERANCE for m in marks
        )
    return dict(tallies)


def semgrep_rules(checkout: Path, findings: list[dict] | None = None) -> dict[str, Tally]:
    cases = external.semgrep_cases(checkout)
    if findings is None:
        relatives = {case[0] for case in cases}
        findings = external._scan_copies(checkout, relatives, "reviewbench-semgrep-rules-")
    return _line_suite(checkout, cases, findings)


def bearer_rules(checkout: Path, findings: list[dict] | None = None) -> dict[str, Tally]:
    cases = external.bearer_cases(checkout)
    if findings is None:
        findings = external._scan_copies(checkout, {c[0] for c in cases}, "reviewbench-bearer-")
    return _line_suite(checkout, cases, findings)


def codeql_go(checkout: Path, findings: list[dict] | None = None) -> dict[str, Tally]:
    cases = external.codeql_go_cases(checkout)
    if findings is None:
        findings = external._scan_copies(checkout, {c[0] for c in cases}, "reviewbench-codeql-go-")
    return _line_suite(checkout, cases, findings)


def _share(part: int, whole: int) -> str:
    return "   -  " if not whole else f"{100 * part / whole:5.1f}%"


def report(tallies: dict[str, Tally]) -> str:
    width = max([14, *(len(name) for name in tallies)])
    rows = [
        f"{'category':{width}} {'flaws':>6} {'scanners':>9} {'checklist':>10} "
        f"{'prompts/100 safe lines':>23}"
    ]
    total = Tally()
    for name in sorted(tallies):
        tally = tallies[name]
        total.add(tally)
        load = "-" if tally.load is None else f"{tally.load:.2f}"
        rows.append(
            f"{name:{width}} {tally.expected:6d} {_share(tally.by_scanners, tally.expected):>9} "
            f"{_share(tally.by_checklist, tally.expected):>10} {load:>23}"
        )
    load = "-" if total.load is None else f"{total.load:.2f}"
    rows.append(
        f"{'overall':{width}} {total.expected:6d} {_share(total.by_scanners, total.expected):>9} "
        f"{_share(total.by_checklist, total.expected):>10} {load:>23}"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    suites = ("owasp-java", "semgrep-rules", "bearer-rules", "codeql-go")
    name, checkout, saved = external.suite_arguments(
        "python -m bench.checklist_external", suites, argv
    )
    suite = {
        "owasp-java": owasp_java,
        "semgrep-rules": semgrep_rules,
        "bearer-rules": bearer_rules,
        "codeql-go": codeql_go,
    }[name]
    print(report(suite(checkout, saved)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
