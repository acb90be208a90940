"""The command-line scan: files or a diff in, the pipeline's analysis, text/JSON/SARIF out.

`python -m findings.engine scan ...` and `python manage.py scan ...` (which hands over before
Django is set up) both run `main`; nothing here imports Django, needs settings, a secret key or a
database. stdout carries the chosen format and nothing else; warnings and progress go to stderr,
progress only when stderr is a terminal.

The command builds a `PullRequestSnapshot` of `FileChange`s and calls `analyze_snapshot`, so the
command and the pipeline share the scanners, the diff-aware filtering and the fingerprints. Paths
in a diff are attacker-controlled: they are resolved under --root and refused when they escape it
(`..`, absolute paths, symlinks pointing outside).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from findings.engine import ENGINE_VERSION, sarif
from findings.engine.analysis import NOT_ANALYSED, FingerprintedFinding, analyze_snapshot
from findings.engine.diff import DiffError, FileDiff, diff_texts, parse_unified_diff
from findings.engine.languages import language_for_path
from findings.engine.osv.vulndb import EMPTY_INDEX, OSVError, VulnerabilityIndex
from findings.engine.osv.vulnindex import index_path, index_read, osv_file_read
from findings.engine.scanners import SEVERITIES, Scanner, registered_scanners
from findings.engine.scanners.dependencies import manifest_kind, vulnerability_index_in_use
from findings.engine.scanners.secrets_scanner import TEST_PATH_POLICIES, SecretsScanner
from findings.engine.snapshot import FileChange, PullRequestSnapshot
from findings.engine.textcodec import decode_source

MAX_FILE_BYTES = 1024 * 1024
MAX_DIFF_BYTES = 20 * 1024 * 1024
SKIPPED_DIRECTORIES = frozenset({".git", "node_modules", ".venv"})

EXIT_OK = 0
EXIT_FINDINGS = 1  # a finding at or above --fail-on
EXIT_USAGE = 2  # bad arguments, missing files, a malformed diff, a refused path


class UsageError(ValueError):
    """Bad input to the command (missing file, malformed diff, path escaping --root): exit 2."""


@dataclass(frozen=True)
class NotAnalysed:
    path: str
    reason: str


@dataclass(frozen=True)
class ScanReport:
    findings: tuple[FingerprintedFinding, ...]
    not_analysed: tuple[NotAnalysed, ...]
    files: int  # files handed to the analysis
    root: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# --- reading files -------------------------------------------------------------------------------


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def resolve_under_root(root: str, relative: str) -> str:
    """The real path of `relative` inside `root`; UsageError when it would leave the root."""
    if not relative or "\x00" in relative:
        raise UsageError(f"refusing path {relative!r}: empty or contains a NUL byte")
    normalized = relative.replace("\\", "/")
    if normalized.startswith("/") or (len(normalized) > 1 and normalized[1] == ":"):
        raise UsageError(f"refusing absolute path {relative!r} in the diff")
    if ".." in normalized.split("/"):
        raise UsageError(f"refusing path {relative!r}: it climbs out of --root with '..'")
    real_root = os.path.realpath(root)
    real = os.path.realpath(os.path.join(real_root, *normalized.split("/")))
    if not _is_within(real, real_root):
        raise UsageError(f"refusing path {relative!r}: it resolves outside --root (a symlink)")
    return real


def _read_text(real_path: str) -> tuple[str | None, bool, str]:
    """(text, is_binary, reason when unreadable) for a file already known to be inside root."""
    try:
        size = os.path.getsize(real_path)
        if size > MAX_FILE_BYTES:
            return None, False, f"larger than {MAX_FILE_BYTES} bytes ({size}); not analysed"
        with open(real_path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, False, "the file does not exist under --root"
    except OSError as exc:
        return None, False, f"the file could not be read: {exc.strerror}"
    decoded = decode_source(raw, real_path)
    if decoded.text is None:
        return None, True, decoded.reason
    return decoded.text, False, ""


def _relative(real_path: str, real_root: str) -> str:
    return os.path.relpath(real_path, real_root).replace(os.sep, "/")


def _walk(directory: str) -> Iterable[str]:
    for current, directories, names in os.walk(directory, followlinks=False):
        directories[:] = sorted(d for d in directories if d not in SKIPPED_DIRECTORIES)
        for name in sorted(names):
            yield os.path.join(current, name)


def collect_paths(paths: Sequence[str], *, root: str) -> tuple[list[FileChange], list[NotAnalysed]]:
    """Whole files (every line counts as added) from files and directories under `root`."""
    real_root = os.path.realpath(root)
    changes: list[FileChange] = []
    skipped: list[NotAnalysed] = []
    candidates: list[str] = []
    for given in paths:
        absolute = os.path.abspath(given)
        if not os.path.lexists(absolute):
            raise UsageError(f"{given}: no such file or directory")
        if not _is_within(os.path.realpath(absolute), real_root):
            raise UsageError(f"{given} is outside --root {root}")
        candidates.extend(_walk(absolute) if os.path.isdir(absolute) else [absolute])
    seen: set[str] = set()
    for candidate in candidates:
        real = os.path.realpath(candidate)
        shown = _relative(os.path.abspath(candidate), real_root)
        if not _is_within(real, real_root):
            skipped.append(NotAnalysed(shown, "a symlink pointing outside --root; not read"))
            continue
        if real in seen or not os.path.isfile(real):
            continue
        seen.add(real)
        text, is_binary, reason = _read_text(real)
        if is_binary and language_for_path(shown) is None:
            continue  # an image, an archive: nothing to analyse
        if text is None:
            # A source file that is not text to its language is unreviewed code: say so.
            skipped.append(
                NotAnalysed(shown, f"not read as text: {reason}" if is_binary else reason)
            )
            continue
        changes.append(FileChange(path=shown, status="added", patch=None, content=text))
    return changes, skipped


def _patch_of(file_diff: FileDiff) -> str:
    return "\n".join(hunk.content for hunk in file_diff.hunks)


_REPLACED = re.compile("\ufffd+")


def _same_line(diff_line: str, file_line: str) -> bool:
    """Whether a diff's added line is the file's line. The diff is read as UTF-8 with bytes it
    cannot decode replaced; the file is decoded as its language reads it (Latin-1, UTF-16), so
    a replaced run in the diff stands for the one or more characters the file has there."""
    # A byte-order mark is in the diff's first line, not in the decoded text.
    diff_line, file_line = diff_line.removeprefix("\ufeff"), file_line.removeprefix("\ufeff")
    if diff_line == file_line or "\ufffd" not in diff_line:
        return diff_line == file_line
    # Each piece in order, at least one character between them: leftmost matching is enough and
    # stays linear (a regex of `.+` gaps would backtrack on a long line).
    first, *middle, last = _REPLACED.split(diff_line)
    if not file_line.startswith(first):
        return False
    position = len(first)
    for piece in middle:
        found = file_line.find(piece, position + 1)
        if found < 0:
            return False
        position = found + len(piece)
    return len(file_line) - len(last) > position and file_line.endswith(last)


def _mismatch(file_diff: FileDiff, text: str) -> str:
    """Why the file under --root is not the diff's result, or "" when its added lines match."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    for hunk in file_diff.hunks:
        for added in hunk.added:
            if added.number > len(lines) or not _same_line(added.text, lines[added.number - 1]):
                return (
                    f"the file under --root does not match the diff at line {added.number}; "
                    "check out the PR's head before scanning"
                )
    return ""


