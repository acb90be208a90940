"""The bandit scanner, run for real in-process."""

from __future__ import annotations

import pytest

from findings.engine.scanners import FileFailure, SourceFile, registered_scanners
from findings.engine.scanners.bandit_scanner import GENERIC_GUIDANCE, GUIDANCE, BanditScanner


def _source(text: str, *, path: str = "app/run.py", added=()) -> SourceFile:
    return SourceFile(path=path, language="python", text=text, added_lines=frozenset(added))


def test_bandit_is_registered_for_python():
    scanners = {scanner.id: scanner for scanner in registered_scanners()}

    assert isinstance(scanners["bandit"], BanditScanner)
    assert scanners["bandit"].languages == frozenset({"python"})
    assert scanners["bandit"].handles("python") is True
    assert scanners["bandit"].handles("javascript") is False


def test_shell_injection_is_reported_with_rule_cwe_severity_and_line():
    # given
    text = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"

    # when
    outcome = BanditScanner().scan([_source(text, path="dir with space/ünï.py")])

    # then
    by_rule = {finding.rule_id: finding for finding in outcome.findings}
    finding = by_rule["bandit.B602"]
    assert finding.scanner_id == "bandit"
    assert finding.scanner_version == BanditScanner.version
    assert finding.cwe == 78
    assert finding.severity == "high"
    assert finding.confidence == "high"
    assert finding.title == "subprocess_popen_with_shell_equals_true"
    assert finding.message == "subprocess call with shell=True identified, security issue."
    assert finding.guidance == GUIDANCE["B602"]
    assert finding.path == "dir with space/ünï.py"
    assert (finding.line, finding.end_line) == (5, 5)
    assert finding.code == "    subprocess.call(cmd, shell=True)"
    assert outcome.failures == ()


def test_weak_hash_and_yaml_load_and_tls_off_are_mapped():
    # given
    text = (
        "import hashlib\n"
        "import requests\n"
        "import yaml\n"
        "digest = hashlib.md5(b'x').hexdigest()\n"
        "data = yaml.load(open('c.yml'))\n"
        "requests.get('https://example.org', verify=False, timeout=5)\n"
    )

    # when
    outcome = BanditScanner().scan([_source(text)])

    # then
    found = {(f.rule_id, f.line, f.severity, f.cwe) for f in outcome.findings}
    assert ("bandit.B324", 4, "high", 327) in found
    assert ("bandit.B506", 5, "medium", 20) in found
    assert ("bandit.B501", 6, "high", 295) in found


def test_an_unlisted_test_gets_the_generic_guidance():
    # given B311 (random) is listed; B112 (try/except/continue) is not
    assert "B112" not in GUIDANCE
    text = "for i in range(3):\n    try:\n        pass\n    except Exception:\n        continue\n"

    # when
    outcome = BanditScanner().scan([_source(text)])

    # then
    (finding,) = outcome.findings
    assert finding.rule_id == "bandit.B112"
    assert finding.guidance == GENERIC_GUIDANCE


def test_nosec_written_in_the_pull_request_does_not_hide_a_finding():
    text = "import subprocess\nsubprocess.call('ls', shell=True)  # nosec\n"

    outcome = BanditScanner().scan([_source(text)])

    assert "bandit.B602" in {finding.rule_id for finding in outcome.findings}


def test_python_312_syntax_parses():
    # given PEP 695 type aliases, generics and PEP 701 f-strings with nested quotes
    text = (
        "type Vector = list[float]\n"
        "def first[T](items: list[T]) -> T:\n"
        "    return items[0]\n"
        "names = {'a': 1}\n"
        'label = f"{names["a"]} and {f"{"deep"}"}"\n'
        "password = 'hunter2'\n"
    )

    # when
    outcome = BanditScanner().scan([_source(text)])

    # then the file is scanned (no failure) and the hard-coded password on line 6 is reported
    assert outcome.failures == ()
    assert [(f.rule_id, f.line) for f in outcome.findings] == [("bandit.B105", 6)]


def test_a_syntax_error_becomes_a_file_failure_and_other_files_are_still_scanned():
    # given
    broken = _source("def broken(:\n    pass\n", path="broken.py")
    fine = _source("eval(input())\n", path="fine.py")

    # when
    outcome = BanditScanner().scan([broken, fine])

    # then
    assert outcome.failures == (
        FileFailure(
            path="broken.py",
            scanner_id="bandit",
            reason="Python syntax error at line 1: invalid syntax; bandit could not scan this file",
        ),
    )
    assert [(f.path, f.rule_id) for f in outcome.findings] == [("fine.py", "bandit.B307")]


@pytest.mark.parametrize("codec", ["not-a-codec", "cp1252", "latin-1"])
def test_a_coding_declaration_does_not_stop_bandit_reading_text_already_decoded(codec):
    # given text decoded from its declared encoding (the declaration stays in it), with
    # characters whose UTF-8 bytes are not valid cp1252 (0x81, 0x8d)
    text = f"# -*- coding: {codec} -*-\nNAME = 'Ł\u0081\u008d'\neval(input())\n"

    # when bandit reads the file it was given back from disk
    outcome = BanditScanner().scan([_source(text, path="cookie.py")])

    # then it scans what the reviewer sees, on the right line
    assert outcome.failures == ()
    assert [(f.rule_id, f.line, f.code) for f in outcome.findings] == [
        ("bandit.B307", 3, "eval(input())")
    ]


def test_lone_carriage_returns_do_not_move_a_finding_off_its_git_line():
    # given a file where Python sees three lines but git sees two
    text = "import os\rx = 1\neval(input())\n"

    # when
    outcome = BanditScanner().scan([_source(text)])

    # then bandit's line 3 is git's line 2
    assert [(f.rule_id, f.line, f.code) for f in outcome.findings] == [
        ("bandit.B307", 2, "eval(input())")
    ]


def test_hard_coded_password_findings_never_echo_the_secret():
    # given a hard-coded password bandit reports (B105) and quotes in its own text
    source = SourceFile(
        path="settings.py",
        language="python",
        text='password = "hunter2-very-secret"\n',
        added_lines=frozenset({1}),
    )

    # when
    outcome = BanditScanner().scan([source])

    # then the finding keeps four characters of the secret and nothing more
    [finding] = outcome.findings
    assert finding.rule_id == "bandit.B105"
    assert finding.code == 'password = "hunt…"'
    assert finding.message == "Possible hardcoded password: 'hunt…'"
    assert "hunter2-very-secret" not in repr(finding)
