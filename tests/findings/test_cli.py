"""The command-line scan as a newcomer runs it: no Django, no environment, stdout holds only the
report, progress on a terminal's stderr only, vulnerability data without a database."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from findings.engine import cli
from findings.engine.osv.vulndb import parse_osv_bytes
from findings.engine.osv.vulnindex import INDEX_FILE_NAME, index_read, index_write
from findings.engine.scanners import SourceFile
from findings.engine.scanners.bandit_scanner import BanditScanner

ROOT = Path(__file__).resolve().parents[2]
OSV_FIXTURE = ROOT / "tests" / "fixtures" / "osv" / "advisories.json"
FLASK_SQLI = (
    "from flask import Flask, request\n"
    "app = Flask(__name__)\n"
    "\n"
    "@app.get('/u')\n"
    "def user():\n"
    "    name = request.args['name']\n"
    '    return db.execute("SELECT * FROM users WHERE name = \'" + name + "\'")\n'
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _bare_environment(tmp_path: Path) -> dict[str, str]:
    """What a newcomer's shell has: no DJANGO_*, no DATABASE_URL, no data directory."""
    return {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}


def _imported_modules(importtime_stderr: str) -> list[str]:
    names = []
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.append(line.rsplit("|", 1)[1].strip())
    return names


@pytest.fixture
def project(tmp_path: Path) -> Path:
    where = tmp_path / "elsewhere" / "project"
    where.mkdir(parents=True)
    (where / "app.py").write_text(FLASK_SQLI)
    return where


