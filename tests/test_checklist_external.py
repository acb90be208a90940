"""bench.checklist_external: review coverage (issue 14) on suites nobody here wrote."""

from __future__ import annotations

from bench.checklist_external import bearer_rules, owasp_java, report
from bench.external import TESTCODE

SERVLET = (
    "class {name} {{\n"
    "  void doPost(javax.servlet.http.HttpServletRequest request) throws Exception {{\n"
    '    String param = request.getParameter("p");\n'
    "    String bar = {bar};\n"
    "    Runtime r = Runtime.getRuntime();\n"
    '    r.exec("echo " + bar);\n'
    "  }}\n"
    "}}\n"
)


def _finding(path: str, line: int, cwe: int) -> dict:
    return {
        "scanner_id": "semgrep",
        "scanner_version": "1",
        "rule_id": "semgrep.java-command-injection",
        "cwe": cwe,
        "severity": "critical",
        "confidence": "high",
        "title": "OS command injection",
        "message": "m",
        "guidance": "g",
        "path": path,
        "line": line,
        "end_line": line,
        "code": "",
        "source_path": "",
        "source_line": 3,
    }


def test_owasp_java_counts_the_flaws_the_checklist_points_at_and_the_load_on_safe_files(tmp_path):
    (tmp_path / "expectedresults-1.2.csv").write_text(
        "# test name, category, real vulnerability, cwe\n"
        "BenchmarkTest00001,cmdi,true,78\n"
        "BenchmarkTest00002,cmdi,true,78\n"
        "BenchmarkTest00003,cmdi,false,78\n"
    )
    code = tmp_path / TESTCODE
    code.mkdir(parents=True)
    (code / "BenchmarkTest00001.java").write_text(SERVLET.format(name="A", bar="param"))
    (code / "BenchmarkTest00002.java").write_text(SERVLET.format(name="B", bar="param"))
    # the safe twin runs a constant: no input reaches the command, no challenge
    (code / "BenchmarkTest00003.java").write_text(SERVLET.format(name="C", bar='"safe"'))
    # the scanner found only the first; the checklist's challenge points at the second too
    findings = [_finding("BenchmarkTest00001.java", 6, 78)]

    [cmdi] = owasp_java(tmp_path, findings).values()

    assert (cmdi.expected, cmdi.by_scanners, cmdi.by_checklist) == (2, 1, 2)
    assert (cmdi.fixed_added_lines, cmdi.fixed_prompts) == (8, 0)
    assert cmdi.load == 0.0
    text = report({"cmdi": cmdi})
    assert "cmdi                2     50.0%     100.0%                    0.00" in text


def test_a_line_suite_counts_a_challenge_within_two_lines_of_the_marked_line(tmp_path):
    rules = tmp_path / "rules" / "python" / "lang"
    rules.mkdir(parents=True)
    (rules / "ldap_injection.yml").write_text(
        "metadata:\n  cwe_id:\n    - 90\n  id: python_lang_ldap_injection\n"
    )
    testdata = tmp_path / "tests" / "python" / "lang" / "ldap_injection" / "testdata"
    testdata.mkdir(parents=True)
    (testdata / "main.py").write_text(
        "import ldap\n"
        "def who(request, conn):\n"
        "    uid = request.GET['uid']\n"
        "    # bearer:expected python_lang_ldap_injection\n"
        "    return conn.search_s('dc=x', ldap.SCOPE_SUBTREE, '(uid=' + uid + ')')\n"
    )

    # no finding at all: only the LDAP challenge on line 5 points at the flaw
    tallies = bearer_rules(tmp_path, [])

    ldap = tallies["python ldap-injection"]
    assert (ldap.expected, ldap.by_scanners, ldap.by_checklist) == (1, 0, 1)


def test_codeql_go_review_coverage_counts_the_checklist_on_alert_lines(tmp_path):
    from bench.checklist_external import codeql_go

    folder = tmp_path / "ql" / "test" / "query-tests" / "Security" / "CWE-078"
    folder.mkdir(parents=True)
    (folder / "main.go").write_text(
        'package main\n\nimport (\n\t"net/http"\n\t"os/exec"\n)\n\n'
        "func h(w http.ResponseWriter, r *http.Request) {\n"
        '\trepo := r.URL.Query().Get("repo")\n'
        '\texec.Command("git", "clone", repo).Run()\n}\n'
    )
    (folder / "CommandInjection.expected").write_text(
        "#select\n| main.go:10:30:10:33 | repo | main.go:9:10:9:14 | r | x |\n"
    )

    # no finding given: the alert is pointed at by the argument-injection challenge alone
    tallies = codeql_go(tmp_path, findings=[])

    tally = tallies["go command-injection"]
    assert (tally.expected, tally.by_scanners, tally.by_checklist) == (1, 0, 1)
