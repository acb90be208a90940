"""The semgrep plugin: one engine run per batch, mapping, failures and safe temp names."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from findings.engine.analysis import analyze_snapshot
from findings.engine.scanners import FileFailure, SourceFile, registered_scanners, semgrep_scanner
from findings.engine.scanners.semgrep_scanner import SemgrepScanner, safe_name
from tests.findings.conftest import snapshot

JS_SQLI = """const express = require('express');
const app = express();
app.get('/users', async (req, res) => {
  const name = req.query.name;
  const rows = await pool.query(`SELECT * FROM users WHERE name = '${name}'`);
  res.json(rows);
});
"""

GO_TLS = """package client

import "crypto/tls"

var Config = &tls.Config{InsecureSkipVerify: true}
"""

JAVA_MD5 = """class Hasher {
    byte[] hash(String password) throws Exception {
        return java.security.MessageDigest.getInstance("MD5").digest(password.getBytes());
    }
}
"""

SAFE_TS = """export function add(a: number, b: number): number {
  return a + b;
}
"""


def source(path: str, language: str, text: str) -> SourceFile:
    return SourceFile(path=path, language=language, text=text, added_lines=frozenset())


@pytest.fixture
def recorded_runs(monkeypatch):
    """Wrap subprocess.run in the plugin: the real engine runs, and each call is recorded."""
    calls: list[dict] = []
    real_run = subprocess.run

    def recording_run(command, **kwargs):
        # the engine's target list: ["Targets", [["CodeTarget", {"path": {"fpath": ...}}], ...]]
        target_files = []
        if "-targets" in command:
            with open(command[command.index("-targets") + 1], encoding="utf-8") as handle:
                listed = json.load(handle)[1]
            target_files = [entry[1]["path"]["fpath"] for entry in listed]
        calls.append(
            {
                "command": list(command),
                "executable": kwargs.get("executable"),
                "targets": target_files,
                "contents": {path: open(path, encoding="utf-8").read() for path in target_files},
            }
        )
        return real_run(command, **kwargs)

    monkeypatch.setattr(semgrep_scanner.subprocess, "run", recording_run)
    return calls


def test_one_engine_run_scans_every_file_of_the_batch(recorded_runs):
    # given three files in three languages
    files = [
        source("web/users.js", "javascript", JS_SQLI),
        source("client/tls.go", "go", GO_TLS),
        source("src/Hasher.java", "java", JAVA_MD5),
    ]

    # when the plugin scans them
    outcome = SemgrepScanner().scan(files)

    # then semgrep ran exactly once, with all three files
    assert len(recorded_runs) == 1
    assert len(recorded_runs[0]["targets"]) == 3
    assert outcome.failures == ()
    found = {(f.path, f.rule_id, f.line, f.cwe) for f in outcome.findings}
    assert ("web/users.js", "semgrep.js-sql-injection", 5, 89) in found
    assert ("client/tls.go", "semgrep.go-tls-insecure-skip-verify", 5, 295) in found
    assert ("src/Hasher.java", "semgrep.java-weak-hash", 3, 328) in found


def test_results_carry_rule_metadata_and_the_flagged_line():
    # given a JavaScript SQL injection
    outcome = SemgrepScanner().scan([source("web/users.js", "javascript", JS_SQLI)])

    # then the finding carries the rule's metadata, a message naming the variable, and the code
    [finding] = [f for f in outcome.findings if f.rule_id == "semgrep.js-sql-injection"]
    assert finding.scanner_id == "semgrep"
    assert finding.scanner_version == SemgrepScanner.version
    assert finding.cwe == 89
    assert finding.severity == "high"
    assert finding.confidence == "high"
    assert finding.title == "SQL injection"
    assert "pool.query()" in finding.message
    assert "$1" in finding.guidance
    assert (finding.line, finding.end_line) == (5, 5)
    assert finding.code == (
        "  const rows = await pool.query(`SELECT * FROM users WHERE name = '${name}'`);"
    )


def test_clean_file_yields_no_finding_and_no_failure():
    outcome = SemgrepScanner().scan([source("src/math.ts", "typescript", SAFE_TS)])

    assert outcome.findings == ()
    assert outcome.failures == ()


def test_parse_error_becomes_a_readable_failure_for_that_file_only():
    # given one broken Go file beside a valid JavaScript file
    broken = "package main\n\nfunc main( {\n"
    outcome = SemgrepScanner().scan(
        [source("cmd/main.go", "go", broken), source("web/users.js", "javascript", JS_SQLI)]
    )

    # then the Go file is a failure with the line, and the JS file is still scanned
    assert outcome.failures == (
        FileFailure(
            path="cmd/main.go",
            scanner_id="semgrep",
            reason="syntax error at line 3: semgrep could not parse this file completely",
        ),
    )
    assert {f.path for f in outcome.findings} == {"web/users.js"}


def test_missing_semgrep_fails_every_file_without_running_anything(monkeypatch, recorded_runs):
    # given an engine path that does not exist
    scanner = SemgrepScanner()
    scanner.core_path = "/nonexistent/semgrep-core"
    files = [source("a.js", "javascript", JS_SQLI), source("b.go", "go", GO_TLS)]

    # when scanning
    outcome = scanner.scan(files)

    # then nothing ran, nothing was found, and each file is reported as not analysed
    assert recorded_runs == []
    assert outcome.findings == ()
    reason = "semgrep is not installed; this file was not analysed"
    assert outcome.failures == (
        FileFailure(path="a.js", scanner_id="semgrep", reason=reason),
        FileFailure(path="b.go", scanner_id="semgrep", reason=reason),
    )


def test_crashing_semgrep_fails_every_file(tmp_path):
    # given an "engine" that exits with an error and prints no JSON
    scanner = SemgrepScanner()
    scanner.core_path = "/bin/false"

    outcome = scanner.scan(
        [source("a.js", "javascript", JS_SQLI), source("b.java", "java", JAVA_MD5)]
    )

    assert outcome.findings == ()
    reason = "semgrep failed (exit code 1); this file was not analysed"
    assert outcome.failures == (
        FileFailure(path="a.js", scanner_id="semgrep", reason=reason),
        FileFailure(path="b.java", scanner_id="semgrep", reason=reason),
    )


def test_hostile_paths_never_reach_the_file_system(recorded_runs):
    # given paths with traversal, spaces, newlines, unicode and a misleading extension
    hostile = [
        source("../../etc/passwd.js", "javascript", JS_SQLI),
        source("dir with space/a\nb.ts", "typescript", SAFE_TS),
        source("ünïcødé/ファイル.go", "go", GO_TLS),
        source("x.js; rm -rf ~", "javascript", SAFE_TS),
    ]

    # when scanning
    outcome = SemgrepScanner().scan(hostile)

    # then only generated names inside one temp dir were written and passed to semgrep
    [call] = recorded_runs
    names = [os.path.basename(path) for path in call["targets"]]
    assert names == ["f000000.js", "f000001.ts", "f000002.go", "f000003.js"]
    directories = {os.path.dirname(path) for path in call["targets"]}
    assert len(directories) == 1
    assert all("etc" not in part for part in call["command"])
    assert call["contents"][call["targets"][0]] == JS_SQLI
    # and the temp dir is gone, while results map back to the PR's own paths
    assert not os.path.exists(directories.pop())
    assert {f.path for f in outcome.findings} == {"../../etc/passwd.js", "ünïcødé/ファイル.go"}
    assert outcome.failures == ()


def test_safe_name_keeps_known_extensions_and_ignores_the_rest():
    assert safe_name(0, source("a/b/Component.TSX", "typescript", "")) == "f000000.tsx"
    assert safe_name(12, source("../../x.mjs", "javascript", "")) == "f000012.mjs"
    assert safe_name(3, source("weird.js.sh", "javascript", "")) == "f000003.js"
    assert safe_name(4, source("noext", "go", "")) == "f000004.go"
    assert re.fullmatch(r"f\d{6}\.\w+", safe_name(999999, source("\n.java", "java", "")))


def test_semgrep_is_registered_for_the_four_languages():
    [scanner] = [s for s in registered_scanners() if s.id == "semgrep"]

    assert scanner.languages == frozenset({"javascript", "typescript", "java", "go"})
    assert not scanner.handles("python")


def test_pipeline_keeps_only_findings_on_added_lines():
    # given a PR that adds a TLS-off config beside a pre-existing one
    from tests.findings.conftest import file_change

    old = GO_TLS
    new = GO_TLS + "\nvar Other = &tls.Config{InsecureSkipVerify: true}\n"
    change = file_change("client/tls.go", old, new)

    # when the snapshot is analysed with the semgrep scanner
    result = analyze_snapshot(snapshot(change), scanners=[SemgrepScanner()])

    # then only the added line is reported
    assert [(f.data.rule_id, f.data.line) for f in result.findings] == [
        ("semgrep.go-tls-insecure-skip-verify", 7)
    ]
    assert result.failures == ()


SHARED_RULES = """rules:
  - id: eval-of-query
    languages: [javascript]
    severity: ERROR
    message: code from the query
    metadata: {cwe: "CWE-95: Eval Injection", class: command-injection}
    mode: taint
    pattern-sources: &query-sources
      - pattern: req.query
    pattern-sinks:
      - pattern: eval(...)
  - id: timer-of-query
    languages: [javascript]
    severity: ERROR
    message: code from the query, later
    metadata: {cwe: "CWE-95: Eval Injection", class: command-injection}
    mode: taint
    pattern-sources: *query-sources
    pattern-sinks:
      - pattern: setTimeout(...)