@pytest.mark.parametrize(
    "command",
    [
        [str(ROOT / "manage.py"), "scan"],
        ["-m", "findings.engine", "scan"],
    ],
    ids=["manage.py scan", "python -m findings.engine scan"],
)
def test_a_command_line_scan_imports_no_django_and_needs_no_environment(tmp_path, project, command):
    # given a shell with nothing configured, in a directory that is not the project
    (tmp_path / "home").mkdir()
    cwd = tmp_path / "home" if command[0] != "-m" else ROOT

    # when
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", *command, str(project), "--format", "sarif"],
        cwd=cwd,
        env=_bare_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then the SARIF is the whole of stdout, and not one Django module was imported
    assert completed.returncode == 0, completed.stderr[-2000:]
    document = json.loads(completed.stdout)
    [result] = [r for r in document["runs"][0]["results"] if r["ruleId"] == "python-taint.sqli"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    modules = _imported_modules(completed.stderr)
    assert "findings.engine.cli" in modules
    assert [name for name in modules if name.split(".")[0] == "django"] == []
    assert not (tmp_path / "var").exists()


def test_the_exit_codes_are_zero_one_and_two(tmp_path, project, capsys):
    assert cli.main([str(project)]) == cli.EXIT_OK
    assert cli.main([str(project), "--fail-on", "high"]) == cli.EXIT_FINDINGS
    assert cli.main([str(tmp_path / "missing.py")]) == cli.EXIT_USAGE
    assert cli.main(["--format", "xml", str(project)]) == cli.EXIT_USAGE

    err = capsys.readouterr().err
    assert "1 finding(s) at or above high\n" in err
    assert f"error: {tmp_path / 'missing.py'}: no such file or directory\n" in err
    assert "argument --format: invalid choice: 'xml'" in err


def test_an_absolute_path_outside_the_current_directory_is_reported_relative_to_itself(
    tmp_path, project, monkeypatch
):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    out = io.StringIO()

    code = cli.main([str(project / "app.py"), "--format", "json"], stdout=out, stderr=io.StringIO())

    assert code == 0
    paths = {finding["path"] for finding in json.loads(out.getvalue())["findings"]}
    assert paths == {"app.py"}


def test_progress_goes_to_a_terminal_stderr_and_never_to_stdout(project):
    out, err = io.StringIO(), Terminal()

    cli.main([str(project), "--format", "json"], stdout=out, stderr=err)

    json.loads(out.getvalue())  # nothing but the report
    assert "scanning 1 file…" in err.getvalue()
    assert "scanned 1 files, " in err.getvalue()


def test_no_progress_when_stderr_is_not_a_terminal(project):
    out, err = io.StringIO(), io.StringIO()

    cli.main([str(project), "--format", "json"], stdout=out, stderr=err)

    assert err.getvalue() == ""


def test_bandit_draws_no_progress_bar_on_stdout_for_hundreds_of_files(capsys):
    # given bandit's logger at INFO, as Django's logging sets it, and more files than its
    # progress-bar threshold
    logging.getLogger("bandit").setLevel(logging.INFO)
    files = [
        SourceFile(f"m{n}.py", "python", "import os\nos.system('ls')\n", frozenset({1, 2}))
        for n in range(120)
    ]
    try:
        outcome = BanditScanner().scan(files)
    finally:
        logging.getLogger("bandit").setLevel(logging.NOTSET)

    # then bandit scanned them all and wrote nothing to stdout
    assert len({finding.path for finding in outcome.findings}) == 120
    assert capsys.readouterr().out == ""


def _manifest_project(tmp_path: Path) -> Path:
    where = tmp_path / "deps"
    where.mkdir()
    (where / "requirements.txt").write_text("requests==2.30.0\n")
    return where


def test_vulnerable_dependencies_come_from_an_osv_file_given_on_the_command_line(tmp_path):
    where = _manifest_project(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    code = cli.main(
        [str(where), "--format", "json", "--vulnerabilities", str(OSV_FIXTURE)],
        stdout=out,
        stderr=err,
    )

    assert code == 0
    findings = json.loads(out.getvalue())["findings"]
    assert [(f["rule_id"], f["cwe"]) for f in findings] == [("dependencies.vulnerable", 200)]
    assert err.getvalue() == ""


def test_vulnerable_dependencies_come_from_the_exported_index(tmp_path, monkeypatch):
    data = tmp_path / "data"
    advisories = parse_osv_bytes(OSV_FIXTURE.read_bytes(), name="fixture")
    index_write(advisories, data / INDEX_FILE_NAME)
    monkeypatch.setenv("REVIEWBENCH_DATA_DIR", str(data))
    where = _manifest_project(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    cli.main([str(where), "--format", "json"], stdout=out, stderr=err)

    findings = json.loads(out.getvalue())["findings"]
    assert [f["rule_id"] for f in findings] == ["dependencies.vulnerable"]
    assert len(index_read(data / INDEX_FILE_NAME)) == len(advisories)
    assert err.getvalue() == ""


def test_without_vulnerability_data_stderr_says_so_and_the_scan_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWBENCH_DATA_DIR", str(tmp_path / "empty"))
    where = _manifest_project(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    code = cli.main([str(where), "--format", "json"], stdout=out, stderr=err)

    assert code == 0
    assert json.loads(out.getvalue())["findings"] == []
    assert err.getvalue().startswith("warning: no vulnerability data (")
    assert "known-vulnerable versions are not checked" in err.getvalue()


def test_a_scan_without_a_manifest_does_not_look_for_vulnerability_data(project, monkeypatch):
    monkeypatch.setenv("REVIEWBENCH_DATA_DIR", "/nonexistent/data")
    err = io.StringIO()

    cli.main([str(project)], stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == ""


def test_a_bad_vulnerabilities_file_is_a_usage_error(tmp_path):
    where = _manifest_project(tmp_path)
    (tmp_path / "bad.json").write_text("{not json")
    err = io.StringIO()

    code = cli.main(
        [str(where), "--vulnerabilities", str(tmp_path / "bad.json")],
        stdout=io.StringIO(),
        stderr=err,
    )

    assert code == cli.EXIT_USAGE
    assert err.getvalue().startswith("error: --vulnerabilities: ")


def test_an_index_file_that_is_not_ours_is_refused(tmp_path):
    (tmp_path / INDEX_FILE_NAME).write_bytes(b"not gzip")

    with pytest.raises(ValueError, match="could not be read"):
        index_read(tmp_path / INDEX_FILE_NAME)
