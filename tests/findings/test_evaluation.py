"""The evaluation harness: corpus loading, matching, scoring and the `evaluate` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from findings.engine.evaluation import (
    CorpusError,
    Expected,
    case_snapshot,
    evaluate_corpus,
    finding_matches,
    format_json,
    format_text,
    load_corpus,
)
from findings.engine.scanners import FindingData
from findings.engine.scanners.python_taint import PythonTaintScanner

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
VULN = (
    "import os\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
    "@app.get('/run')\ndef run():\n    os.system('ls ' + request.args['d'])\n    return 'ok'\n"
)
FIXED = (
    "import subprocess\nfrom flask import Flask, request\napp = Flask(__name__)\n\n"
    "@app.get('/run')\ndef run():\n    subprocess.run(['ls', request.args['d']])\n    return 'ok'\n"
)


def _case(root, case_id, *, after, findings, before=None, path="app.py"):
    folder = root / case_id
    (folder / "after").mkdir(parents=True)
    (folder / "after" / path).write_text(after)
    if before is not None:
        (folder / "before").mkdir()
        (folder / "before" / path).write_text(before)
    (folder / "expected.json").write_text(json.dumps({"findings": findings, "note": "n"}))


@pytest.fixture
def corpus(tmp_path):
    _case(tmp_path, "python/command-injection/ls-vuln", after=VULN,
          findings=[{"cwe": 78, "path": "app.py", "line": 7}])  # fmt: skip
    _case(tmp_path, "python/command-injection/ls-fixed", after=FIXED, findings=[])
    # A case the engine misses by design: the expected line is wrong.
    _case(tmp_path, "python/command-injection/wrong-line-vuln", after=VULN,
          findings=[{"cwe": 77, "path": "app.py", "line": 2}])  # fmt: skip
    # A fixed twin that still holds the flaw: a false positive.
    _case(tmp_path, "python/command-injection/still-bad-fixed", after=VULN, findings=[])
    return tmp_path


def _finding(cwe, line, end_line, path="app.py"):
    return FindingData(
        scanner_id="s", scanner_version="1", rule_id="r", cwe=cwe, severity="high",
        confidence="high", title="t", message="m", guidance="g", path=path, line=line,
        end_line=end_line, code="",
    )  # fmt: skip


def test_a_finding_matches_by_class_path_and_line_range():
    expected = Expected(cwe=77, path="app.py", line=5)

    assert finding_matches(_finding(78, 4, 6), expected) is True
    assert finding_matches(_finding(78, 5, 5), expected) is True
    assert finding_matches(_finding(89, 4, 6), expected) is False
    assert finding_matches(_finding(78, 6, 9), expected) is False
    assert finding_matches(_finding(78, 4, 6, path="other.py"), expected) is False
    assert finding_matches(_finding(None, 4, 6), expected) is False


def test_a_case_becomes_a_snapshot_with_a_patch_per_differing_file(tmp_path):
    # given a case with one changed and one unchanged file
    folder = tmp_path / "python/sqli/x-vuln"
    (folder / "before").mkdir(parents=True)
    (folder / "after").mkdir(parents=True)
    (folder / "before" / "same.py").write_text("a = 1\n")
    (folder / "after" / "same.py").write_text("a = 1\n")
    (folder / "before" / "app.py").write_text("a = 1\n")
    (folder / "after" / "app.py").write_text("a = 2\n")
    (folder / "expected.json").write_text('{"findings": []}')

    # when
    (case,) = load_corpus(str(tmp_path))
    snapshot = case_snapshot(case)

    # then
    assert case.id == "python/sqli/x-vuln"
    (change,) = snapshot.files
    assert (change.path, change.status, change.content) == ("app.py", "modified", "a = 2\n")
    assert change.patch == "@@ -1 +1 @@\n-a = 1\n+a = 2"


def test_recall_false_positives_and_misses_are_scored(corpus):
    # when
    report = evaluate_corpus(str(corpus), scanners=[PythonTaintScanner()])

    # then
    score = report.by_class["command-injection"]
    assert (score.expected, score.matched, score.recall) == (2, 1, 0.5)
    assert (score.fixed_cases, score.fixed_with_finding, score.false_positive_rate) == (2, 1, 0.5)
    assert report.by_language["python"].recall == 0.5
    assert report.cases == 4
    assert [(m.case_id, m.cwe, m.line) for m in report.misses] == [
        ("python/command-injection/wrong-line-vuln", 77, 2)
    ]
    assert [(fp.case_id, fp.rule_id, fp.line) for fp in report.false_positives] == [
        ("python/command-injection/still-bad-fixed", "python-taint.command-injection", 7)
    ]
    assert report.meets_goals() is False


def test_text_and_json_output_name_the_cases(corpus):
    # given
    report = evaluate_corpus(str(corpus), scanners=[PythonTaintScanner()])

    # when
    text = format_text(report)
    data = json.loads(format_json(report))

    # then
    assert "command-injection          50.0%       1/2    50.0%       1/2" in text.splitlines()
    assert "  python/command-injection/wrong-line-vuln: CWE-77 app.py:2" in text
    assert "NOT met" in text
    assert data["by_class"]["command-injection"]["recall"] == 0.5
    assert data["misses"] == [
        {
            "case_id": "python/command-injection/wrong-line-vuln",
            "cwe": 77,
            "path": "app.py",
            "line": 2,
        }
    ]
    assert data["meets_goals"] is False


def test_the_command_exits_1_in_strict_mode_when_goals_are_missed(corpus, capsys):
    # when
    with pytest.raises(CommandError) as raised:
        call_command("evaluate", corpus=str(corpus), format="json", strict=True)

    # then
    assert raised.value.returncode == 1
    assert json.loads(capsys.readouterr().out)["cases"] == 4


def test_the_command_passes_on_a_corpus_that_meets_the_goals(tmp_path, capsys):
    # given
    _case(tmp_path, "python/command-injection/ls-vuln", after=VULN,
          findings=[{"cwe": 78, "path": "app.py", "line": 7}])  # fmt: skip
    _case(tmp_path, "python/command-injection/ls-fixed", after=FIXED, findings=[])

    # when
    call_command("evaluate", corpus=str(tmp_path), strict=True)

    # then
    out = capsys.readouterr().out
    assert "goals: recall >= 0.95, false-positive rate <= 0.05: met" in out


def test_a_broken_case_is_a_usage_error(tmp_path):
    # given
    folder = tmp_path / "python/sqli/bad-vuln"
    (folder / "after").mkdir(parents=True)
    (folder / "after" / "app.py").write_text("x = 1\n")
    (folder / "expected.json").write_text("{not json")

    # then
    with pytest.raises(CorpusError, match=r"bad-vuln: unreadable expected\.json"):
        load_corpus(str(tmp_path))
    with pytest.raises(CommandError) as raised:
        call_command("evaluate", corpus=str(tmp_path))
    assert raised.value.returncode == 2


def test_the_shipped_python_corpus_meets_the_goals():
    # when
    report = evaluate_corpus(str(CORPUS), language="python")

    # then
    assert report.cases >= 80
    assert report.overall.recall == 1.0
    assert report.overall.false_positive_rate == 0.0
    assert report.misses == []
    assert report.false_positives == []
