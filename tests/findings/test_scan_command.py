"""`manage.py scan`: whole files, --diff with --root, SARIF, exit codes, refused paths."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line

from findings.engine.cli import UsageError, resolve_under_root
from findings.engine.languages import language_for_path

AWS_KEY = "AKIAIOSFODNN7REVIEWB"
SETTINGS_OLD = "import os\nDEBUG = False\n"
SETTINGS_NEW = f'import os\nDEBUG = False\nAWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'

pytestmark = pytest.mark.django_db


def run_scan(*args: str) -> int:
    """Run the command the way a shell does, returning its exit code."""
    try:
        execute_from_command_line(["manage.py", "scan", *args])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git checkout with one commit, and the PR's change on top (not committed)."""
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "app" / "settings.py").write_text(SETTINGS_OLD)
    (root / "app" / "util.py").write_text(f'LEGACY_KEY = "{AWS_KEY}"\n')
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_SYSTEM": "/dev/null"}
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base"],
    ):
        subprocess.run(command, cwd=root, check=True, env=env)
    (root / "app" / "settings.py").write_text(SETTINGS_NEW)
    diff = subprocess.run(
        ["git", "diff", "--no-color"], cwd=root, check=True, env=env, capture_output=True, text=True
    ).stdout
    (tmp_path / "pr.diff").write_text(diff)
    return root


def test_whole_file_mode_reports_every_line(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)

    code = run_scan("app", "--fail-on", "critical")

    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert [line for line in out if "secrets." in line] == [
        "app/settings.py:3 critical secrets.aws-access-key CWE-798 A hard-coded AWS Access Key "
        "(AKIA…) assigned to `AWS_ACCESS_KEY_ID`.",
        "app/util.py:1 critical secrets.aws-access-key CWE-798 A hard-coded AWS Access Key "
        "(AKIA…) assigned to `LEGACY_KEY`.",
    ]
    assert out[-1].endswith("in 2 files; 0 not analysed")
    assert AWS_KEY not in "\n".join(out)


def test_whole_file_mode_skips_big_files_and_vendored_directories(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / "app" / "huge.py").write_text("x = 1\n" * 200_000)
    (repo / "node_modules" / "pkg").mkdir(parents=True)
    (repo / "node_modules" / "pkg" / "index.js").write_text(f'const k = "{AWS_KEY}";\n')

    code = run_scan(".")

    out = capsys.readouterr().out
    assert code == 0
    assert "app/huge.py: not analysed: larger than 1048576 bytes (1200000); not analysed" in out
    assert "node_modules" not in out


def test_diff_mode_reports_only_what_the_diff_adds(repo, tmp_path, capsys):
    code = run_scan("--diff", str(tmp_path / "pr.diff"), "--root", str(repo), "--format", "json")

    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(f["path"], f["line"], f["rule_id"]) for f in document["findings"]] == [
        ("app/settings.py", 3, "secrets.aws-access-key"),
    ]
    secret = document["findings"][0]
    assert secret["code"] == 'AWS_ACCESS_KEY_ID = "AKIA…"'
    assert len(secret["fingerprint"]) == 64
    assert document["not_analysed"] == []


def test_sarif_output_carries_cwe_tags_and_relative_paths(repo, tmp_path, capsys):
    output = tmp_path / "out.sarif"

    code = run_scan(
        "--diff",
        str(tmp_path / "pr.diff"),
        "--root",
        str(repo),
        "--format",
        "sarif",
        "--output",
        str(output),
    )

    assert code == 0
    assert capsys.readouterr().out == ""
    sarif = json.loads(output.read_text())
    assert sarif["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"]) == 1
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "ReviewBench"
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == repo.resolve().as_uri() + "/"
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    secret_rule = rules["secrets.aws-access-key"]
    assert secret_rule["name"] == "Hard-coded secret: AWS Access Key"
    assert secret_rule["shortDescription"] == {"text": "Hard-coded secret: AWS Access Key"}
    assert secret_rule["properties"]["tags"] == ["security", "external/cwe/cwe-798"]
    assert secret_rule["properties"]["security-severity"] == "9.5"
    result = next(r for r in run["results"] if r["ruleId"] == "secrets.aws-access-key")
    assert result["level"] == "error"
    assert result["ruleIndex"] == list(rules).index("secrets.aws-access-key")
    assert result["message"]["text"] == (
        "A hard-coded AWS Access Key (AKIA…) assigned to `AWS_ACCESS_KEY_ID`."
    )
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "app/settings.py", "uriBaseId": "SRCROOT"}
    assert (location["region"]["startLine"], location["region"]["endLine"]) == (3, 3)
    assert len(result["partialFingerprints"]["reviewbench/v1"]) == 64
    assert result["properties"]["cwe"] == "CWE-798"
    assert "codeFlows" not in result  # a secret is a pattern finding: no data flow
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    assert AWS_KEY not in output.read_text()


def test_sarif_lists_files_not_analysed_as_notifications(repo, tmp_path, capsys):
    (repo / "app" / "settings.py").write_text("something else entirely\n")

    code = run_scan("--diff", str(tmp_path / "pr.diff"), "--root", str(repo), "--format", "sarif")

    run = json.loads(capsys.readouterr().out)["runs"][0]
    assert code == 0
    assert run["results"] == []
    [notification] = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "warning"
    assert notification["message"]["text"] == (
        "Not analysed: the file under --root does not match the diff at line 3; "
        "check out the PR's head before scanning"
    )
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "app/settings.py",
        "uriBaseId": "SRCROOT",
    }


