"""The evaluation harness: the labeled corpus (docs/CORPUS.md) through the real analysis, measured.

Pure apart from reading the corpus folder: each case becomes a `PullRequestSnapshot` exactly as the
pipeline builds one, `analyze_snapshot` runs every registered scanner, and findings are matched to
the expected entries by CWE class, path and line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from findings.engine.analysis import analyze_snapshot
from findings.engine.cwe_classes import class_of_cwe
from findings.engine.diff import diff_texts
from findings.engine.scanners import FindingData, Scanner
from findings.engine.snapshot import FileChange, PullRequestSnapshot

LANGUAGES = ("python", "javascript", "typescript", "java", "go")
RECALL_GOAL = 0.95
FALSE_POSITIVE_GOAL = 0.05
# Corpus files are small by design; anything bigger is a mistake, not a case.
MAX_CASE_FILE_BYTES = 1_000_000


class CorpusError(ValueError):
    """A corpus case that does not follow docs/CORPUS.md; the message names the case."""


@dataclass(frozen=True)
class Expected:
    cwe: int
    path: str
    line: int


@dataclass(frozen=True)
class Case:
    id: str  # "<language>/<class>/<slug>"
    language: str
    cls: str
    before: dict[str, str]
    after: dict[str, str]
    expected: tuple[Expected, ...]
    note: str = ""

    @property
    def is_fixed(self) -> bool:
        return not self.expected


@dataclass(frozen=True)
class Miss:
    case_id: str
    cwe: int
    path: str
    line: int


@dataclass(frozen=True)
class FalsePositive:
    case_id: str
    cls: str
    rule_id: str
    cwe: int | None
    path: str
    line: int
    message: str


@dataclass(frozen=True)
class CaseResult:
    case: Case
    findings: tuple[FindingData, ...]
    matched: tuple[Expected, ...]
    missed: tuple[Expected, ...]
    failures: tuple[str, ...] = ()


@dataclass
class Score:
    expected: int = 0
    matched: int = 0
    fixed_cases: int = 0
    fixed_with_finding: int = 0

    @property
    def recall(self) -> float | None:
        return None if not self.expected else self.matched / self.expected

    @property
    def false_positive_rate(self) -> float | None:
        return None if not self.fixed_cases else self.fixed_with_finding / self.fixed_cases

    def as_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "matched": self.matched,
            "recall": self.recall,
            "fixed_cases": self.fixed_cases,
            "fixed_with_finding": self.fixed_with_finding,
            "false_positive_rate": self.false_positive_rate,
        }


@dataclass
class Report:
    cases: int = 0
    overall: Score = field(default_factory=Score)
    by_class: dict[str, Score] = field(default_factory=dict)
    by_language: dict[str, Score] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    false_positives: list[FalsePositive] = field(default_factory=list)

    def meets_goals(self) -> bool:
        recall = self.overall.recall
        rate = self.overall.false_positive_rate
        if recall is not None and recall < RECALL_GOAL:
            return False
        if rate is not None and rate > FALSE_POSITIVE_GOAL:
            return False
        for score in self.by_class.values():
            if score.recall is not None and score.recall < RECALL_GOAL:
                return False
            if (
                score.false_positive_rate is not None
                and score.false_positive_rate > FALSE_POSITIVE_GOAL
            ):
                return False
        return True

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "goals": {"recall": RECALL_GOAL, "false_positive_rate": FALSE_POSITIVE_GOAL},
            "meets_goals": self.meets_goals(),
            "overall": self.overall.as_dict(),
            "by_class": {name: score.as_dict() for name, score in sorted(self.by_class.items())},
            "by_language": {
                name: score.as_dict() for name, score in sorted(self.by_language.items())
            },
            "misses": [miss.__dict__ for miss in self.misses],
            "false_positives": [fp.__dict__ for fp in self.false_positives],
        }


def _read_tree(root: str) -> dict[str, str]:
    files: dict[str, str] = {}
    if not os.path.isdir(root):
        return files
    for directory, _subdirs, names in os.walk(root):
        for name in sorted(names):
            full = os.path.join(directory, name)
            if os.path.islink(full) or os.path.getsize(full) > MAX_CASE_FILE_BYTES:
                continue
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            with open(full, encoding="utf-8", errors="replace", newline="") as handle:
                files[relative] = handle.read()
    return files


def load_case(directory: str, case_id: str) -> Case:
    """Read one case folder (before/, after/, expected.json)."""
    language, cls, _slug = case_id.split("/", 2)
    expected_path = os.path.join(directory, "expected.json")
    try:
        with open(expected_path, encoding="utf-8") as handle:
            data = json.load(handle)
        entries = tuple(
            Expected(cwe=int(item["cwe"]), path=str(item["path"]), line=int(item["line"]))
            for item in data.get("findings", [])
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{case_id}: unreadable expected.json ({type(exc).__name__})") from None
    after = _read_tree(os.path.join(directory, "after"))
    if not after:
        raise CorpusError(f"{case_id}: no after/ files")
    return Case(
        id=case_id,
        language=language,
        cls=cls,
        before=_read_tree(os.path.join(directory, "before")),
        after=after,
        expected=entries,
        note=str(data.get("note", "")),
    )


def load_corpus(root: str, *, language: str | None = None) -> list[Case]:
    """Every case under `root` (`<language>/<class>/<case-id>/`), sorted by id."""
    cases: list[Case] = []
    if not os.path.isdir(root):
        raise CorpusError(f"corpus folder not found: {root}")
    for lang in sorted(os.listdir(root)):
        if language is not None and lang != language:
            continue
        lang_dir = os.path.join(root, lang)
        if not os.path.isdir(lang_dir):
            continue
        for cls in sorted(os.listdir(lang_dir)):
            cls_dir = os.path.join(lang_dir, cls)
            if not os.path.isdir(cls_dir):
                continue
            for slug in sorted(os.listdir(cls_dir)):
                case_dir = os.path.join(cls_dir, slug)
                if os.path.isfile(os.path.join(case_dir, "expected.json")):
                    cases.append(load_case(case_dir, f"{lang}/{cls}/{slug}"))
    return cases


def case_snapshot(case: Case) -> PullRequestSnapshot:
    """The case as the pipeline sees a pull request: one FileChange per differing file."""
    changes: list[FileChange] = []
    for path in sorted(set(case.before) | set(case.after)):
        old, new = case.before.get(path), case.after.get(path)
        if old == new:
            continue
        if new is None:
            changes.append(FileChange(path=path, status="removed", patch=diff_texts(old or "", "")))
            continue
        changes.append(
            FileChange(
                path=path,
                status="added" if old is None else "modified",
                patch=diff_texts(old or "", new),
                content=new,
            )
        )
    return PullRequestSnapshot(
        repository_full_name="corpus/case",
        number=1,
        title=case.id,
        body="",
        author_login="corpus",
        base_ref="main",
        base_sha="0" * 40,
        head_ref="case",
        head_sha="1" * 40,
        files=tuple(changes),
    )


def finding_matches(finding: FindingData, expected: Expected) -> bool:
    """Same CWE class, same path, and the expected line inside the finding's range."""
    wanted = class_of_cwe(expected.cwe)
    return (
        wanted is not None
        and class_of_cwe(finding.cwe) == wanted
        and finding.path == expected.path
        and finding.line <= expected.line <= finding.end_line
    )