def _change_of(
    file_diff: FileDiff,
    patch: str,
    *,
    is_binary: bool = False,
    content: str | None = None,
    note: str = "",
) -> FileChange:
    return FileChange(
        path=file_diff.path,
        status=file_diff.status,
        patch=patch,
        previous_path=file_diff.previous_path,
        is_binary=is_binary,
        content=content,
        note=note,
    )


def collect_diff(diff_text: str, *, root: str) -> tuple[list[FileChange], list[NotAnalysed]]:
    """The files a diff touches, read after the change from `root`; UsageError on a bad diff."""
    try:
        file_diffs = parse_unified_diff(diff_text)
    except DiffError as exc:
        raise UsageError(f"the diff could not be read: {exc}") from None
    if not file_diffs:
        raise UsageError("the diff is empty: no file changes found")
    changes: list[FileChange] = []
    skipped: list[NotAnalysed] = []
    for file_diff in file_diffs:
        patch = _patch_of(file_diff)

        change = functools.partial(_change_of, file_diff, patch)
        if file_diff.status == "removed":
            changes.append(change())
            continue
        real = resolve_under_root(root, file_diff.path)
        text, is_binary, reason = _read_text(real)
        if file_diff.is_binary and text is not None and language_for_path(file_diff.path):
            # git calls UTF-16 source binary and gives no hunks; read as its language reads it,
            # it is text: every line of it is the reviewer's (there is no base to compare with).
            changes.append(
                _change_of(
                    file_diff,
                    diff_texts("", text),
                    content=text,
                    note="The diff marks it binary; read as text, every line counted as changed.",
                )
            )
            continue
        if file_diff.is_binary:
            changes.append(change(is_binary=True, note=f"Not scanned: {reason}." if reason else ""))
            continue
        if is_binary:
            changes.append(change(is_binary=True, note=f"Not scanned: {reason}."))
            continue
        if text is None:
            skipped.append(NotAnalysed(file_diff.path, reason))
            continue
        mismatch = _mismatch(file_diff, text)
        if mismatch:
            skipped.append(NotAnalysed(file_diff.path, mismatch))
            continue
        changes.append(change(content=text))
    return changes, skipped


