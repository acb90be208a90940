"""Source decoded the way its language reads it, never skipped as binary (issue 16.4)."""

from __future__ import annotations

import codecs
import subprocess

import pytest

from findings.engine.analysis import UNREADABLE_RULE, analyze_snapshot
from findings.engine.cli import collect_diff, collect_paths
from findings.engine.local_git import snapshot_from_local_git
from findings.engine.textcodec import decode_source

LATIN1_PY = (
    "# -*- coding: latin-1 -*-\n"
    "import subprocess\n"
    "# Prüfung der Eingabe: café\n"
    "\n"
    "def run(cmd):\n"
    "    subprocess.call(cmd, shell=True)\n"
)
JS = (
    "const { exec } = require('child_process');\n"
    "app.get('/x', (req, res) => {\n"
    "  exec('ls ' + req.query.dir); // «dossier»\n"
    "});\n"
)
JAVA = (
    "import java.security.MessageDigest;\n"
    "\n"
    "class Hashes {\n"
    "    // Prüfsumme\n"
    "    static byte[] digest(byte[] data) throws Exception {\n"
    '        return MessageDigest.getInstance("MD5").digest(data);\n'
    "    }\n"
    "}\n"
)
GO_LATIN1 = 'package main\n\n// caf\xe9\nfunc main() { println("hi") }\n'.encode("latin-1")


# --- decoding -------------------------------------------------------------------------------------


def test_python_follows_its_coding_declaration():
    decoded = decode_source(LATIN1_PY.encode("latin-1"), "app/run.py")

    assert decoded.text == LATIN1_PY
    assert decoded.encoding == "iso-8859-1"
    assert decoded.note == "Read as iso-8859-1 (its coding declaration)."


def test_python_without_a_declaration_is_utf8_and_a_bom_is_dropped():
    assert decode_source(b"\xef\xbb\xbfx = '\xc3\xa9'\n", "a.py").text == "x = 'é'\n"
    assert decode_source(b"x = 1\n", "a.py").note == ""


def test_python_that_python_would_not_read_is_not_text():
    # Latin-1 bytes with no declaration: the interpreter refuses it, so do we
    decoded = decode_source("x = 'é'\n".encode("latin-1"), "a.py")

    assert decoded.is_binary
    assert "Python would not read it" in decoded.reason


@pytest.mark.parametrize("path", ["web/app.js", "web/app.ts", "src/Hashes.java"])
@pytest.mark.parametrize(
    "bom,codec",
    [
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
    ],
)
def test_a_byte_order_mark_decides_for_javascript_typescript_and_java(path, bom, codec):
    decoded = decode_source(bom + JS.encode(codec), path)

    assert decoded.text == JS
    assert decoded.encoding == codec


@pytest.mark.parametrize("path", ["web/app.js", "src/Hashes.java"])
def test_legacy_8_bit_javascript_and_java_are_read_as_windows_1252(path):
    decoded = decode_source(JAVA.encode("cp1252"), path)

    assert decoded.text == JAVA
    assert decoded.note == "Not UTF-8; read as cp1252."


def test_go_is_utf8_only_and_says_so():
    decoded = decode_source(GO_LATIN1, "main.go")

    assert decoded.is_binary
    assert decoded.reason == "not UTF-8 at byte 20, which Go requires"
    # the one BOM Go accepts
    assert decode_source(codecs.BOM_UTF8 + b"package main\n", "main.go").text == "package main\n"


def test_nul_bytes_without_a_bom_are_binary():
    assert decode_source(b"\x89PNG\r\n\x1a\n\x00\x00", "logo.png").is_binary
    assert decode_source(b"var a = 1;\x00\n", "a.js").is_binary


# --- the engine -----------------------------------------------------------------------------------


def _git(repo, *args):
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, timeout=30
    ).stdout.decode("utf-8", errors="replace")