@pytest.mark.parametrize(("threshold", "expected"), [("critical", 1), ("high", 1), (None, 0)])
def test_fail_on_sets_the_exit_code(repo, tmp_path, capsys, threshold, expected):
    args = ["--diff", str(tmp_path / "pr.diff"), "--root", str(repo)]
    if threshold:
        args += ["--fail-on", threshold]

    assert run_scan(*args) == expected

    captured = capsys.readouterr()
    if expected:
        assert "finding(s) at or above" in captured.err


def test_fail_on_below_the_worst_finding_passes(repo, tmp_path, capsys):
    (repo / "app" / "settings.py").write_text(SETTINGS_OLD + "DEBUG = True\n")
    diff = (
        "diff --git a/app/settings.py b/app/settings.py\n"
        "--- a/app/settings.py\n+++ b/app/settings.py\n"
        "@@ -1,2 +1,3 @@\n import os\n DEBUG = False\n+DEBUG = True\n"
    )
    (tmp_path / "clean.diff").write_text(diff)

    code = run_scan("--diff", str(tmp_path / "clean.diff"), "--root", str(repo), "--fail-on", "low")

    assert code == 0
    assert capsys.readouterr().out == "0 findings in 1 file; 0 not analysed\n"


@pytest.mark.parametrize(
    "path",
    ["../outside.py", "/etc/passwd", "app/../../outside.py", "link/secret.py"],
)
def test_a_diff_path_escaping_the_root_is_refused(repo, tmp_path, capsys, path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.py").write_text(f'KEY = "{AWS_KEY}"\n')
    (repo / "link").symlink_to(outside)
    diff = f"--- a/{path}\n+++ b/{path}\n@@ -0,0 +1 @@\n+KEY = 1\n"
    (tmp_path / "evil.diff").write_text(diff)

    code = run_scan("--diff", str(tmp_path / "evil.diff"), "--root", str(repo))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "refusing" in captured.err
    assert AWS_KEY not in captured.err


def test_resolve_under_root_accepts_a_normal_path(repo):
    assert resolve_under_root(str(repo), "app/settings.py") == str(
        (repo / "app" / "settings.py").resolve()
    )
    with pytest.raises(UsageError, match="climbs out"):
        resolve_under_root(str(repo), "app/../../x")


def test_a_malformed_diff_is_a_usage_error(repo, tmp_path, capsys):
    (tmp_path / "bad.diff").write_text("--- a/x.py\n+++ b/x.py\n@@ -1,2 +1,2 @@\n+only one line\n")

    code = run_scan("--diff", str(tmp_path / "bad.diff"), "--root", str(repo))

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err == (
        "error: the diff could not be read: a hunk ends before the number of lines "
        "its @@ header announces\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--diff", "/nonexistent/pr.diff"],
            "error: --diff /nonexistent/pr.diff: no such file\n",
        ),
        (["missing.py"], "error: missing.py: no such file or directory\n"),
        ([], "error: nothing to scan: give PATHs or --diff PR.diff\n"),
    ],
)
def test_missing_inputs_are_usage_errors(repo, capsys, monkeypatch, args, message):
    monkeypatch.chdir(repo)

    code = run_scan(*args)

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == message
    assert captured.out == ""


def test_an_unknown_format_is_an_argparse_usage_error(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)

    code = run_scan("--format", "xml", ".")

    captured = capsys.readouterr()
    assert code == 2
    assert "argument --format: invalid choice: 'xml'" in captured.err
    assert captured.out == ""


@pytest.mark.skipif(
    language_for_path("requirements.txt") is None,
    reason="findings.engine.languages does not map manifest file names yet (see the scan report)",
)
def test_vulnerable_dependencies_come_from_the_loaded_database(repo, capsys, monkeypatch):
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "osv" / "advisories.json"
    call_command("load_vulnerabilities", str(fixture))
    capsys.readouterr()
    monkeypatch.chdir(repo)
    (repo / "requirements.txt").write_text("requests==2.30.0\n")

    run_scan("requirements.txt", "--format", "json")

    document = json.loads(capsys.readouterr().out)
    assert [(f["rule_id"], f["cwe"]) for f in document["findings"]] == [
        ("dependencies.vulnerable", 200)
    ]


def test_sarif_of_a_javascript_flow_carries_its_path_from_source_to_sink(tmp_path, capsys):
    # given a JavaScript handler whose query value reaches SQL through a local
    (tmp_path / "users.js").write_text(
        "app.get('/users', async (req, res) => {\n"
        "  const name = req.query.name;\n"
        "  res.json(await pool.query(`SELECT * FROM users WHERE name = '${name}'`));\n"
        "});\n"
    )
    output = tmp_path / "out.sarif"

    assert run_scan(str(tmp_path / "users.js"), "--format", "sarif", "--output", str(output)) == 0

    run = json.loads(output.read_text())["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "semgrep.js-sql-injection")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    [flow] = result["codeFlows"]
    steps = [
        (
            loc["location"]["physicalLocation"]["region"]["startLine"],
            loc["location"]["message"]["text"],
        )
        for loc in flow["threadFlows"][0]["locations"]
    ]
    assert steps[0] == (2, "source: req.query")
    assert steps[-1][0] == 3
    assert result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 2
