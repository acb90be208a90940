"""Review coverage, pure: how much of the known flaws the whole checklist points at.

A scanner's recall says what the findings catch. The checklist adds its assumption challenges,
which point at a line and a class without claiming a flaw. For each labeled case (the corpus of
docs/CORPUS.md, every added line treated as AI-written, as in an AI pull request) this measures:

- scanners: the share of expected vulnerable lines a finding of the right class covers;
- checklist: the share that a finding or an assumption challenge of the right class points at
  within two lines (the reviewer is sent to that line with that question);
- load: assumption challenges per 100 AI-added lines on the fixed twins, which a reviewer answers
  for code that is already right.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from findings.engine.analysis import analyze_snapshot
from findings.engine.cwe_classes import class_of_cwe
from findings.engine.evaluation import Case, case_snapshot
from findings.engine.scanners import FindingData, Scanner
from reviewbench.checklist.assumptions import KIND_CWE
from reviewbench.checklist.build import FileInfo, FindingInfo, HunkInfo, checklist_build

LINE_TOLERANCE = 2
COVERAGE_GOAL = 0.95
LOAD_GOAL = 5.0  # assumption prompts per 100 AI-added lines on fixed code


@dataclass(frozen=True)
class Pointer:
    """Something on the checklist that sends the reviewer to a line with a class in mind."""

    source: str  # "finding" | "assumption"
    cls: str | None
    path: str
    line: int
    end_line: int


@dataclass
class Tally:
    expected: int = 0
    by_scanners: int = 0
    by_checklist: int = 0
    fixed_added_lines: int = 0
    fixed_prompts: int = 0

    @property
    def scanner_share(self) -> float | None:
        return self.by_scanners / self.expected if self.expected else None

    @property
    def checklist_share(self) -> float | None:
        return self.by_checklist / self.expected if self.expected else None

    @property
    def load(self) -> float | None:
        if not self.fixed_added_lines:
            return None
        return 100 * self.fixed_prompts / self.fixed_added_lines

    def add(self, other: Tally) -> None:
        self.expected += other.expected
        self.by_scanners += other.by_scanners
        self.by_checklist += other.by_checklist
        self.fixed_added_lines += other.fixed_added_lines
        self.fixed_prompts += other.fixed_prompts

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "expected": self.expected,
            "by_scanners": self.by_scanners,
            "by_checklist": self.by_checklist,
            "scanner_share": self.scanner_share,
            "checklist_share": self.checklist_share,
            "fixed_added_lines": self.fixed_added_lines,
            "fixed_prompts": self.fixed_prompts,
            "prompts_per_100_lines": self.load,
        }


@dataclass
class CoverageReport:
    overall: Tally = field(default_factory=Tally)
    by_language: dict[str, Tally] = field(default_factory=dict)
    by_class: dict[str, Tally] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)  # "case: path:line (class)"

    def meets_goals(self) -> bool:
        share, load = self.overall.checklist_share, self.overall.load
        return (share is None or share >= COVERAGE_GOAL) and (load is None or load <= LOAD_GOAL)


def _files(case: Case) -> list[FileInfo]:
    """The case's changed files, every added line AI-written (an AI pull request)."""
    files = []
    for change in case_snapshot(case).files:
        if change.content is None or not change.patch:
            continue
        hunks = []
        for index, hunk_text in enumerate(_hunks(change.patch)):
            start = _target_start(hunk_text)
            hunks.append(
                HunkInfo(
                    index=index,
                    content_hash=str(index),
                    content=hunk_text,
                    target_start=start,
                    ai=True,
                )
            )
        files.append(FileInfo(path=change.path, hunks=tuple(hunks), text=change.content))
    return files


def _hunks(patch: str) -> list[str]:
    hunks: list[str] = []
    for line in patch.splitlines(keepends=True):
        if line.startswith("@@") or not hunks:
            hunks.append(line)
        else:
            hunks[-1] += line
    return hunks


def _target_start(hunk: str) -> int:
    header = hunk.split("\n", 1)[0]
    try:
        plus = header.split("+", 1)[1].split(" ", 1)[0]
        return int(plus.split(",", 1)[0])
    except (IndexError, ValueError):
        return 1