# --- scanning ------------------------------------------------------------------------------------


def snapshot_for(changes: Sequence[FileChange]) -> PullRequestSnapshot:
    """A snapshot of local changes: no pull request, only files."""
    return PullRequestSnapshot(
        repository_full_name="local/scan",
        number=0,
        title="",
        body="",
        author_login="",
        base_ref="",
        base_sha="",
        head_ref="",
        head_sha="",
        files=tuple(changes),
    )


def scan_changes(
    changes: Sequence[FileChange],
    *,
    skipped: Sequence[NotAnalysed] = (),
    root: str = "",
    vulnerability_index: VulnerabilityIndex | None = None,
    scanners: Sequence[Scanner] | None = None,
) -> ScanReport:
    """Run the pipeline's analysis over local changes and collect findings and unread files."""
    if vulnerability_index is not None:
        with vulnerability_index_in_use(vulnerability_index):
            result = analyze_snapshot(snapshot_for(changes), scanners=scanners)
    else:
        result = analyze_snapshot(snapshot_for(changes), scanners=scanners)
    not_analysed = list(skipped)
    not_analysed.extend(
        NotAnalysed(file.path, file.analysis_note or "not analysed")
        for file in result.files
        if file.analysis == NOT_ANALYSED
    )
    findings = sorted(
        result.findings,
        key=lambda item: (item.data.path, item.data.line, item.data.rule_id, item.fingerprint),
    )
    return ScanReport(
        findings=tuple(findings),
        not_analysed=tuple(sorted(not_analysed, key=lambda item: item.path)),
        files=len(changes),
        root=root,
    )


def severity_rank(severity: str) -> int:
    """Position of a severity from info (0) to critical (4); ValueError for unknown words."""
    return SEVERITIES.index(severity)


def findings_at_or_above(report: ScanReport, threshold: str) -> list[FingerprintedFinding]:
    """The findings whose severity is `threshold` or worse."""
    floor = severity_rank(threshold)
    return [item for item in report.findings if severity_rank(item.data.severity) >= floor]


# --- output --------------------------------------------------------------------------------------


def printable(text: str) -> str:
    """Control, format and bidirectional characters shown as escapes: a file name or a message
    must not move the cursor, recolour the terminal or reorder what the reader sees."""
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t" or category[0] not in ("C",):
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}")
    return "".join(out)


