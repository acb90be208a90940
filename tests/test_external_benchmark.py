"""bench.external's scoring of the OWASP Benchmark for Java, on a two-category stand-in."""

from __future__ import annotations

from bench.external import owasp_java, report


def test_a_file_counts_for_its_category_only_with_that_category_cwe(tmp_path):
    (tmp_path / "expectedresults-1.2.csv").write_text(
        "# test name, category, real vulnerability, cwe\n"
        "BenchmarkTest00001,sqli,true,89\n"
        "BenchmarkTest00002,sqli,true,89\n"
        "BenchmarkTest00003,sqli,false,89\n"
        "BenchmarkTest00004,xss,true,79\n"
        "BenchmarkTest00005,xss,false,79\n"
    )
    findings = [
        {"path": "BenchmarkTest00001.java", "cwe": 89},
        {"path": "BenchmarkTest00003.java", "cwe": 89},  # a safe file flagged
        {"path": "BenchmarkTest00004.java", "cwe": 89},  # the wrong class: not an XSS hit
        {"path": "BenchmarkTest00005.java", "cwe": None},
    ]

    scores = owasp_java(tmp_path, findings)

    assert (scores["sqli"].recall, scores["sqli"].false_positive_rate) == (0.5, 1.0)
    assert (scores["xss"].recall, scores["xss"].false_positive_rate) == (0.0, 0.0)
    text = report(scores)
    assert "sqli             0.50   1.00  -0.50  (2 / 1)" in text
    assert "mean score" in text and "-0.25" in text


GOSEC_SAMPLES = """package testutils

import "github.com/securego/gosec/v2"

var SampleCodeG201 = []CodeSample{
	{[]string{`
package main
func main() { db.Query(fmt.Sprintf("SELECT %s", os.Args[1])) }
`}, 1, gosec.NewConfig()},
	{[]string{`
package main
func main() { db.Query("SELECT 1") }
`, `
package main
func helper() {}
`}, 0, gosec.NewConfig()},
}
"""


def test_gosec_samples_are_read_per_rule_and_scored_by_the_rule_cwes(tmp_path):
    from bench.external import gosec, gosec_samples

    (tmp_path / "testutils").mkdir()
    (tmp_path / "testutils" / "g201_samples.go").write_text(GOSEC_SAMPLES)

    samples = gosec_samples(tmp_path)

    assert [(rule, count, len(files)) for rule, count, files in samples] == [
        ("G201", 1, 1),
        ("G201", 0, 2),
    ]
    assert "os.Args[1]" in samples[0][2][0]
    findings = [
        {"path": "G201-0000/file0.go", "cwe": 89},
        {"path": "G201-0001/file1.go", "cwe": 798},  # another class in the safe sample
    ]
    scores = gosec(tmp_path, findings)
    assert (scores["G201"].recall, scores["G201"].false_positive_rate) == (1.0, 0.0)


def test_semgrep_rules_tests_are_read_per_labeled_line_and_scored_per_language_and_class(
    tmp_path,
):
    from bench.external import semgrep_cases, semgrep_rules

    folder = tmp_path / "python" / "lang"
    folder.mkdir(parents=True)
    (folder / "sqli.yaml").write_text(
        "rules:\n"
        "  - id: sql-concat\n"
        "    metadata:\n"
        "      cwe:\n"
        "        - 'CWE-89: Improper Neutralization of Special Elements used in an SQL Command'\n"
        "  - id: not-ours\n"
        "    metadata:\n"
        "      cwe: 'CWE-284: Improper Access Control'\n"
    )
    (folder / "sqli.py").write_text(
        "def a(db, name):\n"
        "    # ruleid: sql-concat\n"
        "    db.execute('SELECT ' + name)\n"
        "\n"
        "def b(db):\n"
        "    # ok: sql-concat\n"
        "\n"
        "    db.execute('SELECT 1')\n"
        "    # ruleid: sql-concat\n"
        "    db.execute('SELECT ' + input())\n"
        "    # todoruleid: sql-concat\n"
        "    db.execute(x)\n"
        "    # ruleid: not-ours\n"
        "    admin_only()\n"
    )
    (folder / "README.md").write_text("# ruleid: sql-concat\nnot a test file\n")

    cases = semgrep_cases(tmp_path)

    # The label names the next line that is not blank or itself a label; todo labels are not
    # cases; nor is a rule outside ReviewBench's classes (CWE-284), nor a file without a rule.
    assert cases == [
        ("python/lang/sqli.py", "python", 3, "sqli", True),
        ("python/lang/sqli.py", "python", 8, "sqli", False),
        ("python/lang/sqli.py", "python", 10, "sqli", True),
    ]
    findings = [
        {"path": "python/lang/sqli.py", "line": 4, "end_line": 4, "cwe": 89},  # one line off
        {"path": "python/lang/sqli.py", "line": 8, "end_line": 8, "cwe": 89},  # the ok line
        {"path": "python/lang/sqli.py", "line": 10, "end_line": 10, "cwe": 78},  # wrong class
    ]
    scores = semgrep_rules(tmp_path, findings)
    assert (scores["python sqli"].recall, scores["python sqli"].false_positive_rate) == (0.5, 1.0)