def whole_file(path: str, text: str) -> FileInfo:
    """A file every line of which a pull request added, as the AI's: one hunk, the whole text."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    content = f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
    hunk = HunkInfo(index=0, content_hash="0", content=content, target_start=1, ai=True)
    return FileInfo(path=path, hunks=(hunk,), text=text)


def _added_lines(files: Sequence[FileInfo]) -> int:
    return sum(
        1 for file in files for hunk in file.hunks for _n, _t, added in hunk.new_side() if added
    )


def pointers(findings: Sequence[FindingData], files: Sequence[FileInfo]) -> list[Pointer]:
    """The findings and the assumption challenges the checklist of these files would show."""
    found = [Pointer("finding", class_of_cwe(f.cwe), f.path, f.line, f.end_line) for f in findings]
    # A finding's card shows where its data came from and each step between (the source line,
    # the variables): the reviewer is pointed at those lines of the file too.
    found += [
        Pointer("finding", class_of_cwe(f.cwe), f.path, line, line)
        for f in findings
        for line in sorted(f.flow_lines())
        if not f.line <= line <= f.end_line
    ]
    specs = checklist_build(
        [
            FindingInfo(
                fingerprint=str(n),
                rule_id=f.rule_id,
                title=f.title,
                severity=f.severity,
                path=f.path,
                line=f.line,
                cwe=f.cwe,
            )
            for n, f in enumerate(findings)
        ],
        files,
    )
    for spec in specs:
        if spec.kind == "assumption" and spec.path and spec.line:
            cls = class_of_cwe(KIND_CWE.get(spec.assumption_kind))
            found.append(Pointer("assumption", cls, spec.path, spec.line, spec.line))
    return found


def _points_at(pointer: Pointer, cls: str, path: str, line: int) -> bool:
    return (
        pointer.cls == cls
        and pointer.path == path
        and pointer.line - LINE_TOLERANCE <= line <= pointer.end_line + LINE_TOLERANCE
    )


def case_coverage(case: Case, *, scanners: Sequence[Scanner] | None = None) -> Tally:
    """One case's contribution: expected lines covered (scanners, checklist), or its load."""
    findings = tuple(
        item.data for item in analyze_snapshot(case_snapshot(case), scanners=scanners).findings
    )
    files = _files(case)
    tally = Tally()
    marks = pointers(findings, files)
    if case.is_fixed:
        tally.fixed_added_lines = _added_lines(files)
        tally.fixed_prompts = sum(1 for mark in marks if mark.source == "assumption")
        return tally
    for expected in case.expected:
        cls = class_of_cwe(expected.cwe)
        if cls is None:
            continue
        tally.expected += 1
        finding_marks = [m for m in marks if m.source == "finding"]
        if any(
            m.cls == cls and m.path == expected.path and m.line <= expected.line <= m.end_line
            for m in finding_marks
        ):
            tally.by_scanners += 1
        if any(_points_at(m, cls, expected.path, expected.line) for m in marks):
            tally.by_checklist += 1
    return tally


def coverage(cases: Iterable[Case], *, scanners: Sequence[Scanner] | None = None) -> CoverageReport:
    """Review coverage over labeled cases, overall, per language and per class."""
    report = CoverageReport()
    for case in cases:
        tally = case_coverage(case, scanners=scanners)
        report.overall.add(tally)
        report.by_language.setdefault(case.language, Tally()).add(tally)
        report.by_class.setdefault(case.cls, Tally()).add(tally)
        if not case.is_fixed and tally.by_checklist < tally.expected:
            report.misses.append(f"{case.id}: {tally.expected - tally.by_checklist} not pointed at")
    return report


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def _load(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def format_text(report: CoverageReport, *, title: str = "own corpus") -> str:
    """The coverage tables, with the goals beside the overall line."""
    rows = [
        f"Review coverage ({title}): the share of known vulnerable lines pointed at",
        f"{'':24} {'scanners':>9} {'checklist':>10} {'prompts/100 fixed lines':>24}",
    ]

    def row(name: str, tally: Tally) -> str:
        return (
            f"{name:24} {_pct(tally.scanner_share):>9} {_pct(tally.checklist_share):>10} "
            f"{_load(tally.load):>24}"
        )

    for name in sorted(report.by_language):
        rows.append(row(name, report.by_language[name]))
    rows.append("")
    for name in sorted(report.by_class):
        rows.append(row(name, report.by_class[name]))
    rows.append("")
    rows.append(row("overall", report.overall))
    share, load = report.overall.checklist_share, report.overall.load
    rows.append(
        f"goals: checklist >= {COVERAGE_GOAL:.0%} ({_pct(share).strip()}), "
        f"<= {LOAD_GOAL:g} prompts per 100 AI-added fixed lines ({_load(load).strip()}): "
        + ("met" if report.meets_goals() else "NOT MET")
    )
    if report.misses:
        rows.append("not pointed at:")
        rows.extend(f"  {miss}" for miss in report.misses[:50])
    return "\n".join(rows) + "\n"


def format_json(report: CoverageReport) -> str:
    return json.dumps(
        {
            "overall": report.overall.as_dict(),
            "by_language": {k: v.as_dict() for k, v in sorted(report.by_language.items())},
            "by_class": {k: v.as_dict() for k, v in sorted(report.by_class.items())},
            "misses": report.misses,
            "goals_met": report.meets_goals(),
        },
        indent=2,
    )