@pytest.fixture
def repo(tmp_path, git_identity):
    """main: a README; feature adds Latin-1 Python, UTF-16 JavaScript, a UTF-8-BOM Java file,
    a Latin-1 Go file and a real binary."""
    path = tmp_path / "project"
    path.mkdir()
    _git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("# project\n")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Initial import")
    _git(path, "checkout", "-q", "-b", "feature")
    (path / "run.py").write_bytes(LATIN1_PY.encode("latin-1"))
    (path / "app.js").write_bytes(codecs.BOM_UTF16_LE + JS.encode("utf-16-le"))
    (path / "Hashes.java").write_bytes(codecs.BOM_UTF8 + JAVA.encode("utf-8"))
    (path / "main.go").write_bytes(GO_LATIN1)
    (path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    _git(path, "add", ".")
    _git(path, "commit", "-q", "-m", "Add the service")
    return path


def test_non_utf8_source_from_git_is_analysed_and_undecodable_source_is_a_finding(repo):
    # given git itself calls the UTF-16 file binary
    numstat = _git(repo, "diff", "--numstat", "main...feature")
    assert "-\t-\tapp.js" in numstat

    # when
    snapshot = snapshot_from_local_git(repo_path=repo, base="main", head="feature")
    result = analyze_snapshot(snapshot)

    # then every decodable file is scanned, at the right line
    files = {f.path: f for f in result.files}
    assert files["run.py"].analysis == "analysed"
    assert files["app.js"].analysis == "analysed"
    assert files["Hashes.java"].analysis == "analysed"
    assert files["logo.png"].analysis == "not_applicable"
    findings = sorted((f.data.path, f.data.rule_id, f.data.line) for f in result.findings)
    assert findings == [
        ("Hashes.java", "semgrep.java-weak-hash", 6),
        ("app.js", "semgrep.js-command-injection", 3),
        ("main.go", UNREADABLE_RULE, 1),
        ("run.py", "python-taint.command-injection", 6),
    ]
    # and the Go file nobody could read is put in front of the reviewer, not marked "not applicable"
    assert files["main.go"].analysis == "not_analysed"
    assert "which Go requires" in files["main.go"].analysis_note
    [unreadable] = [f.data for f in result.findings if f.data.rule_id == UNREADABLE_RULE]
    assert unreadable.title == "File could not be analysed"
    assert "main.go is a go file" in unreadable.message


def test_the_command_line_reads_the_same_way(repo, monkeypatch):
    monkeypatch.chdir(repo)
    diff = _git(repo, "diff", "main...feature")

    changes, skipped = collect_diff(diff, root=str(repo))

    by_path = {change.path: change for change in changes}
    assert skipped == []
    assert by_path["run.py"].content == LATIN1_PY
    # the diff marks the UTF-16 file binary: read as text, every line counts as changed
    assert by_path["app.js"].content == JS
    assert by_path["app.js"].patch.startswith("@@ -0,0 +1,4 @@")
    assert by_path["main.go"].is_binary and "which Go requires" in by_path["main.go"].note

    path_changes, path_skipped = collect_paths([str(repo)], root=str(repo))
    assert sorted(change.path for change in path_changes) == [
        "Hashes.java",
        "README.md",
        "app.js",
        "run.py",
    ]
    assert [(item.path, item.reason) for item in path_skipped] == [
        ("main.go", "not read as text: not UTF-8 at byte 20, which Go requires")
    ]


@pytest.mark.parametrize(
    "diff_line,file_line,same",
    [
        ("# caf\ufffd", "# café", True),
        ("# caf\ufffd", "# caf", False),  # a replaced byte stands for at least one character
        ("\ufffd = '\ufffd\ufffd'", "é = 'ßü'", True),
        ("x = '\ufffd'", "y = 'é'", False),
        ("\ufeffimport a", "import a", True),
        ("import a", "import b", False),
    ],
)
def test_a_diff_line_with_replaced_bytes_matches_the_decoded_file(diff_line, file_line, same):
    from findings.engine.cli import _same_line

    assert _same_line(diff_line, file_line) is same


@pytest.mark.parametrize(
    "raw",
    [
        b"x = 1\n",
        b"# -*- coding: latin-1 -*-\nname = '\xe9'\n",
        b"#!/usr/bin/env python\n# coding: cp1252\nname = '\x80'\n",
        b"x = 1\n# coding: latin-1\n",  # a cookie on line 2 counts
        b"x = 1\ny = 2\n# coding: latin-1\n",  # ...on line 3 it does not
        b"# coding: latin-1",  # one line, no newline
        b"\xef\xbb\xbfx = 1\n",
        b"x = '\xe9'\n",  # not UTF-8, no declaration
        b"x = 1\x00\n",
        b"",
    ],
)
def test_the_fast_path_reads_python_as_the_tokenizer_does(raw):
    import io
    import tokenize

    from findings.engine.textcodec import DecodedText, _python

    # the tokenizer-only reading, as before the fast path
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError:
        expected_text = None
    else:
        try:
            expected_text = raw.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            expected_text = None
        if b"\x00" in raw:
            expected_text = None

    decoded = _python(raw)
    assert isinstance(decoded, DecodedText)
    assert decoded.text == expected_text
