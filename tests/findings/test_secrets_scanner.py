"""The secrets scanner: detect-secrets in memory, findings masked, only added lines reported."""

from __future__ import annotations

import json

import pytest

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


# One line per detect-secrets plugin family, in several file types: the pre-selection of lines
# must never lose what detect-secrets' own line scan finds (it is checked against it here).
_EVERY_KIND = [
    'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7REVIEWB"',
    'aws_secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYzz"',
    'token = "ghp_' + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + '"',
    "-----BEGIN RSA PRIVATE KEY-----",
    'password = "hunter2-Very-Secret"',
    "db_pass: s3cr3t-value-here",
    'blob = "' + "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8=" + '"',
    'digest = "' + "4f9c2b7e1d8a3f6c0b5e9d2a7c4f1e8b" + '"',
    'jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl"',
    "url = 'https://admin:Zx9qLm2Pw7@db.internal.example.net/app'",
    'slack = "xoxb-' + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx" + '"',
    'stripe = "sk_live_' + "4eC39HqLyjWDarjtT1zdp7dc" + '"',
    'mc = "' + "0123456789abcdef0123456789abcdef-us12" + '"',
    "123456789:" + "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1",
    'cloudant_password = "' + "a" * 24 + '"',
    'ibm_cloud_iam_key = "' + "abcd_efgh-ijkl_mnop-qrst_uvwx-yzAB_CDEF_ghij" + '"',
    "softlayer_api_key = " + "0123456789abcdef" * 4,
    "artifactory = AKC" + "p8jQ4r5sT6uV7wX8yZ",
    "# pragma: allowlist nextline secret",
    'api_key = "Qm9vZmFyYmF6cXV4c2VjcmV0a2V5dmFsdWU="',
    "plain code line with nothing in it",
    "clpw=" + "0123456789abcdef" * 4,
    "secret_key=ABCDEFGHIJKLMNOP1234567890abcdefgh",
]


@pytest.mark.parametrize("filename", ["file.py", "file.yaml", "file.txt", "file.go", "file.js"])
def test_the_line_pre_selection_finds_what_detect_secrets_finds(filename):
    from detect_secrets.core.scan import _process_line_based_plugins
    from detect_secrets.settings import default_settings

    from findings.engine.scanners.secrets_scanner import _line_secrets

    lines = list(enumerate(_EVERY_KIND * 2, start=1))
    with default_settings():
        theirs = {
            (s.line_number, s.type, s.secret_value)
            for s in _process_line_based_plugins(lines, filename=filename)
        }
        ours = {(s.line_number, s.type, s.secret_value) for s in _line_secrets(lines, filename)}

    assert ours == theirs
    assert len({kind for _, kind, _ in theirs}) >= 10


@pytest.mark.parametrize(
    "path",
    ["tests/test_api.py", "app/test_client.py", "pkg/client_test.go", "web/fixtures/users.json",
     "examples/quickstart.py", "docs/setup.md", "src/app.spec.ts"],
)  # fmt: skip
def test_a_secret_in_test_or_example_code_is_reported_at_low_severity(path):
    source = SourceFile(path, None, 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7REVIEWB"\n', frozenset({1}))

    [finding] = SecretsScanner().scan([source]).findings

    assert finding.severity == "low"
    assert finding.message.endswith("reported at low severity.")


def test_a_secret_in_test_code_can_be_ignored_and_one_in_app_code_cannot():
    text = 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7REVIEWB"\n'
    files = [
        SourceFile("tests/conftest.py", None, text, frozenset({1})),
        SourceFile("app/settings.py", None, text, frozenset({1})),
    ]

    findings = SecretsScanner(test_paths="ignore").scan(files).findings

    assert [(f.path, f.severity) for f in findings] == [("app/settings.py", "critical")]


def test_a_random_looking_hash_or_id_is_not_a_secret_but_a_named_key_or_an_unnamed_value_is():
    hex_value = "3637cfcc1eec55a50f78a7c435914583ccbc75a21dec9a0e94dfa077647146d7"
    base64_value = "c2VjcmV0LXRoYXQtbG9va3MtcmFuZG9tLTk4NzY1NDMyMQ"
    lines = [
        f'txnID = "{hex_value}"',  # an id
        f'expected_sha256 = "{hex_value}"',  # a hash
        f'username = "{hex_value}"',  # hex under a name that names no secret
        f'commitHash = "{base64_value}"',  # random-looking, but named a hash
        f'webhook_key = "{hex_value}"',  # a key: reported
        f'blob = "{base64_value}"',  # base64 under a plain name: still reported
        f'client.connect("{hex_value}")',  # no name: still reported
    ]
    found = {f.line for f in _scan("\n".join(lines) + "\n").findings}
    assert found == {5, 6, 7}
