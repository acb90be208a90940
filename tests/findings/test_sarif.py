"""SARIF as GitHub code scanning reads it, validated against the SARIF 2.1.0 schema; annotations."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from findings.engine.analysis import fingerprinted
from findings.engine.annotations import annotation_text
from findings.engine.cli import collect_paths, format_sarif, scan_changes
from findings.engine.sarif import Unanalysed, sarif_log
from findings.engine.scanners import FindingData, FlowStep

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
APP = (
    "import os\n"
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "\n"
    "def run(cmd):\n"
    "    return os.system('echo ' + cmd)\n"
    "\n"
    "@app.get('/a')\n"
    "def a():\n"
    "    return str(run(request.args['c']))\n"
)
AWS_KEY = "AKIAIOSFODNN7REVIEWB"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _taint(**overrides) -> FindingData:
    values = {
        "scanner_id": "python-taint",
        "scanner_version": "2",
        "rule_id": "python-taint.sqli",
        "cwe": 89,
        "severity": "high",
        "confidence": "high",
        "title": "SQL injection",
        "message": "`sql` from request.args (line 5) reaches cursor.execute (line 7)",
        "guidance": "Use parameters.",
        "path": "app.py",
        "line": 7,
        "end_line": 7,
        "code": "cursor.execute(sql)",
        "source_line": 5,
        "flow": (
            FlowStep("app.py", 5, "source: request.args"),
            FlowStep("app.py", 7, "sink: cursor.execute"),
        ),
    }
    values.update(overrides)
    return FindingData(**values)


def _scan(tmp_path: Path) -> dict:
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    (tmp_path / "big.py").write_text("x = 1\n" * 200_000)
    changes, skipped = collect_paths([str(tmp_path)], root=str(tmp_path))
    report = scan_changes(changes, skipped=skipped, root=str(tmp_path))
    return json.loads(format_sarif(report))


def test_the_scan_sarif_is_valid_sarif_2_1_0(tmp_path, validator):
    document = _scan(tmp_path)

    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))

    assert [error.message for error in errors] == []
    assert document["runs"][0]["results"]
    assert document["runs"][0]["invocations"][0]["toolExecutionNotifications"]


def test_the_schema_check_can_fail(validator):
    document = sarif_log(fingerprinted([_taint()]))
    document["runs"][0]["results"][0]["level"] = "fatal"
    del document["runs"][0]["tool"]["driver"]["name"]

    messages = sorted(error.message for error in validator.iter_errors(document))

    assert len(messages) == 2
    assert any("'name' is a required property" in message for message in messages)


def test_a_flow_through_a_helper_has_the_sink_as_location_and_the_path_in_code_flows(tmp_path):
    document = _scan(tmp_path)

    [result] = [r for r in document["runs"][0]["results"] if r["ruleId"].endswith("injection")]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["endLine"]) == (6, 6)
    [thread] = result["codeFlows"][0]["threadFlows"]
    steps = [
        (
            step["location"]["physicalLocation"]["region"]["startLine"],
            step["location"]["message"]["text"],
        )
        for step in thread["locations"]
    ]
    assert steps == [
        (10, "source: request.args"),
        (10, "passed to a function of this file"),
        (6, "sink: os.system"),
    ]
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 10}


def test_rules_carry_security_and_cwe_tags_and_a_security_severity():
    findings = fingerprinted(
        [
            _taint(),
            _taint(
                rule_id="python.cookie-flags",
                cwe=1004,
                severity="medium",
                line=9,
                end_line=9,
                code="resp.set_cookie('a', b)",
                source_line=0,
                flow=(),
            ),
            _taint(
                rule_id="python.cookie-flags",
                cwe=614,
                severity="medium",
                line=11,
                end_line=11,
                code="resp.set_cookie('c', d)",
                source_line=0,
                flow=(),
            ),
        ]
    )

    rules = {rule["id"]: rule for rule in sarif_log(findings)["runs"][0]["tool"]["driver"]["rules"]}

    assert rules["python-taint.sqli"]["properties"] == {
        "tags": ["security", "external/cwe/cwe-89"],
        "security-severity": "8.0",
        "precision": "high",
        "problem.severity": "error",
    }
    assert rules["python.cookie-flags"]["properties"]["tags"] == [
        "security",
        "external/cwe/cwe-614",
        "external/cwe/cwe-1004",
    ]
    assert rules["python.cookie-flags"]["properties"]["security-severity"] == "5.5"


def test_partial_fingerprints_do_not_move_with_the_line():
    here = sarif_log(fingerprinted([_taint()]))["runs"][0]["results"][0]
    moved = _taint(line=40, end_line=40, source_line=38)
    there = sarif_log(fingerprinted([moved]))["runs"][0]["results"][0]

    assert here["partialFingerprints"] == there["partialFingerprints"]
    assert len(here["partialFingerprints"]["reviewbench/v1"]) == 64


def test_files_not_analysed_are_notifications(validator):
    document = sarif_log([], not_analysed=[Unanalysed("big.py", "too large")])

    assert list(validator.iter_errors(document)) == []
    [notification] = document["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notification["message"]["text"] == "Not analysed: too large"


def test_an_annotation_names_the_cwe_the_rule_the_source_and_the_sink():
    title, message = annotation_text(_taint())

    assert title == "CWE-89 SQL injection [python-taint.sqli]"
    assert message == (
        "`sql` from request.args (line 5) reaches cursor.execute (line 7)\n"
        "Data comes from request.args at app.py:5 and reaches cursor.execute at app.py:7."
    )


def test_an_annotation_of_a_flow_through_a_call_names_the_call_site():
    finding = _taint(
        line=6,
        end_line=6,
        source_line=10,
        flow=(
            FlowStep("app.py", 10, "source: request.args"),
            FlowStep("app.py", 10, "passed to a function of this file"),
            FlowStep("app.py", 6, "sink: os.system"),
        ),
    )

    _, message = annotation_text(finding)

    assert message.endswith(
        "Data comes from request.args at app.py:10, passes app.py:10, "
        "and reaches os.system at app.py:6."
    )


def test_an_annotation_of_a_pattern_finding_names_its_rule():
    finding = _taint(
        rule_id="secrets.aws-access-key",
        cwe=798,
        title="Hard-coded secret: AWS Access Key",
        message="A hard-coded AWS Access Key (AKIA…).",
        source_line=0,
        flow=(),
    )

    title, message = annotation_text(finding)

    assert title == "CWE-798 Hard-coded secret: AWS Access Key [secrets.aws-access-key]"
    assert message == (
        "A hard-coded AWS Access Key (AKIA…).\nFound by rule secrets.aws-access-key at app.py:7."
    )
