"""Review coverage: the checklist's findings and challenges measured against labeled flaws."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from findings.engine.evaluation import load_corpus
from reviewbench.checklist.coverage import case_coverage, coverage

VULNERABLE = "def report(cursor, sort):\n    return cursor.execute(order_query(sort))\n"
FIXED = (
    "ALLOWED = {'date', 'total'}\n\n\n"
    "def report(cursor, sort):\n"
    "    if sort not in ALLOWED:\n"
    "        raise ValueError(sort)\n"
    "    return cursor.execute('SELECT * FROM o ORDER BY ' + sort)\n"
)


def write_case(root, language, cls, slug, after, expected):
    case = root / language / cls / slug
    (case / "after").mkdir(parents=True)
    (case / "before").mkdir()
    (case / "after" / "app.py").write_text(after)
    (case / "expected.json").write_text(json.dumps({"findings": expected}))


@pytest.fixture
def corpus(tmp_path):
    write_case(
        tmp_path,
        "python",
        "sqli",
        "order-vuln",
        VULNERABLE,
        [{"cwe": 89, "path": "app.py", "line": 2}],
    )
    write_case(tmp_path, "python", "sqli", "order-fixed", FIXED, [])
    return tmp_path


def test_a_challenge_of_the_right_class_counts_where_the_scanners_see_nothing(corpus):
    # given a flaw and its fixed twin, measured with no scanner at all
    cases = {case.id: case for case in load_corpus(str(corpus))}

    vulnerable = case_coverage(cases["python/sqli/order-vuln"], scanners=[])
    fixed = case_coverage(cases["python/sqli/order-fixed"], scanners=[])

    # then the checklist still points at the flaw through its SQL challenge, and the fixed twin
    # (an allow-list check before the query) costs no challenge
    assert (vulnerable.expected, vulnerable.by_scanners, vulnerable.by_checklist) == (1, 0, 1)
    assert (fixed.fixed_added_lines, fixed.fixed_prompts) == (7, 0)


def test_the_report_splits_by_language_and_class_and_checks_its_goals(corpus):
    report = coverage(load_corpus(str(corpus)))

    # the Python taint engine follows the parameter into the query too
    assert report.overall.checklist_share == 1.0
    assert report.overall.scanner_share == 1.0
    assert report.overall.load == 0.0
    assert set(report.by_language) == {"python"}
    assert set(report.by_class) == {"sqli"}
    assert report.meets_goals()


def test_the_command_prints_the_table_and_json_and_fails_strictly_on_missed_goals(corpus, tmp_path):
    out = StringIO()
    call_command("checklist_coverage", corpus=str(corpus), stdout=out)
    text = out.getvalue()
    assert "Review coverage (own corpus)" in text
    assert "goals: checklist >= 95% (100.0%)" in text

    out = StringIO()
    call_command("checklist_coverage", corpus=str(corpus), format="json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["overall"]["by_checklist"] == 1
    assert data["goals_met"] is True

    # a vulnerable case nothing points at makes --strict fail
    write_case(
        corpus, "python", "xss", "page-vuln", "x = 1\n", [{"cwe": 79, "path": "app.py", "line": 1}]
    )
    with pytest.raises(CommandError) as failed:
        call_command("checklist_coverage", corpus=str(corpus), strict=True, stdout=StringIO())
    assert failed.value.returncode == 1


def test_a_finding_points_at_each_line_of_its_flow_as_its_card_shows_them():
    from findings.engine.scanners import FindingData, FlowStep
    from reviewbench.checklist.coverage import pointers, whole_file

    text = "const q = req.query.q;\nconst sql = 'SELECT ' + q;\n\n\n\n\ndb.query(sql);\n"
    finding = FindingData(
        scanner_id="semgrep",
        scanner_version="t",
        rule_id="semgrep.js-sql-injection",
        cwe=89,
        severity="high",
        confidence="high",
        title="SQL injection",
        message="m",
        guidance="g",
        path="a.js",
        line=7,
        end_line=7,
        code="db.query(sql);",
        source_line=1,
        flow=(
            FlowStep("a.js", 1, "source: req.query"),
            FlowStep("a.js", 2, "through `sql`"),
            FlowStep("a.js", 7, "sink: db.query(sql);"),
        ),
    )

    marks = [m for m in pointers([finding], [whole_file("a.js", text)]) if m.source == "finding"]

    assert sorted((m.line, m.end_line) for m in marks) == [(1, 1), (2, 2), (7, 7)]
    assert {m.cls for m in marks} == {"sqli"}
