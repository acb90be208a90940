"""Suppression governance: silencing comments added by AI-written code become findings."""

from __future__ import annotations

import pytest

from findings.engine.diff import parse_patch
from findings.engine.suppressions import RULE_ID, HunkOrigin, suppressions_added
from findings.models import Finding, Repository
from findings.services import revision_analyze
from tests.findings.conftest import file_change, snapshot


def _origin(added: str, *, authorship: str = "ai", path: str = "app/run.py") -> HunkOrigin:
    lines = added.splitlines()
    patch = f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
    [hunk] = parse_patch(patch)
    return HunkOrigin(path=path, hunk=hunk, authorship=authorship, tool="GitHub Copilot")


@pytest.mark.parametrize(
    ("line", "silences"),
    [
        ("subprocess.call(cmd, shell=True)  # nosec B602", "bandit / gosec"),
        ("cursor.execute(q)  # nosemgrep: python.sql", "semgrep"),
        ("// eslint-disable-next-line security/detect-object-injection", "ESLint"),
        ("String q = base + id; // NOSONAR", "SonarQube"),
        ("os.system(cmd)  # noqa: S605", "ruff / flake8-bandit"),
        ("out, _ := exec.Command(c).Output() //nolint:errcheck,gosec", "golangci-lint gosec"),
        ('@SuppressFBWarnings("SQL_INJECTION_JDBC")', "SpotBugs / FindSecBugs"),
        ('API_KEY = "sk_live_abcdefghijklmnop"  # pragma: allowlist secret', "detect-secrets"),
        ('token = "ghp_0123456789abcdef" // gitleaks:allow', "gitleaks"),
        ("# checkov:skip=CKV_AWS_20: public bucket", "an IaC scanner"),
    ],
)
def test_each_suppression_in_ai_code_is_a_finding(line, silences):
    [finding] = suppressions_added([_origin(f"x = 1\n{line}\n")])

    assert (finding.rule_id, finding.line, finding.severity) == (RULE_ID, 2, "medium")
    assert finding.title == f"AI-written code silences {silences}"
    assert finding.message.startswith("This line, written by GitHub Copilot, adds a `")


@pytest.mark.parametrize("authorship", ["human", "unknown"])
def test_suppressions_outside_ai_code_are_left_to_the_author(authorship):
    assert suppressions_added([_origin("os.system(cmd)  # nosec\n", authorship=authorship)]) == []


def test_ordinary_comments_are_not_suppressions():
    text = "# security note: we never disable eslint here\nx = 'nosecret'  # noqa: E501\n"

    assert suppressions_added([_origin(text)]) == []


def test_a_suppressed_secret_is_not_echoed():
    [finding] = suppressions_added(
        [_origin('API_KEY = "sk_live_abcdefghijklmnop"  # pragma: allowlist secret\n')]
    )

    assert "sk_live_abcdefghijklmnop" not in finding.code
    assert finding.code.startswith('API_KEY = "sk_l')


@pytest.mark.django_db
def test_pipeline_records_the_suppression_an_ai_pr_adds():
    # given a PR labelled AI-generated whose new code silences bandit
    repository = Repository.objects.create(full_name="octo/app")
    new = "import subprocess\n\n\ndef run():\n    subprocess.call('ls', shell=True)  # nosec\n"
    change = file_change("app/run.py", "import subprocess\n", new)

    # when
    revision = revision_analyze(
        repository=repository, snapshot=snapshot(change, labels=("ai-generated",))
    )

    # then the suppression is a finding to triage, on its line
    found = revision.findings.get(rule_id=RULE_ID)
    assert (found.line, found.triage, found.scanner_id) == (5, Finding.Triage.OPEN, "reviewbench")
    assert found.changed_file.path == "app/run.py"


@pytest.mark.django_db
def test_pipeline_ignores_the_same_suppression_in_a_human_pr():
    repository = Repository.objects.create(full_name="octo/app")
    new = "import subprocess\n\n\ndef run():\n    subprocess.call('ls', shell=True)  # nosec\n"
    change = file_change("app/run.py", "import subprocess\n", new)

    revision = revision_analyze(
        repository=repository,
        snapshot=snapshot(change, body="Written by hand.", labels=()),
    )

    assert not revision.findings.filter(rule_id=RULE_ID).exists()