def evaluate_case(case: Case, *, scanners: Sequence[Scanner] | None = None) -> CaseResult:
    """Run the analysis over one case and match its findings to the expectations."""
    result = analyze_snapshot(case_snapshot(case), scanners=scanners)
    findings = tuple(item.data for item in result.findings)
    matched = tuple(e for e in case.expected if any(finding_matches(f, e) for f in findings))
    missed = tuple(e for e in case.expected if e not in matched)
    return CaseResult(
        case=case,
        findings=findings,
        matched=matched,
        missed=missed,
        failures=tuple(f"{f.scanner_id}: {f.reason}" for f in result.failures),
    )


def score(results: Sequence[CaseResult]) -> Report:
    """Recall per class and language, and the false-positive rate on the fixed twins."""
    report = Report(cases=len(results))
    for result in results:
        case = result.case
        buckets = [
            report.overall,
            report.by_class.setdefault(case.cls, Score()),
            report.by_language.setdefault(case.language, Score()),
        ]
        if case.is_fixed:
            flagged = [f for f in result.findings if class_of_cwe(f.cwe) == case.cls]
            for bucket in buckets:
                bucket.fixed_cases += 1
                bucket.fixed_with_finding += 1 if flagged else 0
            report.false_positives.extend(
                FalsePositive(case.id, case.cls, f.rule_id, f.cwe, f.path, f.line, f.message)
                for f in flagged
            )
            continue
        for expected in case.expected:
            for bucket in (
                report.overall,
                report.by_class.setdefault(class_of_cwe(expected.cwe) or case.cls, Score()),
                report.by_language.setdefault(case.language, Score()),
            ):
                bucket.expected += 1
                bucket.matched += 1 if expected in result.matched else 0
        report.misses.extend(Miss(case.id, e.cwe, e.path, e.line) for e in result.missed)
    return report


def evaluate_corpus(
    root: str, *, language: str | None = None, scanners: Sequence[Scanner] | None = None
) -> Report:
    """Load, run and score every case under `root`."""
    return score(
        [evaluate_case(case, scanners=scanners) for case in load_corpus(root, language=language)]
    )


def _percent(value: float | None) -> str:
    return "   n/a" if value is None else f"{value * 100:5.1f}%"


def format_text(report: Report) -> str:
    """A plain-text table: per class, per language, overall, then misses and false positives."""
    lines = [f"{report.cases} cases"]
    header = f"{'':24} {'recall':>7} {'(n)':>9} {'FP rate':>8} {'(n)':>9}"

    def row(name: str, item: Score) -> str:
        return (
            f"{name:24} {_percent(item.recall):>7} {f'{item.matched}/{item.expected}':>9} "
            f"{_percent(item.false_positive_rate):>8} "
            f"{f'{item.fixed_with_finding}/{item.fixed_cases}':>9}"
        )

    lines += ["", "per class", header]
    lines += [row(name, item) for name, item in sorted(report.by_class.items())]
    lines += ["", "per language", header]
    lines += [row(name, item) for name, item in sorted(report.by_language.items())]
    lines += ["", row("overall", report.overall)]
    lines += [
        "",
        f"goals: recall >= {RECALL_GOAL:.2f}, false-positive rate <= {FALSE_POSITIVE_GOAL:.2f}: "
        + ("met" if report.meets_goals() else "NOT met"),
        "",
        f"misses ({len(report.misses)})",
    ]
    lines += [f"  {m.case_id}: CWE-{m.cwe} {m.path}:{m.line}" for m in report.misses]
    lines += ["", f"false positives ({len(report.false_positives)})"]
    lines += [
        f"  {fp.case_id}: {fp.rule_id} CWE-{fp.cwe} {fp.path}:{fp.line} {fp.message[:120]!r}"
        for fp in report.false_positives
    ]
    return "\n".join(lines) + "\n"


def format_json(report: Report) -> str:
    """The report as JSON (stable keys, sorted)."""
    return json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n"
