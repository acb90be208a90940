"""Trojan Source: bidirectional controls and invisible characters on added lines (CWE-1007)."""

from __future__ import annotations

from findings.engine.analysis import analyze_snapshot
from findings.engine.scanners import SourceFile, registered_scanners
from findings.engine.scanners.trojan_source import TrojanSourceScanner
from tests.findings.conftest import file_change, snapshot

# The CVE-2021-42574 "commenting-out" example: on screen the return reads as part of a comment,
# to the interpreter it is code (RLO ... LRI ... PDI).
EARLY_RETURN = (
    "def is_admin(user):\n"
    '    """ Check access \u202e } \u2066if user.admin\u2069 \u2066 """\n'
    "    return True\n"
)


def _scan(text: str, *, path: str = "app/auth.py", added=()) -> list:
    source = SourceFile(path=path, language=None, text=text, added_lines=frozenset(added))
    return list(TrojanSourceScanner().scan([source]).findings)


def test_a_bidi_override_on_an_added_line_is_a_high_finding_that_shows_the_characters():
    [finding] = _scan(EARLY_RETURN, added={1, 2, 3})

    assert (finding.rule_id, finding.cwe, finding.severity, finding.line) == (
        "trojan-source.bidi-control", 1007, "high", 2,
    )  # fmt: skip
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in finding.message
    assert "U+2066 LEFT-TO-RIGHT ISOLATE" in finding.message
    assert "<U+202E>" in finding.code and "\u202e" not in finding.code


def test_a_zero_width_space_inside_a_name_is_reported_and_plain_text_is_not():
    [finding] = _scan("user_\u200bid = request.args['id']\nname = 'Zoë'\n", added={1, 2})

    assert (finding.rule_id, finding.severity, finding.line) == (
        "trojan-source.invisible-character", "medium", 1,
    )  # fmt: skip
    assert _scan("name = 'Zoë'  # é, ß, 日本\n", added={1}) == []


def test_only_added_lines_count_and_every_language_is_read():
    text = "// \u202e old\nconst a = 1;\n"
    assert _scan(text, path="web/app.js", added={2}) == []
    assert [f.line for f in _scan(text, path="web/app.js", added={1})] == [1]
    assert any(s.id == "trojan-source" for s in registered_scanners())


def test_the_pipeline_reports_it_on_a_pull_request():
    change = file_change("app/auth.py", "def is_admin(user):\n    return False\n", EARLY_RETURN)

    result = analyze_snapshot(snapshot(change))

    assert "trojan-source.bidi-control" in {f.data.rule_id for f in result.findings}
