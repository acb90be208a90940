"""Detection measured on labeled code nobody here wrote, read from a checkout the caller fetched.

    python -m bench.external owasp-java PATH   # OWASP Benchmark for Java (GPL-2.0, not copied here)

The OWASP Benchmark for Java is 2,740 servlets, each labeled in `expectedresults-1.2.csv` with a
category (CWE) and whether it is really vulnerable. ReviewBench scans every test file whole
(`manage.py scan`, every line counts as added) and a file counts as flagged for its category when a
finding of one of the category's CWEs is in it. Per category: true-positive rate, false-positive
rate and the Benchmark's own score, TPR - FPR. Only the Java set is read: OWASP BenchmarkPython
and SecurityEval are held out and never fetched.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.harness import PYTHON, ROOT
from findings.engine.evaluation import Score

# The Benchmark's category → the CWEs a finding may carry to count for it.
CATEGORY_CWES: dict[str, frozenset[int]] = {
    "sqli": frozenset({89}),
    "cmdi": frozenset({78}),
    "pathtraver": frozenset({22, 23, 36}),
    "xss": frozenset({79}),
    "ldapi": frozenset({90}),
    "xpathi": frozenset({643}),
    "trustbound": frozenset({501}),
    "securecookie": frozenset({614, 1004, 1275}),
    "hash": frozenset({328, 327, 916}),
    "crypto": frozenset({327, 326}),
    "weakrand": frozenset({330, 338}),
}
TESTCODE = Path("src/main/java/org/owasp/benchmark/testcode")
EXPECTED = "expectedresults-1.2.csv"


def _expected(checkout: Path) -> dict[str, tuple[str, bool]]:
    rows = csv.reader(io.StringIO((checkout / EXPECTED).read_text()))
    expected = {}
    for row in rows:
        if not row or row[0].startswith("#"):
            continue
        expected[row[0].strip()] = (row[1].strip(), row[2].strip() == "true")
    return expected


def _scan(directory: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "findings.json"
        subprocess.run(  # noqa: S603  # nosec B603
            [PYTHON, "manage.py", "scan", str(directory), "--format", "json",
             "--output", str(output)],
            cwd=ROOT, check=True, capture_output=True,
            env={"DJANGO_DEBUG": "1", "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        return list(json.loads(output.read_text())["findings"])


def owasp_java(checkout: Path, findings: list[dict] | None = None) -> dict[str, Score]:
    expected = _expected(checkout)
    flagged: dict[str, set[int]] = defaultdict(set)
    for finding in _scan(checkout / TESTCODE) if findings is None else findings:
        if finding.get("cwe"):
            flagged[Path(finding["path"]).stem].add(int(finding["cwe"]))
    scores: dict[str, Score] = defaultdict(Score)
    for test, (category, real) in expected.items():
        hit = bool(flagged.get(test, set()) & CATEGORY_CWES.get(category, frozenset()))
        # The corpus's tally: real files are expected findings, safe files are fixed twins.
        score = scores[category]
        if real:
            score.expected += 1
            score.matched += hit
        else:
            score.fixed_cases += 1
            score.fixed_with_finding += hit
    return dict(scores)


def report(scores: dict[str, Score]) -> str:
    lines = [f"{'category':14} {'TPR':>6} {'FPR':>6} {'score':>6}  (real / safe files)"]
    for category in sorted(scores):
        s = scores[category]
        tpr, fpr = s.recall or 0.0, s.false_positive_rate or 0.0
        lines.append(
            f"{category:14} {tpr:6.2f} {fpr:6.2f} {tpr - fpr:+6.2f}  "
            f"({s.expected} / {s.fixed_cases})"
        )
    mean = sum((s.recall or 0.0) - (s.false_positive_rate or 0.0) for s in scores.values()) / max(
        len(scores), 1
    )
    lines.append(f"{'mean score':14} {'':6} {'':6} {mean:+6.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.external")
    parser.add_argument("suite", choices=("owasp-java",))
    parser.add_argument("checkout", type=Path, help="a checkout of the suite's repository")
    parser.add_argument(
        "--findings", type=Path, help="score this `manage.py scan --format json` output instead"
    )
    args = parser.parse_args(argv)
    saved = json.loads(args.findings.read_text())["findings"] if args.findings else None
    print(report(owasp_java(args.checkout, saved)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
