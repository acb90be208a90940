"""The secrets scanner: detect-secrets in memory, findings masked, only added lines reported."""

from __future__ import annotations

import json

from findings.engine.analysis import analyze_snapshot
from findings.engine.cli import format_json, format_sarif, scan_changes
from findings.engine.scanners import SourceFile
from findings.engine.scanners.secrets_scanner import SecretsScanner, mask_line, mask_secret
from findings.engine.snapshot import FileChange

from .conftest import file_change, snapshot

AWS_KEY = "AKIAIOSFODNN7REVIEWB"
GITHUB_TOKEN = "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"
ENTROPY = "8d7f9a0b1c2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a"
PRIVATE_KEY_BODY = "MIIEowIBAAKCAQEAx3Jk9aZqQ0vN5s8mD2hV7tYpW1cRfL4eGbUo"
SECRETS = (AWS_KEY, GITHUB_TOKEN, ENTROPY, PRIVATE_KEY_BODY)


def _scan(text: str, path: str = "app/settings.py"):
    source = SourceFile(path=path, language="python", text=text, added_lines=frozenset())
    return SecretsScanner().scan([source])


def _assert_no_secret_in(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret[:5] not in text


def test_an_aws_key_is_critical_and_masked():
    outcome = _scan(f'import os\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')

    assert [(f.rule_id, f.line, f.severity, f.cwe) for f in outcome.findings] == [
        ("secrets.aws-access-key", 2, "critical", 798)
    ]
    finding = outcome.findings[0]
    assert finding.code == 'AWS_ACCESS_KEY_ID = "AKIA…"'
    assert finding.message == (
        "A hard-coded AWS Access Key (AKIA…) assigned to `AWS_ACCESS_KEY_ID`."
    )
    assert finding.title == "Hard-coded secret: AWS Access Key"
    assert outcome.failures == ()


def test_a_github_token_is_masked_beyond_the_prefix_the_plugin_captures():
    outcome = _scan(f'token = "{GITHUB_TOKEN}"\n', path="deploy.js")

    assert [(f.rule_id, f.severity, f.code) for f in outcome.findings] == [
        ("secrets.github-token", "high", 'token = "ghp_…"')
    ]
    assert outcome.findings[0].message == "A hard-coded GitHub Token (ghp_…) assigned to `token`."


def test_a_private_key_block_is_critical_and_its_body_never_shown():
    text = (
        f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{PRIVATE_KEY_BODY}\n'
        '-----END RSA PRIVATE KEY-----"""\n'
        f'INLINE = "-----BEGIN RSA PRIVATE KEY-----\\n{PRIVATE_KEY_BODY}"\n'
    )

    outcome = _scan(text)

    assert [(f.rule_id, f.line, f.severity) for f in outcome.findings] == [
        ("secrets.private-key", 1, "critical"),
        ("secrets.private-key", 4, "critical"),
    ]
    assert outcome.findings[0].code == 'KEY = """-----BEGIN RSA PRIVATE KEY-----'
    # The escaped newline's "n" joins the key body's run: four characters of that run remain.
    assert outcome.findings[1].code == 'INLINE = "-----BEGIN RSA PRIVATE KEY-----\\nMII…"'
    for finding in outcome.findings:
        _assert_no_secret_in(json.dumps(finding.as_dict()))


def test_a_high_entropy_string_is_reported_with_low_confidence():
    outcome = _scan(f'signing_salt = "{ENTROPY}"\n', path="config.yaml")

    assert [(f.rule_id, f.severity, f.confidence, f.code) for f in outcome.findings] == [
        ("secrets.hex-high-entropy-string", "high", "low", 'signing_salt = "8d7f…"')
    ]


def test_obvious_placeholders_and_indirect_references_are_not_reported():
    text = (
        'password = "changeme"\n'
        'api_token = "<your-token>"\n'
        'secret = os.environ["SECRET"]\n'
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'
        'db_password = "${DB_PASSWORD}"\n'
    )

    assert _scan(text).findings == ()


def test_a_secret_on_an_unchanged_line_is_not_reported():
    old = f'AWS_KEY = "{AWS_KEY}"\nDEBUG = False\n'
    new = f'AWS_KEY = "{AWS_KEY}"\nDEBUG = False\ntoken = "{GITHUB_TOKEN}"\n'

    result = analyze_snapshot(
        snapshot(file_change("app/settings.py", old, new)), scanners=[SecretsScanner()]
    )

    assert [(f.data.rule_id, f.data.line) for f in result.findings] == [("secrets.github-token", 3)]


def test_a_secret_never_reaches_the_json_or_sarif_output():
    text = f'AWS_KEY = "{AWS_KEY}"\ntoken = "{GITHUB_TOKEN}"\nsalt = "{ENTROPY}"\n'
    change = FileChange(path="app/keys.py", status="added", patch=None, content=text)

    # Only this scanner: bandit's B105 reports the same lines with its own, unmasked code.
    report = scan_changes([change], root=".", scanners=[SecretsScanner()])
    as_json = format_json(report)
    as_sarif = format_sarif(report)

    assert [item.data.rule_id for item in report.findings] == [
        "secrets.aws-access-key",
        "secrets.github-token",
        "secrets.hex-high-entropy-string",
    ]
    _assert_no_secret_in(as_json)
    _assert_no_secret_in(as_sarif)
    assert json.loads(as_json)["findings"][0]["code"] == 'AWS_KEY = "AKIA…"'


def test_masking_keeps_four_characters_and_masks_every_key_like_run():
    assert mask_secret("supersecretvalue") == "supe…"
    assert mask_line('a = "abc", b = "Zx9Qw8Er7Ty6Ui5Op4As3"', ["abc"]) == 'a = "abc…", b = "Zx9Q…"'
    assert mask_line("nothing here", []) == "nothing here"
