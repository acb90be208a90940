"""Reading other scanners' SARIF: what a finding takes from it, and the JSON path of what is
wrong when a log is malformed. Pure: no database."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from findings.engine.sarif.reading import MAX_SARIF_BYTES, SarifError, sarif_results

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sarif"
CODEQL = json.loads((FIXTURES / "codeql-python.sarif").read_text())
SEMGREP = json.loads((FIXTURES / "semgrep.sarif").read_text())


def _error(document) -> SarifError:
    with pytest.raises(SarifError) as caught:
        sarif_results(json.dumps(document))
    return caught.value


@pytest.mark.parametrize("log", [CODEQL, SEMGREP], ids=["codeql", "semgrep"])
def test_the_fixtures_are_valid_sarif(log):
    schema = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())

    assert list(jsonschema.Draft202012Validator(schema).iter_errors(log)) == []


def test_codeql_rules_are_found_in_its_extensions_with_cwe_and_security_severity():
    results = sarif_results(json.dumps(CODEQL))

    first, second, third = (r.data for r in results)
    assert (first.scanner_id, first.scanner_version) == ("sarif:CodeQL", "2.19.3")
    assert (first.rule_id, first.cwe, first.severity) == ("py/sql-injection", 89, "high")
    assert first.title == "CodeQL: SQL query built from user-controlled sources"
    assert (first.path, first.line, first.end_line) == ("app/views.py", 12, 12)
    assert "Use a parameterised query." in first.guidance
    # security-severity 5.4 is GitHub's "medium"; the first of two CWE tags names the class.
    assert (second.rule_id, second.cwe, second.severity) == (
        "py/stack-trace-exposure",
        209,
        "medium",
    )
    assert (third.path, third.line) == ("lib/reports.py", 40)
    assert {r.revision_id for r in results} == {"a" * 40}
    assert results[0].fingerprint.startswith("primaryLocationLineHash=")


def test_semgrep_cwe_tags_level_and_snippet_and_its_suppressed_results_are_skipped():
    results = sarif_results(json.dumps(SEMGREP))

    assert len(results) == 1  # the second is suppressed in source
    data = results[0].data
    assert data.scanner_id == "sarif:Semgrep OSS"
    assert (data.cwe, data.severity) == (89, "high")  # level error, no security-severity
    assert data.code == "query = f'SELECT * FROM o WHERE id={id}'"
    assert results[0].revision_id == ""


def test_levels_map_to_severities_and_pass_results_are_not_findings():
    log = copy.deepcopy(SEMGREP)
    rule = log["runs"][0]["tool"]["driver"]["rules"][0]
    rule["properties"]["tags"] = []
    result = log["runs"][0]["results"][0]
    log["runs"][0]["results"] = [
        {**result, "level": "note"},
        {**result, "level": "warning", "ruleId": "other"},
        {**result, "kind": "pass"},
        {**result, "baselineState": "absent"},
    ]

    results = sarif_results(json.dumps(log))

    assert [(r.data.severity, r.data.cwe) for r in results] == [("low", None), ("medium", None)]


def test_paths_are_taken_relative_to_the_repository():
    log = copy.deepcopy(SEMGREP)
    result = log["runs"][0]["results"][0]
    uris = ["file:///app/src/app/x.py", "./app/y.py", "app%20dir/z.py", "..\\..\\etc\\passwd"]
    log["runs"][0]["results"] = [
        {**result, "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}]}
        for uri in uris
    ]

    paths = [(r.data.path, r.data.line) for r in sarif_results(json.dumps(log))]

    assert paths == [
        ("/app/src/app/x.py", 1),
        ("app/y.py", 1),
        ("app dir/z.py", 1),
        ("../../etc/passwd", 1),
    ]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        (lambda d: d.update(version="2.0.0"), "$.version", "only SARIF 2.1.0"),
        (lambda d: d.update(runs={}), "$.runs", "expected an array, found an object"),
        (lambda d: d["runs"][0].pop("tool"), "$.runs[0].tool", "expected an object, found null"),
        (
            lambda d: d["runs"][0]["tool"]["driver"].update(name=""),
            "$.runs[0].tool.driver.name",
            "needs a name",
        ),
        (
            lambda d: d["runs"][0]["results"][1]["locations"][0]["physicalLocation"][
                "region"
            ].update(startLine="12"),
            "$.runs[0].results[1].locations[0].physicalLocation.region.startLine",
            "expected an integer, found a string",
        ),
        (
            lambda d: d["runs"][0]["results"][2]["locations"][0]["physicalLocation"][
                "region"
            ].update(startLine=0),
            "$.runs[0].results[2].locations[0].physicalLocation.region.startLine",
            "at least 1",
        ),
        (
            lambda d: d["runs"][0]["results"][0]["rule"].update(index=7),
            "$.runs[0].results[0].rule.index",
            "no rule at index 7",
        ),
        (
            lambda d: d["runs"][0]["results"][0].update(locations=[]),
            "$.runs[0].results[0].locations",
            "needs a location",
        ),
        (
            lambda d: d["runs"][0]["results"][0].update(level="fatal"),
            "$.runs[0].results[0].level",
            "unknown level",
        ),
        (
            lambda d: d["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
                "artifactLocation"
            ].update(uri="a\x00b"),
            "$.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri",
            "NUL",
        ),
    ],
)
def test_a_malformed_log_names_the_json_path_of_the_first_bad_value(change, path, message):
    document = copy.deepcopy(CODEQL)
    change(document)

    error = _error(document)

    assert error.path == path
    assert message in error.message


def test_not_json_and_oversized_logs_are_rejected():
    with pytest.raises(SarifError, match="not JSON"):
        sarif_results(b"{'version': '2.1.0'")
    with pytest.raises(SarifError, match="the limit is"):
        sarif_results(b" " * (MAX_SARIF_BYTES + 1))