"""
EVAL_AND_TIMER = """app.get('/x', (req, res) => {
  eval(req.query.a);
  setTimeout(req.query.b, 10);
});
"""


def test_rules_that_share_a_list_through_a_yaml_alias_both_apply(tmp_path):
    # given two rules whose sources are one list, written once and aliased (the engine's own
    # reader does not resolve aliases; the scanner hands it the rules resolved)
    (tmp_path / "shared.yaml").write_text(SHARED_RULES, encoding="utf-8")
    scanner = SemgrepScanner()
    scanner.rules_dir = tmp_path

    outcome = scanner.scan([source("a.js", "javascript", EVAL_AND_TIMER)])

    assert outcome.failures == ()
    assert {(f.rule_id, f.line) for f in outcome.findings} == {
        ("semgrep.eval-of-query", 2),
        ("semgrep.timer-of-query", 3),
    }


def test_rules_that_do_not_parse_fail_every_file_with_the_reason(tmp_path):
    (tmp_path / "broken.yaml").write_text("rules:\n  - id: x\n    pattern-sources: *nowhere\n")
    scanner = SemgrepScanner()
    scanner.rules_dir = tmp_path

    outcome = scanner.scan([source("a.js", "javascript", JS_SQLI)])

    assert outcome.findings == ()
    [failure] = outcome.failures
    assert failure.reason.startswith("the semgrep rules could not be read (found undefined alias")
    assert failure.reason.endswith("this file was not analysed")


def test_a_taint_finding_says_where_its_data_came_from_and_what_carried_it():
    # given a request value read on line 4 and run as SQL on line 5 (JS_SQLI)
    outcome = SemgrepScanner().scan([source("web/users.js", "javascript", JS_SQLI)])

    [finding] = [f for f in outcome.findings if f.rule_id == "semgrep.js-sql-injection"]
    # then the engine's data-flow trace gives the source, the variable, the sink
    assert (finding.line, finding.source_line) == (5, 4)
    assert [(step.line, step.note) for step in finding.flow] == [
        (4, "source: req.query"),
        (4, "through `name`"),
        (5, "sink: const rows = await pool.query(`SELECT * FROM users WHERE na…"),
    ]


def test_a_pattern_finding_has_no_flow():
    outcome = SemgrepScanner().scan([source("client/tls.go", "go", GO_TLS)])

    [finding] = outcome.findings
    assert (finding.source_line, finding.flow) == (0, ())


def test_a_file_over_the_size_limit_is_not_analysed_and_says_so(monkeypatch):
    monkeypatch.setattr(semgrep_scanner, "MAX_TARGET_BYTES", 100)
    outcome = SemgrepScanner().scan(
        [
            source("web/users.js", "javascript", JS_SQLI),
            source("src/math.ts", "typescript", SAFE_TS),
        ]
    )

    # JS_SQLI is over 100 bytes, SAFE_TS under it
    assert [f.path for f in outcome.failures] == ["web/users.js"]
    assert "not analysed" in outcome.failures[0].reason


def test_the_check_annotation_of_a_javascript_flow_says_where_the_data_came_from():
    from findings.engine.annotations import annotation_text

    outcome = SemgrepScanner().scan([source("web/users.js", "javascript", JS_SQLI)])
    [finding] = [f for f in outcome.findings if f.rule_id == "semgrep.js-sql-injection"]

    title, message = annotation_text(finding)

    assert title.startswith("CWE-89 ")
    assert title.endswith("[semgrep.js-sql-injection]")
    assert "Data comes from req.query at web/users.js:4, passes web/users.js:4, and reaches " in (
        message
    )
    assert message.endswith("at web/users.js:5.")