def test_bearer_rules_tests_score_marked_lines_and_count_other_call_lines_as_negatives(tmp_path):
    from bench.external import bearer_cases, bearer_rules

    rules = tmp_path / "rules" / "python" / "lang"
    rules.mkdir(parents=True)
    (rules / "sql_injection.yml").write_text(
        "patterns:\n  - pattern: $X\nauxiliary:\n  - id: python_lang_sql_helper\n"
        "metadata:\n  description: SQL\n  cwe_id:\n    - 89\n  id: python_lang_sql_injection\n"
    )
    (rules / "logger_leak.yml").write_text(
        "metadata:\n  cwe_id:\n    - 532\n  id: python_lang_logger_leak\n"
    )
    testdata = tmp_path / "tests" / "python" / "lang" / "sql_injection" / "testdata"
    testdata.mkdir(parents=True)
    (testdata / "main.py").write_text(
        "user_input = input()\n"  # 1: a call line, a negative
        "def f(cursor):\n"
        "    cursor.execute('SELECT 1')\n"  # 3: negative
        "    # bearer:expected python_lang_sql_injection\n"
        "\n"
        "    cursor.execute(\n"  # 6: positive
        "        'SELECT ' + user_input)\n"  # 7: its continuation, not a negative
        "    # a comment(with parentheses)\n"
    )
    other = tmp_path / "tests" / "python" / "lang" / "logger_leak" / "testdata"
    other.mkdir(parents=True)
    (other / "main.py").write_text("# bearer:expected python_lang_logger_leak\nlog(x)\n")

    cases = bearer_cases(tmp_path)

    # the rule's id is read from its metadata (not the auxiliary rule's); a rule outside
    # ReviewBench's classes (CWE-532) is not scored
    path = "tests/python/lang/sql_injection/testdata/main.py"
    assert cases == [
        (path, "python", 1, "sqli", False),
        (path, "python", 3, "sqli", False),
        (path, "python", 6, "sqli", True),
    ]
    findings = [
        {"path": path, "line": 7, "end_line": 7, "cwe": 89},  # within the tolerance
        {"path": path, "line": 3, "end_line": 3, "cwe": 89},  # a negative flagged
    ]
    scores = bearer_rules(tmp_path, findings)
    assert (scores["python sqli"].recall, scores["python sqli"].false_positive_rate) == (1.0, 0.5)