def format_text(report: ScanReport) -> str:
    """One line per finding (`path:line severity rule CWE-n message`), unread files, a summary."""
    lines: list[str] = []
    for item in report.findings:
        finding = item.data
        cwe = f"CWE-{finding.cwe}" if finding.cwe else "CWE-?"
        lines.append(
            printable(
                f"{finding.path}:{finding.line} {finding.severity} {finding.rule_id} {cwe} "
                f"{finding.message}"
            )
        )
    for skipped in report.not_analysed:
        lines.append(printable(f"{skipped.path}: not analysed: {skipped.reason}"))
    counts = {severity: 0 for severity in reversed(SEVERITIES)}
    for item in report.findings:
        counts[item.data.severity] += 1
    by_severity = ", ".join(f"{count} {severity}" for severity, count in counts.items() if count)
    summary = f"{len(report.findings)} finding{'s' if len(report.findings) != 1 else ''}"
    if by_severity:
        summary += f" ({by_severity})"
    summary += f" in {report.files} file{'s' if report.files != 1 else ''}"
    summary += f"; {len(report.not_analysed)} not analysed"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _finding_json(item: FingerprintedFinding) -> dict[str, Any]:
    data = item.data.as_dict()
    data["fingerprint"] = item.fingerprint
    return data


def format_json(report: ScanReport) -> str:
    """Findings (with fingerprints) and files not analysed, as one JSON object."""
    document = {
        "findings": [_finding_json(item) for item in report.findings],
        "not_analysed": [{"path": s.path, "reason": s.reason} for s in report.not_analysed],
        "summary": {
            "findings": len(report.findings),
            "files": report.files,
            "not_analysed": len(report.not_analysed),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def format_sarif(report: ScanReport, *, tool_version: str = ENGINE_VERSION) -> str:
    """SARIF 2.1.0 as GitHub code scanning reads it (see `findings.engine.sarif`)."""
    return sarif.format_sarif(
        report.findings,
        not_analysed=[sarif.Unanalysed(item.path, item.reason) for item in report.not_analysed],
        root=report.root,
        tool_version=tool_version,
    )


FORMATTERS = {"text": format_text, "json": format_json, "sarif": format_sarif}


# --- the command ---------------------------------------------------------------------------------

COMMAND_HELP = (
    "Scan files (whole files: every line counts as added) or a diff (only what it adds, files "
    "read from --root) with ReviewBench's scanners. Exit codes: 0 no finding at or above "
    "--fail-on, 1 at least one, 2 usage errors."
)


def add_scan_arguments(parser: argparse.ArgumentParser) -> None:
    """The scan command's options, shared by `python -m findings.engine scan` and manage.py."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories")
    parser.add_argument("--diff", metavar="PR.diff", help="a unified diff (git diff output)")
    parser.add_argument(
        "--root", metavar="DIR", help="the checkout the diff's paths are relative to (default: .)"
    )
    parser.add_argument("--format", choices=tuple(FORMATTERS), default="text")
    parser.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        metavar="SEVERITY",
        help="exit 1 when a finding of this severity or worse exists ("
        + ", ".join(SEVERITIES)
        + ")",
    )
    parser.add_argument("--output", metavar="FILE", help="write the report here, not to stdout")
    parser.add_argument(
        "--test-secrets",
        choices=TEST_PATH_POLICIES,
        default="low",
        help="credentials under tests/, fixtures/, examples/, docs/...: reported at low severity "
        "(default) or ignored",
    )
    parser.add_argument(
        "--vulnerabilities",
        metavar="OSV_FILE",
        help="match dependencies against this OSV file (record, JSON list or zip) instead of the "
        "index that load_vulnerabilities exports to the data directory",
    )


def build_parser(prog: str = "python -m findings.engine scan") -> argparse.ArgumentParser:
    """The scan command's argument parser."""
    parser = argparse.ArgumentParser(prog=prog, description=COMMAND_HELP)
    add_scan_arguments(parser)
    return parser


class _Progress:
    """One status line on stderr, rewritten in place; silent unless stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.enabled = bool(isatty is not None and isatty())
        self.started = time.monotonic()

    def say(self, text: str) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K" + text)
            self.stream.flush()

    def done(self, text: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.started
            self.stream.write(f"\r\x1b[K{text} in {elapsed:.1f} s\n")
            self.stream.flush()


def _read_diff(path: str) -> str:
    try:
        if os.path.getsize(path) > MAX_DIFF_BYTES:
            raise UsageError(f"--diff {path}: larger than {MAX_DIFF_BYTES} bytes")
        with open(path, encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UsageError(f"--diff {path}: no such file") from None
    except OSError as exc:
        raise UsageError(f"--diff {path}: {exc.strerror}") from None


def vulnerability_index_for(
    changes: Sequence[FileChange], *, osv_file: str | None, warn: TextIO
) -> VulnerabilityIndex | None:
    """The advisories to match the scan's manifests against, or None when it holds no manifest.

    From `--vulnerabilities` when given (a bad file is a usage error), else from the index
    `load_vulnerabilities` exported; when there is none, a warning says so on `warn`.
    """
    if not any(manifest_kind(change.path) for change in changes if change.content is not None):
        return None
    if osv_file:
        try:
            return osv_file_read(osv_file)
        except OSVError as exc:
            raise UsageError(f"--vulnerabilities: {exc}") from None
    path = index_path()
    if not path.exists():
        warn.write(
            f"warning: no vulnerability data ({path} does not exist): known-vulnerable versions "
            "are not checked; run `manage.py load_vulnerabilities FILE_OR_URL` or pass "
            "--vulnerabilities OSV_FILE\n"
        )
        return EMPTY_INDEX
    try:
        index = index_read(path)
    except OSVError as exc:
        warn.write(f"warning: the vulnerability data could not be read ({exc}); not checked\n")
        return EMPTY_INDEX
    if not len(index):
        warn.write("warning: the vulnerability data holds no advisories; not checked\n")
    return index


def default_root(paths: Sequence[str]) -> str:
    """The directory findings are reported relative to when --root is not given: the current
    one when every path is inside it, else the deepest directory holding them all (so any
    absolute path can be scanned from anywhere)."""
    cwd = os.getcwd()
    real_cwd = os.path.realpath(cwd)
    absolute = [os.path.abspath(path) for path in paths]
    if all(_is_within(os.path.realpath(path), real_cwd) for path in absolute):
        return cwd
    folders = [path if os.path.isdir(path) else os.path.dirname(path) for path in absolute]
    return os.path.commonpath([os.path.realpath(folder) for folder in folders])


def run(options: argparse.Namespace, *, stdout: TextIO, stderr: TextIO) -> int:
    """Run a parsed scan command; returns the exit code. UsageError for bad input."""
    root = options.root or default_root(options.paths)
    if not os.path.isdir(root):
        raise UsageError(f"--root {root}: not a directory")
    if options.diff and options.paths:
        raise UsageError("give either PATHs or --diff, not both")
    if not options.diff and not options.paths:
        raise UsageError("nothing to scan: give PATHs or --diff PR.diff")
    progress = _Progress(stderr)
    progress.say("reading files…")
    if options.diff:
        changes, skipped = collect_diff(_read_diff(options.diff), root=root)
    else:
        changes, skipped = collect_paths(options.paths, root=root)
    index = vulnerability_index_for(changes, osv_file=options.vulnerabilities, warn=stderr)
    progress.say(f"scanning {len(changes)} file{'s' if len(changes) != 1 else ''}…")
    scanners: list[Scanner] | None = None
    if getattr(options, "test_secrets", "low") != "low":
        scanners = [
            SecretsScanner(test_paths=options.test_secrets)
            if isinstance(scanner, SecretsScanner)
            else scanner
            for scanner in registered_scanners()
        ]
    report = scan_changes(
        changes, skipped=skipped, root=root, vulnerability_index=index, scanners=scanners
    )
    progress.done(f"scanned {report.files} files, {len(report.findings)} findings")
    rendered = FORMATTERS[options.format](report)
    if options.output:
        try:
            with open(options.output, "w", encoding="utf-8") as handle:
                handle.write(rendered)
        except OSError as exc:
            raise UsageError(f"could not write {options.output}: {exc.strerror}") from None
    else:
        stdout.write(rendered)
        stdout.flush()
    if options.fail_on:
        failing = findings_at_or_above(report, options.fail_on)
        if failing:
            stderr.write(f"{len(failing)} finding(s) at or above {options.fail_on}\n")
            return EXIT_FINDINGS
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = "python -m findings.engine scan",
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """The scan command: parse `argv` (without the program name), scan, print; the exit code."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    parser = build_parser(prog)
    try:
        options = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit_:  # argparse has printed its usage error
        return int(exit_.code or 0)
    try:
        return run(options, stdout=out, stderr=err)
    except UsageError as exc:
        err.write(f"error: {printable(str(exc))}\n")
        return EXIT_USAGE
