"""Bandit, run in-process through its Python API, mapped to finding data."""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from bandit.core import config as bandit_config
from bandit.core import manager as bandit_manager

from findings.engine.scanners import (
    FileFailure,
    FindingData,
    Scanner,
    ScanOutcome,
    SourceFile,
    register,
)
from findings.engine.scanners.secrets_scanner import mask_line, mask_secret

logger = logging.getLogger(__name__)

_MAX_CODE_CHARS = 1000
_MAX_MESSAGE_CHARS = 2000

_SEVERITY = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high", "CRITICAL": "critical"}
_CONFIDENCE = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high"}

GENERIC_GUIDANCE = (
    "Check whether the flagged code can be reached with untrusted input; see the bandit "
    "documentation for this test for the secure alternative."
)

# A short secure alternative per bandit test; a test without an entry gets GENERIC_GUIDANCE.
GUIDANCE: dict[str, str] = {
    "B101": "assert is removed under python -O: raise an exception for checks that must hold.",
    "B102": "Do not exec() strings; call the code directly or use a dispatch table.",
    "B103": "Give files the narrowest permissions they need (e.g. 0o600), never world-writable.",
    "B104": "Bind to 127.0.0.1 or a configured interface rather than 0.0.0.0.",
    "B105": "Load secrets from the environment or a secret manager, never from source code.",
    "B106": "Pass secrets from the environment or a secret manager, never as literals.",
    "B107": "Do not default a password argument to a literal; require it or read it from config.",
    "B108": "Use tempfile.mkstemp()/TemporaryDirectory() instead of a fixed path under /tmp.",
    "B110": "Do not swallow exceptions silently; log them or handle the specific exception.",
    "B113": "Pass timeout= to every HTTP request so a slow server cannot hang the worker.",
    "B201": "Never run Flask with debug=True outside local development.",
    "B301": "Do not unpickle untrusted data; use json or a schema-validated format.",
    "B303": "Use hashlib.sha256 (or a KDF such as scrypt/argon2 for passwords), not MD5/SHA1.",
    "B304": "Use an authenticated modern cipher (AES-GCM, ChaCha20-Poly1305) via cryptography.",
    "B306": "Use tempfile.mkstemp() or NamedTemporaryFile(); mktemp() is racy.",
    "B307": "Use ast.literal_eval() for literals; never eval() untrusted input.",
    "B310": "Validate the URL scheme (https only) and pass a timeout; prefer requests/httpx.",
    "B311": "Use the secrets module for tokens, passwords and anything security-relevant.",
    "B324": "Use hashlib.sha256 or pass usedforsecurity=False when the hash is not for security.",
    "B403": "Do not unpickle untrusted data; use json or a schema-validated format.",
    "B404": "Call subprocess with a list of arguments, never shell=True, and validate inputs.",
    "B501": "Keep certificate verification on (verify=True); pin a CA bundle if needed.",
    "B506": "Use yaml.safe_load(); yaml.load() can construct arbitrary objects.",
    "B602": "Pass a list of arguments with shell=False; never build a shell command from input.",
    "B603": "Use a fixed executable and validate every argument that comes from input.",
    "B604": "Avoid shell=True; pass a list of arguments to a function that does not use a shell.",
    "B605": "Use subprocess.run([...]) with a list of arguments instead of os.system/popen.",
    "B607": "Call executables by absolute path so PATH cannot substitute another program.",
    "B608": "Use parameterized queries (cursor.execute(sql, params) or the ORM), never f-strings.",
    "B701": "Create jinja2 Environments with autoescape=True (select_autoescape()).",
    "B703": "Escape with format_html() instead of mark_safe() on strings that hold input.",
    "B308": "Escape with format_html() instead of mark_safe() on strings that hold input.",
}


_BANDIT_MANAGER_LOGGER = logging.getLogger("bandit.core.manager")


@contextlib.contextmanager
def _no_progress_bar() -> Iterator[None]:
    """Bandit draws a progress bar on stdout for more than 50 files when its logger is at INFO
    (as under Django's logging): it would land in the middle of a SARIF or JSON report."""
    previous = _BANDIT_MANAGER_LOGGER.level
    _BANDIT_MANAGER_LOGGER.setLevel(logging.WARNING)
    try:
        yield
    finally:
        _BANDIT_MANAGER_LOGGER.setLevel(previous)


@functools.cache
def _config() -> bandit_config.BanditConfig:
    return bandit_config.BanditConfig()


