"""Detection measured on labeled code nobody here wrote, read from a checkout the caller fetched.

    python -m bench.external owasp-java PATH   # OWASP Benchmark for Java (GPL-2.0, not copied here)
    python -m bench.external gosec PATH        # securego/gosec's rule samples (Apache-2.0)
    python -m bench.external semgrep-rules PATH  # semgrep/semgrep-rules' annotated tests
    python -m bench.external bearer-rules PATH   # Bearer/bearer-rules' annotated tests
    python -m bench.external codeql-go PATH      # github/codeql-go's query tests (MIT)

The OWASP Benchmark for Java is 2,740 servlets, each labeled in `expectedresults-1.2.csv` with a
category (CWE) and whether it is really vulnerable. ReviewBench scans every test file whole
(`manage.py scan`, every line counts as added) and a file counts as flagged for its category when a
finding of one of the category's CWEs is in it. Per category: true-positive rate, false-positive
rate and the Benchmark's own score, TPR - FPR. Only the Java set is read: OWASP BenchmarkPython
and SecurityEval are held out and never fetched.

gosec's `testutils/gNNN_samples.go` hold, per rule, small Go programs with the number of issues
gosec expects in each (0: a safe sample). They are written to a temporary tree, one directory per
sample, and scanned the same way; a sample counts as flagged for its rule when a finding of one of
the rule's CWEs is in it. gosec's notion of "vulnerable" is wider than taint from a request (it
flags any non-constant SQL or command, `os.Args` included), so its recall is a lower bound here.

semgrep/semgrep-rules keeps, beside each rule (`<name>.yaml`), a test file (`<name>.py`, `.js`,
`.ts`, `.java`, `.go`) whose lines are labeled by comments: `ruleid: <rule>` above a line the rule
must match, `ok: <rule>` above one it must not. The rule's `metadata.cwe` names the class. Each
labeled line is one case: a positive counts as found when a ReviewBench finding of that class
covers the line (within `SEMGREP_LINE_TOLERANCE`), a negative as flagged when one covers the line
itself. Scored per language and class. Those files are written to show a rule's pattern, often
without the request a taint rule needs as its source, so recall is a lower bound here too.

Bearer/bearer-rules (Elastic License 2.0, read where it lies, never copied) keeps, per rule
(`rules/<language>/<framework>/<name>.yml`, its `metadata.cwe_id` names the class), a folder
`tests/<language>/<framework>/<name>/testdata/` whose files mark each line the rule must report
with a `bearer:expected <rule id>` comment above it; Bearer's own test fails on any other finding
of the rule in those files. So the positives are the marked lines, and the negatives are every
other line of the rule's test files that holds a call (`name(`, not a declaration), the places
a sink could be, except the three lines after a marked one (the rest of a multi-line call).
Unlike most of semgrep-rules, these tests usually hold a source (`input()`, `request.GET`,
`req.query`, `r.URL.Query()`), so recall is nearer the truth; the call-line negatives make the
false-positive rate a per-call-site rate, lower than a per-case one would be.

github/codeql-go (MIT; archived in 2023 when its contents moved into github/codeql, whose
snapshot is larger than this workplace may fetch) keeps, per CWE, query tests under
`ql/test/query-tests/Security/CWE-NNN/`: Go files and, per query, a `.expected` file that lists
every alert the query must give, by `file:line:column`. Read it from its last commit with content
(`git archive 2471d3c ql/test/query-tests/Security`). The positives are the alert lines (a
path-problem's `#select` rows, a problem's rows, or an inline `// $ hasTaintFlow` mark); the
negatives, as for Bearer, every other call line of the folder's Go files (not its `vendor/`
stubs), except the lines after an alert and lines commented `BAD`/`NOT OK`, which the query is
known to miss. The folder's CWE names the class; CWE-020 there is regular-expression and URL
checks that are incomplete (no ReviewBench rule looks at a check's own pattern).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import yaml

from bench.harness import PYTHON, ROOT
from findings.engine.cwe_classes import class_of_cwe
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
# gosec's rules of the classes ReviewBench reports → the CWEs a finding may carry to count.
GOSEC_RULE_CWES: dict[str, frozenset[int]] = {
    "G101": frozenset({798, 259}),
    "G107": frozenset({918}),
    "G201": frozenset({89}),
    "G202": frozenset({89}),
    "G203": frozenset({79}),
    "G204": frozenset({78}),
    "G301": frozenset({732}),
    "G302": frozenset({732}),
    "G304": frozenset({22}),
    "G305": frozenset({22}),
    "G306": frozenset({732}),
    "G401": frozenset({327, 328}),
    # "Bad TLS connection settings": verification turned off (295), and outdated versions or
    # weak cipher suites, which ReviewBench reports as weak cryptography (327).
    "G402": frozenset({295, 327}),
    "G404": frozenset({330, 338}),
    "G405": frozenset({327}),
    "G501": frozenset({327, 328}),
    "G502": frozenset({327}),
    "G503": frozenset({327}),
    "G505": frozenset({327, 328}),
}
_GOSEC_SAMPLE = re.compile(r"\{\s*\[\]string\{((?:\s*`[^`]*`\s*,?)+)\s*\}\s*,\s*(\d+)\s*,")
_GO_RAW_STRING = re.compile(r"`([^`]*)`")
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


def gosec_samples(checkout: Path) -> list[tuple[str, int, list[str]]]:
    """(rule, expected issue count, the sample's Go files) of every sample of the rules above."""
    samples = []
    for rule in sorted(GOSEC_RULE_CWES):
        source = checkout / "testutils" / f"{rule.lower()}_samples.go"
        if not source.is_file():
            continue
        for match in _GOSEC_SAMPLE.finditer(source.read_text(encoding="utf-8")):
            samples.append((rule, int(match.group(2)), _GO_RAW_STRING.findall(match.group(1))))
    return samples


def gosec(checkout: Path, findings: list[dict] | None = None) -> dict[str, Score]:
    samples = gosec_samples(checkout)
    with tempfile.TemporaryDirectory(prefix="reviewbench-gosec-") as tmp:
        root = Path(tmp)
        for number, (rule, _count, files) in enumerate(samples):
            folder = root / f"{rule}-{number:04d}"
            folder.mkdir()
            for index, text in enumerate(files):
                (folder / f"file{index}.go").write_text(text, encoding="utf-8")
        found = _scan(root) if findings is None else findings
    flagged: dict[str, set[int]] = defaultdict(set)
    for finding in found:
        if finding.get("cwe"):
            flagged[Path(finding["path"]).parts[0]].add(int(finding["cwe"]))
    scores: dict[str, Score] = defaultdict(Score)
    for number, (rule, count, _files) in enumerate(samples):
        hit = bool(flagged.get(f"{rule}-{number:04d}", set()) & GOSEC_RULE_CWES[rule])
        score = scores[rule]
        if count > 0:
            score.expected += 1
            score.matched += hit
        else:
            score.fixed_cases += 1
            score.fixed_with_finding += hit
    return dict(scores)


SEMGREP_LANGUAGES = {
    ".py": "python",
    ".js": "javascript",
    ".jsx": "javascript",
    ".ts": "typescript",
    ".tsx": "typescript",
    ".java": "java",
    ".go": "go",
}
SEMGREP_LINE_TOLERANCE = 1
_SEMGREP_LABEL = re.compile(r"(?:#|//|/\*)\s*(ruleid|ok)\s*:\s*([\w.\-, ]+)")
_CWE_NUMBER = re.compile(r"CWE-(\d+)")


def _rule_classes(rules_file: Path) -> dict[str, str]:
    """rule id -> class, for the rules of the file whose CWE is one of ReviewBench's classes."""
    try:
        data = yaml.safe_load(rules_file.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    classes = {}
    for rule in data.get("rules") or []:
        if not isinstance(rule, dict) or "id" not in rule:
            continue
        cwe = (rule.get("metadata") or {}).get("cwe") or ()
        texts = [cwe] if isinstance(cwe, str) else [str(item) for item in cwe]
        for number in (int(n) for text in texts for n in _CWE_NUMBER.findall(text)):
            if (name := class_of_cwe(number)) is not None:
                classes[str(rule["id"])] = name
                break
    return classes


def semgrep_cases(checkout: Path) -> list[tuple[str, str, int, str, bool]]:
    """(relative path, language, line, class, vulnerable) of every labeled line of a test file
    whose rule has one of ReviewBench's classes."""
    cases = []
    for source in sorted(checkout.rglob("*")):
        language = SEMGREP_LANGUAGES.get(source.suffix)
        rules_file = source.with_suffix(".yaml")
        if language is None or not source.is_file() or not rules_file.is_file():
            continue
        classes = _rule_classes(rules_file)
        if not classes:
            continue
        try:
            lines = source.read_text(encoding="utf-8").split("\n")
        except UnicodeDecodeError:
            continue
        relative = source.relative_to(checkout).as_posix()
        for number, text in enumerate(lines, start=1):
            match = _SEMGREP_LABEL.search(text)
            if match is None:
                continue
            # The label names the next line that is not itself a comment or blank.
            target = number + 1
            while target <= len(lines) and (
                not lines[target - 1].strip() or _SEMGREP_LABEL.search(lines[target - 1])
            ):
                target += 1
            if target > len(lines):
                continue
            for rule in (part.strip() for part in match.group(2).split(",")):
                if rule in classes:
                    vulnerable = match.group(1) == "ruleid"
                    cases.append((relative, language, target, classes[rule], vulnerable))
    return sorted(set(cases))


def semgrep_rules(checkout: Path, findings: list[dict] | None = None) -> dict[str, Score]:
    cases = semgrep_cases(checkout)
    if findings is None:
        findings = _scan_copies(checkout, {case[0] for case in cases}, "reviewbench-semgrep-rules-")
    # Some of semgrep's taint rules report a flow where it starts, and their tests label the
    # source line (`# ruleid:` above `name = request.GET[...]`): a finding covers its source too.
    return _score_lines(cases, findings, source_lines=True)


_BEARER_LABEL = re.compile(r"(?:#|//|/\*)\s*bearer:expected\s+([\w, ]+)")
_BEARER_CWES = re.compile(r"^\s*cwe_id:\s*\n((?:\s*-\s*\"?\d+\"?\s*\n)+)", re.MULTILINE)
_BEARER_ID = re.compile(r"^\s+id:\s*(\w+)\s*$", re.MULTILINE)
_CALL_LINE = re.compile(r"[\w)\]]\s*\(")
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/\*|\*)")
_DECLARATION = re.compile(
    r"^\s*(?:async\s+def|def|func|function|class|public|private|protected|static)\b"
)
# A marked call may run over the next lines; a finding there is the marked case's, not a new one.
BEARER_CONTINUATION = 3


def _bearer_rule_classes(checkout: Path) -> dict[str, str]:
    """rule id -> class, for the rules whose `cwe_id` is one of ReviewBench's classes.

    Read with regular expressions, not YAML: the files' `metadata` blocks are plain, and their
    patterns use YAML features (anchors in folded scalars) a strict loader refuses."""
    classes = {}
    for rule_file in sorted((checkout / "rules").rglob("*.yml")):
        text = rule_file.read_text(encoding="utf-8", errors="replace")
        block, ids = _BEARER_CWES.search(text), _BEARER_ID.findall(text)
        if block is None or not ids:
            continue
        for number in (int(n) for n in re.findall(r"\d+", block.group(1))):
            if (name := class_of_cwe(number)) is not None:
                classes[ids[-1]] = name  # the metadata's id comes after any auxiliary rules'
                break
    return classes


def bearer_cases(checkout: Path) -> list[tuple[str, str, int, str, bool]]:
    """(relative path, language, line, class, vulnerable) of the test files of every rule of
    ReviewBench's classes: each marked line, and each other call line as a negative."""
    classes = _bearer_rule_classes(checkout)
    cases = set()
    for source in sorted((checkout / "tests").rglob("*")):
        language = SEMGREP_LANGUAGES.get(source.suffix)
        parts = source.relative_to(checkout / "tests").parts
        if language is None or not source.is_file() or "testdata" not in parts:
            continue
        rule = "_".join(parts[: parts.index("testdata")])
        if rule not in classes:
            continue
        lines = source.read_text(encoding="utf-8", errors="replace").split("\n")
        positives: set[int] = set()
        for number, text in enumerate(lines, start=1):
            match = _BEARER_LABEL.search(text)
            if match is None or rule not in {p.strip() for p in match.group(1).split(",")}:
                continue
            target = number + 1
            while target <= len(lines) and (
                not lines[target - 1].strip() or _COMMENT_LINE.match(lines[target - 1])
            ):
                target += 1
            if target <= len(lines):
                positives.add(target)
        relative = source.relative_to(checkout).as_posix()
        for line in positives:
            cases.add((relative, language, line, classes[rule], True))
        for number, text in enumerate(lines, start=1):
            if (
                _CALL_LINE.search(text)
                and not _COMMENT_LINE.match(text)
                and not _DECLARATION.match(text)
                and not any(p <= number <= p + BEARER_CONTINUATION for p in positives)
                and not any(number == p - 1 for p in positives)
            ):
                cases.add((relative, language, number, classes[rule], False))
    return sorted(cases)


CODEQL_GO_TESTS = Path("ql/test/query-tests/Security")
_CODEQL_FOLDER = re.compile(r"^CWE-0*(\d+)$")
_CODEQL_ROW = re.compile(r"^\|\s*([^|:\s]+\.go):(\d+):\d+:\d+:\d+\s*\|")
_CODEQL_INLINE = re.compile(r"//\s*\$\s*(?:hasTaintFlow|Alert)\b")
_CODEQL_KNOWN_MISS = re.compile(r"//.*\b(?:BAD|NOT OK)\b")


def _codeql_alerts(expected: Path) -> set[tuple[Path, int]]:
    """(Go file, line) of every alert a `.expected` file lists: its `#select` rows when it has
    sections (a path-problem's edges and nodes are not alerts), else every row."""
    lines = expected.read_text(encoding="utf-8", errors="replace").splitlines()
    sectioned = any(line.startswith("#select") for line in lines)
    alerts, selecting = set(), not sectioned
    for line in lines:
        if line.startswith(("#", "edges", "nodes", "subpaths")):
            selecting = line.startswith("#select")
            continue
        match = _CODEQL_ROW.match(line)
        if selecting and match is not None:
            alerts.add((expected.parent / match.group(1), int(match.group(2))))
    return alerts


def codeql_go_cases(checkout: Path) -> list[tuple[str, str, int, str, bool]]:
    """(relative path, "go", line, class, vulnerable) of the query tests of every CWE folder of
    ReviewBench's classes: each alert line, and each other call line as a negative."""
    root = checkout / CODEQL_GO_TESTS
    cases = set()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        match = _CODEQL_FOLDER.match(folder.name)
        name = class_of_cwe(int(match.group(1))) if match else None
        if name is None:
            continue
        sources = [p for p in sorted(folder.rglob("*.go")) if "vendor" not in p.parts]
        alerts = {
            alert
            for expected in folder.rglob("*.expected")
            if "vendor" not in expected.parts
            for alert in _codeql_alerts(expected)
        }
        for source in sources:
            lines = source.read_text(encoding="utf-8", errors="replace").split("\n")
            positives = {line for path, line in alerts if path == source}
            positives |= {n for n, text in enumerate(lines, 1) if _CODEQL_INLINE.search(text)}
            relative = source.relative_to(checkout).as_posix()
            for line in positives:
                cases.add((relative, "go", line, name, True))
            for number, text in enumerate(lines, start=1):
                if (
                    _CALL_LINE.search(text)
                    and not _COMMENT_LINE.match(text)
                    and not _DECLARATION.match(text)
                    and not _CODEQL_KNOWN_MISS.search(text)
                    and not any(p - 1 <= number <= p + BEARER_CONTINUATION for p in positives)
                ):
                    cases.add((relative, "go", number, name, False))
    return sorted(cases)


def codeql_go(checkout: Path, findings: list[dict] | None = None) -> dict[str, Score]:
    cases = codeql_go_cases(checkout)
    if findings is None:
        findings = _scan_copies(checkout, {case[0] for case in cases}, "reviewbench-codeql-go-")
    # Some queries report where the flow starts (ZipSlip: the archive's entry), as some
    # semgrep-rules tests label it: a data-flow finding covers its source line too.
    return _score_lines(cases, findings, source_lines=True, flag_sources=False)


def _score_lines(
    cases: list[tuple[str, str, int, str, bool]],
    findings: list[dict],
    *,
    source_lines: bool = False,
    flag_sources: bool = True,
) -> dict[str, Score]:
    """A positive counts as found when a finding of its class covers it (within
    SEMGREP_LINE_TOLERANCE), a negative as flagged when one covers the line itself. With
    `source_lines`, a data-flow finding also covers the line its flow starts at: for both, or,
    without `flag_sources`, for positives only (where every call line is a negative, the
    request read a true flow starts at is not a false alarm)."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    sinks: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for finding in findings:
        name = class_of_cwe(finding.get("cwe"))
        if name is not None:
            line = int(finding["line"])
            spans[(finding["path"], name)].append((line, int(finding.get("end_line") or line)))
            sinks[(finding["path"], name)].append((line, int(finding.get("end_line") or line)))
            source = finding.get("source_line")
            if source_lines and source and finding.get("source_path") in ("", finding["path"]):
                spans[(finding["path"], name)].append((int(source), int(source)))
    scores: dict[str, Score] = defaultdict(Score)
    for path, language, line, name, vulnerable in cases:
        score = scores[f"{language} {name}"]
        if vulnerable:
            score.expected += 1
            score.matched += any(
                start - SEMGREP_LINE_TOLERANCE <= line <= end + SEMGREP_LINE_TOLERANCE
                for start, end in spans.get((path, name), ())
            )
        else:
            score.fixed_cases += 1
            flagging = spans if flag_sources else sinks
            score.fixed_with_finding += any(
                start <= line <= end for start, end in flagging.get((path, name), ())
            )
    return dict(scores)


def _scan_copies(checkout: Path, relatives: set[str], prefix: str) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        root = Path(tmp)
        for relative in sorted(relatives):
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((checkout / relative).read_bytes())
        return _scan(root)


def bearer_rules(checkout: Path, findings: list[dict] | None = None) -> dict[str, Score]:
    cases = bearer_cases(checkout)
    if findings is None:
        findings = _scan_copies(checkout, {case[0] for case in cases}, "reviewbench-bearer-")
    return _score_lines(cases, findings)


def report(scores: dict[str, Score], *, unit: str = "files") -> str:
    width = max([14, *(len(category) for category in scores)])
    lines = [f"{'category':{width}} {'TPR':>6} {'FPR':>6} {'score':>6}  (real / safe {unit})"]
    for category in sorted(scores):
        s = scores[category]
        tpr, fpr = s.recall or 0.0, s.false_positive_rate or 0.0
        lines.append(
            f"{category:{width}} {tpr:6.2f} {fpr:6.2f} {tpr - fpr:+6.2f}  "
            f"({s.expected} / {s.fixed_cases})"
        )
    mean = sum((s.recall or 0.0) - (s.false_positive_rate or 0.0) for s in scores.values()) / max(
        len(scores), 1
    )
    lines.append(f"{'mean score':{width}} {'':6} {'':6} {mean:+6.2f}")
    return "\n".join(lines)


def suite_arguments(
    prog: str, suites: tuple[str, ...], argv: list[str] | None
) -> tuple[str, Path, list[dict] | None]:
    """The command line of a suite runner: the suite, its checkout, and saved findings if any."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("suite", choices=suites)
    parser.add_argument("checkout", type=Path, help="a checkout of the suite's repository")
    parser.add_argument(
        "--findings", type=Path, help="score this `manage.py scan --format json` output instead"
    )
    args = parser.parse_args(argv)
    saved = json.loads(args.findings.read_text())["findings"] if args.findings else None
    return args.suite, args.checkout, saved


def main(argv: list[str] | None = None) -> int:
    suites = ("owasp-java", "gosec", "semgrep-rules", "bearer-rules", "codeql-go")
    name, checkout, saved = suite_arguments("python -m bench.external", suites, argv)
    suite = {
        "owasp-java": owasp_java,
        "gosec": gosec,
        "semgrep-rules": semgrep_rules,
        "bearer-rules": bearer_rules,
        "codeql-go": codeql_go,
    }[name]
    unit = "lines" if name in ("semgrep-rules", "bearer-rules", "codeql-go") else "files"
    print(report(suite(checkout, saved), unit=unit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