def test_a_semgrep_rules_case_labeled_at_the_source_counts_a_flow_starting_there(tmp_path):
    from bench.external import semgrep_rules

    folder = tmp_path / "python" / "django"
    folder.mkdir(parents=True)
    (folder / "sqli.yaml").write_text(
        "rules:\n  - id: tainted-sql\n    metadata:\n      cwe: CWE-89\n"
    )
    (folder / "sqli.py").write_text(
        "def view(request):\n"
        "    # ruleid: tainted-sql\n"
        "    name = request.GET['n']\n"  # 3: labeled, the flow's source
        "    log(name)\n"
        "    # ok: tainted-sql\n"
        "    other = request.GET['o']\n"  # 6: labeled ok, the source of a second flow
        "    cursor.execute('SELECT ' + name + other)\n"  # 7: the sink
    )
    flow = {"path": "python/django/sqli.py", "line": 7, "end_line": 7, "cwe": 89}

    scores = semgrep_rules(tmp_path, [{**flow, "source_line": 3, "source_path": ""}])
    assert (scores["python sqli"].recall, scores["python sqli"].false_positive_rate) == (1.0, 0.0)

    # a flow from the ok line counts against it, and one from elsewhere covers neither
    scores = semgrep_rules(tmp_path, [{**flow, "source_line": 6, "source_path": ""}])
    assert (scores["python sqli"].recall, scores["python sqli"].false_positive_rate) == (0.0, 1.0)
    scores = semgrep_rules(tmp_path, [{**flow, "source_line": 3, "source_path": "other.py"}])
    assert scores["python sqli"].recall == 0.0


def test_codeql_go_tests_score_alert_lines_and_count_other_call_lines_as_negatives(tmp_path):
    from bench.external import codeql_go, codeql_go_cases

    folder = tmp_path / "ql" / "test" / "query-tests" / "Security" / "CWE-089"
    (folder / "vendor" / "lib").mkdir(parents=True)
    (folder / "main.go").write_text(
        "package main\n"
        "func h(db *sql.DB, r *http.Request) {\n"
        '\tq := fmt.Sprintf("SELECT %s", r.FormValue("x"))\n'  # 3: just before the alert: neither
        "\tdb.Query(q)\n"  # 4: the alert
        '\tdb.Query("SELECT 1")\n'  # 5: continuation of the alert (within three lines)
        "\tfoo()\n"
        "\tfoo()\n"
        "\tfoo()\n"
        "\tdb.Query(q) // NOT OK: the query misses it\n"  # 9: neither
        "\tdb.Exec(safe)\n"  # 10: a negative
        "}\n"
    )
    (folder / "vendor" / "lib" / "stub.go").write_text("package lib\nfunc Query(q string) {}\n")
    # a path-problem: only #select rows are alerts, not its edges and nodes
    (folder / "SqlInjection.expected").write_text(
        "edges\n| main.go:3:2:3:3 | q | main.go:4:11:4:11 | q |\n"
        "nodes\n| main.go:3:2:3:3 | q |\n"
        "#select\n| main.go:4:11:4:11 | q | main.go:3:2:3:3 | r | main.go:4:11:4:11 | q | x |\n"
    )
    # a CWE outside ReviewBench's classes is not read; an inline mark is an alert of its own
    other = tmp_path / "ql" / "test" / "query-tests" / "Security" / "CWE-190"
    other.mkdir()
    (other / "a.go").write_text("package main\nfunc f() { make([]int, n) }\n")
    (other / "a.expected").write_text("| a.go:2:12:2:25 | call | overflow |\n")
    logs = tmp_path / "ql" / "test" / "query-tests" / "Security" / "CWE-117"
    logs.mkdir()
    (logs / "l.go").write_text(
        'package main\nfunc f() {\n\tlog.Print(u) // $ hasTaintFlow="u"\n}\n'
    )

    cases = codeql_go_cases(tmp_path)

    main = "ql/test/query-tests/Security/CWE-089/main.go"
    assert [c for c in cases if c[0] == main] == [
        (main, "go", 4, "sqli", True),
        (main, "go", 8, "sqli", False),  # past the alert's three lines of continuation
        (main, "go", 10, "sqli", False),
    ]
    assert ("ql/test/query-tests/Security/CWE-117/l.go", "go", 3, "log-injection", True) in cases
    assert not [c for c in cases if "CWE-190" in c[0] or "vendor" in c[0]]
    findings = [
        # a flow from line 8: its source line is no false alarm where every call line is a case
        {"path": main, "line": 4, "end_line": 4, "cwe": 89, "source_line": 8, "source_path": ""},
        {"path": main, "line": 10, "end_line": 10, "cwe": 89},  # a negative flagged
    ]
    scores = codeql_go(tmp_path, findings)
    assert (scores["go sqli"].recall, scores["go sqli"].false_positive_rate) == (1.0, 0.5)