def _syntax_problem(text: str) -> str | None:
    """A readable reason when `text` is not Python the running interpreter can parse."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return f"Python syntax error{where}: {exc.msg}; bandit could not scan this file"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"Python could not parse this file ({type(exc).__name__}); bandit did not scan it"
    return None


# PEP 263: a coding declaration in the first two lines.
_CODING_DECLARATION = re.compile(r"^([ \t\f]*#.*?coding[:=][ \t]*)([-\w.]+)", re.MULTILINE)


def _as_utf8_source(text: str) -> str:
    """The text, declared as the UTF-8 it is written in: a Latin-1 file keeps its `coding:
    latin-1` line after decoding, and bandit would read the UTF-8 bytes back as Latin-1."""
    head, newline, rest = text.partition("\n")
    second, newline2, tail = rest.partition("\n")
    first_two = head + newline + second
    if "coding" not in first_two:
        return text
    return _CODING_DECLARATION.sub(r"\1utf-8", first_two, count=1) + newline2 + tail


_ECHOES_SECRET = frozenset({"B105", "B106", "B107"})
_QUOTED = re.compile(r"'([^'\n]{1,500})'")


def _git_line_numbers(text: str) -> Callable[[int], int]:
    """Map Python's line numbers to the diff's: Python also ends a line at a lone carriage return,
    git does not, and a file full of lone CRs must not move a finding off the added lines."""
    if "\r" not in text.replace("\r\n", ""):
        return lambda number: number
    git_line_of = [1, 1]  # index: Python line number
    git_line = 1
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\n":
            git_line += 1
            git_line_of.append(git_line)
        elif char == "\r":
            if index + 1 < length and text[index + 1] == "\n":
                index += 1
                git_line += 1
            git_line_of.append(git_line)
        index += 1
    return lambda number: git_line_of[number] if number < len(git_line_of) else git_line


@register
class BanditScanner(Scanner):
    """Bandit's Python security tests over whole files."""

    id = "bandit"
    version = "1.9.4-1"
    languages = frozenset({"python"})

    def __init__(self, skipped_tests: frozenset[str] = frozenset()):
        # bandit test ids (B301...) left out of the run; see Scanner.without
        self.skipped_tests = skipped_tests

    @property
    def cache_key(self) -> str:
        if not self.skipped_tests:
            return self.id
        digest = hashlib.sha256(",".join(sorted(self.skipped_tests)).encode()).hexdigest()
        return f"{self.id}:without-{digest[:16]}"

    def without(self, rule_ids: frozenset[str]) -> BanditScanner | None:
        tests = frozenset(
            rule.removeprefix("bandit.") for rule in rule_ids if rule.startswith("bandit.")
        )
        return BanditScanner(self.skipped_tests | tests) if tests else None

    def scan(self, files: Sequence[SourceFile]) -> ScanOutcome:
        """Scan Python files with bandit; unparsable files come back as failures."""
        failures: list[FileFailure] = []
        runnable: list[tuple[str, SourceFile]] = []
        for position, source in enumerate(files):
            # A generated name: the PR's path never touches the file system. Bandit parses each
            # file itself and skips what it cannot parse; only those are parsed again, for a
            # reason a reviewer can read (a parse of every file up front cost a third of it).
            runnable.append((f"f{position:06d}.py", source))
        if not runnable:
            return ScanOutcome(findings=(), failures=tuple(failures))

        findings: list[FindingData] = []
        with tempfile.TemporaryDirectory(prefix="reviewbench-bandit-") as directory:
            by_name: dict[str, SourceFile] = {}
            for name, source in runnable:
                path = os.path.join(directory, name)
                with open(path, "w", encoding="utf-8", errors="replace", newline="") as handle:
                    handle.write(_as_utf8_source(source.text))
                by_name[name] = source
            # ignore_nosec: a "# nosec" comment written by the PR's author must not hide a finding
            # from the reviewer of that PR.
            profile = {"include": set(), "exclude": set(self.skipped_tests)}
            manager = bandit_manager.BanditManager(
                _config(), "file", ignore_nosec=True, profile=profile
            )
            manager.discover_files([os.path.join(directory, name) for name in by_name])
            with _no_progress_bar():
                manager.run_tests()
            for skipped_name, reason in manager.get_skipped():
                skipped = by_name.get(os.path.basename(skipped_name))
                if skipped is not None:
                    failures.append(
                        FileFailure(
                            path=skipped.path,
                            scanner_id=self.id,
                            reason=_syntax_problem(skipped.text)
                            or f"bandit could not scan this file: {reason}",
                        )
                    )
            for issue in manager.get_issue_list():
                scanned = by_name.get(os.path.basename(issue.fname))
                if scanned is not None:
                    findings.append(self._finding(issue, scanned))
        findings.sort(key=lambda finding: (finding.path, finding.line, finding.rule_id))
        return ScanOutcome(findings=tuple(findings), failures=tuple(failures))

    def _finding(self, issue: Any, source: SourceFile) -> FindingData:
        to_git = _git_line_numbers(source.text)
        line = to_git(max(int(issue.lineno or 1), 1))
        line_range = [to_git(int(number)) for number in (issue.linerange or []) if number]
        end_line = max([line, *line_range])
        lines = source.text.split("\n")
        code = lines[line - 1].rstrip("\r") if line <= len(lines) else ""
        cwe_id = getattr(issue.cwe, "id", 0) or None
        message = str(issue.text)
        if issue.test_id in _ECHOES_SECRET:
            # Bandit quotes the hard-coded password in its text and the line holds it: a finding
            # must never echo a full secret (into the page, the check run, JSON or SARIF).
            values = _QUOTED.findall(message)
            code = mask_line(code, values)
            message = _QUOTED.sub(lambda m: f"'{mask_secret(m.group(1))}'", message)
        return FindingData(
            scanner_id=self.id,
            scanner_version=self.version,
            rule_id=f"bandit.{issue.test_id}",
            cwe=int(cwe_id) if cwe_id else None,
            severity=_SEVERITY.get(str(issue.severity).upper(), "info"),
            confidence=_CONFIDENCE.get(str(issue.confidence).upper(), "low"),
            title=str(issue.test or issue.test_id),
            message=message[:_MAX_MESSAGE_CHARS],
            guidance=GUIDANCE.get(issue.test_id, GENERIC_GUIDANCE),
            path=source.path,
            line=line,
            end_line=end_line,
            code=code[:_MAX_CODE_CHARS],
        )
