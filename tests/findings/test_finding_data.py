"""FindingData's data-flow fields: defaults, round trips through the cache's dict form, touches."""

from __future__ import annotations

import json

import pytest

from findings.engine.scanners import FindingData, FlowStep


def _finding(**overrides):
    values = {
        "scanner_id": "python-taint",
        "scanner_version": "2",
        "rule_id": "python-taint.sqli",
        "cwe": 89,
        "severity": "high",
        "confidence": "high",
        "title": "SQL injection",
        "message": "m",
        "guidance": "g",
        "path": "app.py",
        "line": 12,
        "end_line": 12,
        "code": "cursor.execute(sql)",
    }
    values.update(overrides)
    return FindingData(**values)


def test_a_pattern_finding_has_no_source_and_no_flow():
    finding = _finding()

    assert (finding.source_path, finding.source_line, finding.flow) == ("", 0, ())
    assert finding.source_file == "app.py"
    assert finding.flow_lines() == frozenset()


def test_the_flow_survives_a_json_round_trip_as_the_scan_cache_stores_it():
    flow = (
        FlowStep("app.py", 5, "source: request.args"),
        FlowStep("app.py", 9, "passed to `lookup()`"),
        FlowStep("app.py", 12, "sink: cursor.execute"),
    )
    finding = _finding(source_line=5, flow=flow)

    restored = FindingData.from_dict(json.loads(json.dumps(finding.as_dict())))

    assert restored == finding
    assert restored.flow[1] == FlowStep("app.py", 9, "passed to `lookup()`")


def test_a_cache_entry_written_before_the_flow_fields_existed_still_loads():
    old = _finding().as_dict()
    for name in ("source_path", "source_line", "flow"):
        del old[name]

    assert FindingData.from_dict(old) == _finding()


def test_a_flow_whose_source_line_was_added_touches_the_added_lines():
    finding = _finding(source_line=5, flow=(FlowStep("app.py", 5, "source: request.args"),))

    assert finding.touches(frozenset({5}))
    assert finding.touches(frozenset({12}))
    assert not finding.touches(frozenset({6, 7, 8}))


def test_a_source_in_another_file_does_not_touch_lines_of_this_one():
    finding = _finding(source_path="views.py", source_line=5)

    assert finding.source_file == "views.py"
    assert not finding.touches(frozenset({5}))


def test_a_negative_source_line_is_refused():
    with pytest.raises(ValueError, match="source_line"):
        _finding(source_line=-1)
