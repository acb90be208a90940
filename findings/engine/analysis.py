"""The pure analysis core: a pull request snapshot in, changed files and diff-aware findings out.

No ORM here: the scan cache is a protocol the caller provides (the services layer backs it with the
`ScanCache` table). One file that cannot be read never fails the whole analysis; it is reported as
not analysed with a reason a reviewer can read.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from findings.engine.diff import (
    DiffError,
    HunkData,
    diff_texts,
    parse_patch,
    parse_patch_remembered,
)
from findings.engine.languages import language_for_path
from findings.engine.scanners import (
    FileFailure,
    FindingData,
    Scanner,
    SourceFile,
    registered_scanners,
)
from findings.engine.snapshot import FileChange, PullRequestSnapshot

logger = logging.getLogger(__name__)

ANALYSED = "analysed"
NOT_ANALYSED = "not_analysed"
NOT_APPLICABLE = "not_applicable"

_MAX_NOTE_CHARS = 2000
# Files a batch scanner is handed at a time: the time limit is checked between batches.
SCAN_BATCH_FILES = 200


@dataclass(frozen=True)
class AnalysisLimits:
    """How much one analysis may take on (the policy's `limits`): past a limit, files are listed
    as not analysed with the limit that stopped them, never dropped."""

    max_files: int = 3000  # files analysed per pull request, in the order GitHub lists them
    max_file_bytes: int = 1024 * 1024  # larger files are listed, not scanned
    scanner_seconds: float = 300.0  # per scanner and pull request


DEFAULT_LIMITS = AnalysisLimits()


def _engine_digest() -> str:
    """A digest of the engine's code and rules: part of every scan cache key, so results cached by
    an older engine are never served after a change to a scanner, a taint rule or a semgrep rule
    (a scanner's own `version` is bumped by hand and can be forgotten)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yaml", ".yml", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


ENGINE_DIGEST = _engine_digest()


def cache_version(scanner: Scanner) -> str:
    """The version a scanner's results are cached under (ScanCache.scanner_version, 32 chars)."""
    return f"{ENGINE_DIGEST}:{scanner.version}"[:32]


class ScanCacheProtocol(Protocol):
    """Scanner output per blob, read and written in one batch per scanner: keys are
    (blob sha, language) under one scanner id and version."""

    def get_many(
        self, scanner_id: str, version: str, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[dict[str, Any]]]: ...

    def put_many(
        self,
        scanner_id: str,
        version: str,
        rows: Sequence[tuple[str, str, list[dict[str, Any]]]],
    ) -> None: ...


@dataclass(frozen=True)
class FileResult:
    path: str
    previous_path: str
    status: str
    language: str | None
    blob_sha: str
    additions: int
    deletions: int
    is_binary: bool
    analysis: str  # analysed | not_analysed | not_applicable
    analysis_note: str
    hunks: tuple[HunkData, ...] = ()

    @property
    def added_lines(self) -> frozenset[int]:
        return frozenset(line.number for hunk in self.hunks for line in hunk.added)


@dataclass(frozen=True)
class FingerprintedFinding:
    data: FindingData
    fingerprint: str


@dataclass(frozen=True)
class AnalysisResult:
    files: tuple[FileResult, ...]
    findings: tuple[FingerprintedFinding, ...]
    failures: tuple[FileFailure, ...] = field(default_factory=tuple)
    # Seconds each scanner spent on this pull request (cache hits cost nothing), and the files
    # it read itself (not from the cache).
    scanner_seconds: dict[str, float] = field(default_factory=dict)
    scanner_files: dict[str, int] = field(default_factory=dict)

    @property
    def additions(self) -> int:
        return sum(file.additions for file in self.files)

    @property
    def deletions(self) -> int:
        return sum(file.deletions for file in self.files)


def normalize_code(code: str) -> str:
    """Whitespace-insensitive form of a line, so re-indenting code keeps its fingerprint."""
    return " ".join(code.split())


def finding_fingerprint(*, rule_id: str, path: str, code: str) -> str:
    """sha256 of (rule, path, normalized flagged line): no line number, so moved code keeps it."""
    material = "\x1f".join((rule_id, path, normalize_code(code)))
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def _bounded(note: str) -> str:
    return note if len(note) <= _MAX_NOTE_CHARS else note[: _MAX_NOTE_CHARS - 1] + "…"


@dataclass
class _Pending:
    """A file that passed every check and goes to the scanners."""

    change: FileChange
    language: str | None
    hunks: tuple[HunkData, ...]
    source: SourceFile


def _hunks_for(change: FileChange) -> tuple[HunkData, ...]:
    if change.patch is None:
        if change.status == "added" and change.content is not None:
            # GitHub omits `patch` for big files; for a new file every line is added.
            return tuple(parse_patch(diff_texts("", change.content)))
        return ()
    return parse_patch_remembered(change.patch)


def _counts(change: FileChange, hunks: tuple[HunkData, ...]) -> tuple[int, int]:
    if change.additions or change.deletions or not hunks:
        return change.additions, change.deletions
    return (sum(len(hunk.added) for hunk in hunks), sum(len(hunk.removed) for hunk in hunks))


def _file_result(
    change: FileChange,
    *,
    language: str | None,
    hunks: tuple[HunkData, ...],
    analysis: str,
    note: str,
) -> FileResult:
    additions, deletions = _counts(change, hunks)
    return FileResult(
        path=change.path,
        previous_path=change.previous_path,
        status=change.status,
        language=language,
        blob_sha=change.blob_sha,
        additions=additions,
        deletions=deletions,
        is_binary=change.is_binary,
        analysis=analysis,
        analysis_note=_bounded(note),
        hunks=hunks,
    )


UNREADABLE_NOTE = (
    "This source file could not be read as text (binary, or an encoding its language does "
    "not read); it was not analysed."
)
UNREADABLE_RULE = "reviewbench.unreadable-source"


def unreadable_finding(result: FileResult) -> FindingData:
    """The finding that puts an unreadable changed source file in front of the reviewer."""
    return FindingData(
        scanner_id="reviewbench",
        scanner_version="1",
        rule_id=UNREADABLE_RULE,
        cwe=None,
        severity="medium",
        confidence="high",
        title="File could not be analysed",
        message=(
            f"{result.path} is a {result.language} file changed by this pull request, but it "
            f"could not be read as text: {result.analysis_note} No scanner looked at it."
        ),
        guidance=(
            "Review the file by hand, or ask for it in UTF-8: an unusual encoding is an easy "
            "way to get code past automated checks."
        ),
        path=result.path,
        line=1,
        end_line=1,
        code="",
    )


def _triage_file(
    change: FileChange, scanners: Sequence[Scanner], limits: AnalysisLimits = DEFAULT_LIMITS
) -> tuple[FileResult | None, _Pending | None]:
    """Decide whether a file is scanned; returns its final result, or the work to scan it."""
    language = language_for_path(change.path)
    if change.is_binary and language is not None:
        # Source that cannot be read as text is not "not applicable": it is unreviewed code.
        return _file_result(
            change,
            language=language,
            hunks=(),
            analysis=NOT_ANALYSED,
            note=change.note or UNREADABLE_NOTE,
        ), None
    if change.is_binary:
        return _file_result(
            change, language=language, hunks=(), analysis=NOT_APPLICABLE, note="Binary file."
        ), None
    try:
        hunks = _hunks_for(change)
    except DiffError as exc:
        return _file_result(
            change,
            language=language,
            hunks=(),
            analysis=NOT_ANALYSED,
            note=f"The diff of this file could not be read: {exc}",
        ), None
    if change.status == "removed":
        return _file_result(
            change, language=language, hunks=hunks, analysis=NOT_APPLICABLE, note="File removed."
        ), None
    if not any(scanner.handles(language) for scanner in scanners):
        return _file_result(
            change,
            language=language,
            hunks=hunks,
            analysis=NOT_APPLICABLE,
            note="no scanner reads this file type",
        ), None
    if change.content is None:
        return _file_result(
            change,
            language=language,
            hunks=hunks,
            analysis=NOT_ANALYSED,
            note=change.note or "Content not available.",
        ), None
    if change.patch is None and change.status != "added":
        return _file_result(
            change,
            language=language,
            hunks=hunks,
            analysis=NOT_ANALYSED,
            note=change.note or "The diff of this file is not available.",
        ), None
    size = len(change.content.encode("utf-8", "surrogatepass"))
    if size > limits.max_file_bytes:
        return _file_result(
            change,
            language=language,
            hunks=hunks,
            analysis=NOT_ANALYSED,
            note=(
                f"Not scanned: the file is {size:,} bytes, over the policy's limit of "
                f"{limits.max_file_bytes:,} (limits.max_file_bytes). Review it by hand."
            ),
        ), None
    added_lines = frozenset(line.number for hunk in hunks for line in hunk.added)
    if not added_lines:
        return _file_result(
            change, language=language, hunks=hunks, analysis=ANALYSED, note="No added lines."
        ), None
    source = SourceFile(
        path=change.path,
        language=language,
        text=change.content,
        added_lines=added_lines,
        blob_sha=change.blob_sha,
    )
    return None, _Pending(change=change, language=language, hunks=hunks, source=source)


def _scan_safely(
    scanner: Scanner, sources: Sequence[SourceFile]
) -> tuple[list[FindingData], list[FileFailure]]:
    """Run a scanner over a batch; if the batch crashes, rerun file by file to blame one file."""
    try:
        outcome = scanner.scan(sources)
        return list(outcome.findings), list(outcome.failures)
    except Exception:
        if len(sources) == 1:
            logger.exception(
                "findings.scanner.crashed", extra={"scanner_id": scanner.id, "files": 1}
            )
            return [], [
                FileFailure(
                    path=sources[0].path,
                    scanner_id=scanner.id,
                    reason=f"The {scanner.id} scanner failed on this file.",
                )
            ]
    findings: list[FindingData] = []
    failures: list[FileFailure] = []
    for source in sources:
        file_findings, file_failures = _scan_safely(scanner, [source])
        findings.extend(file_findings)
        failures.extend(file_failures)
    return findings, failures


def _run_scanner(
    scanner: Scanner,
    pending: Sequence[_Pending],
    cache: ScanCacheProtocol | None,
    seconds: float = DEFAULT_LIMITS.scanner_seconds,
) -> tuple[list[FindingData], list[FileFailure], int]:
    """(findings, failures, files scanned) of one scanner; files past its time budget (`seconds`)
    fail with the limit named."""
    findings: list[FindingData] = []
    to_scan: list[SourceFile] = []
    handled = [item for item in pending if scanner.handles(item.language)]
    cached: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if cache is not None:
        keys = [(i.source.blob_sha, i.language or "") for i in handled if i.source.blob_sha]
        if keys:
            cached = cache.get_many(scanner.cache_key, cache_version(scanner), keys)
    for item in handled:
        entries = cached.get((item.source.blob_sha, item.language or ""))
        try:
            # The same blob may sit under another path (a rename): the finding belongs to this one.
            restored = (
                None
                if entries is None
                else [
                    FindingData.from_dict({**entry, "path": item.source.path}) for entry in entries
                ]
            )
        except (KeyError, TypeError, ValueError):
            logger.warning("findings.cache.unreadable", extra={"scanner_id": scanner.id})
            restored = None
        if restored is None:
            to_scan.append(item.source)
            continue
        findings.extend(restored)
    if not to_scan:
        return findings, [], 0

    scanned: list[FindingData] = []
    failures: list[FileFailure] = []
    started = time.monotonic()
    done = 0
    while done < len(to_scan):
        if time.monotonic() - started > seconds:
            failures.extend(
                FileFailure(
                    path=source.path,
                    scanner_id=scanner.id,
                    reason=(
                        f"Not scanned by {scanner.id}: it ran out of the policy's "
                        f"{seconds:g} s per pull request (limits.scanner_seconds)."
                    ),
                )
                for source in to_scan[done:]
            )
            break
        batch = to_scan[done : done + SCAN_BATCH_FILES]
        batch_findings, batch_failures = _scan_safely(scanner, batch)
        scanned.extend(batch_findings)
        failures.extend(batch_failures)
        done += len(batch)
    findings.extend(scanned)
    if cache is not None:
        failed_paths = {failure.path for failure in failures}
        by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for finding in scanned:
            by_path[finding.path].append(finding.as_dict())
        cache.put_many(
            scanner.cache_key,
            cache_version(scanner),
            [
                (source.blob_sha, source.language or "", by_path.get(source.path, []))
                for source in to_scan
                if source.blob_sha and source.path not in failed_paths
            ],
        )
    return findings, failures, done


def _narrowed_runs(
    scanner: Scanner,
    active: Sequence[Scanner],
    pending: Sequence[_Pending],
    unread: dict[str, set[str]],
) -> list[tuple[Scanner, list[_Pending]]]:
    """How to run `scanner`: per group of files, itself without the rules that the scanners
    already run (with `supersedes`) replace on those files, or itself whole."""
    groups: dict[frozenset[str], list[_Pending]] = defaultdict(list)
    for item in pending:
        skipped: set[str] = set()
        for other in active:
            if (
                other is not scanner
                and other.supersedes
                and other.id in unread  # already run
                and other.handles(item.language)
                and item.source.path not in unread[other.id]
            ):
                skipped |= other.supersedes
        groups[frozenset(skipped)].append(item)
    runs: list[tuple[Scanner, list[_Pending]]] = []
    for left_out, items in groups.items():
        narrowed = scanner.without(left_out) if left_out else None
        runs.append((narrowed or scanner, items))
    return runs


def fingerprinted(findings: Sequence[FindingData]) -> tuple[FingerprintedFinding, ...]:
    """Stable fingerprints for findings; the k-th identical one in a file gets a suffix."""
    ordered = sorted(
        findings, key=lambda f: (f.path, f.line, f.end_line, f.rule_id, f.code, f.message)
    )
    seen: dict[str, int] = defaultdict(int)
    result: list[FingerprintedFinding] = []
    for finding in ordered:
        base = finding_fingerprint(rule_id=finding.rule_id, path=finding.path, code=finding.code)
        seen[base] += 1
        occurrence = seen[base]
        # The same flaw twice in one file: the k-th occurrence in line order gets a stable suffix.
        fingerprint = (
            base if occurrence == 1 else hashlib.sha256(f"{base}:{occurrence}".encode()).hexdigest()
        )
        result.append(FingerprintedFinding(data=finding, fingerprint=fingerprint))
    return tuple(result)


def analyze_snapshot(
    snapshot: PullRequestSnapshot,
    *,
    cache: ScanCacheProtocol | None = None,
    scanners: Sequence[Scanner] | None = None,
    limits: AnalysisLimits = DEFAULT_LIMITS,
) -> AnalysisResult:
    """Parse every file's diff, run the scanners and keep the findings on added lines."""
    active = list(registered_scanners() if scanners is None else scanners)
    decided: dict[int, FileResult] = {}
    pending: dict[int, _Pending] = {}
    total = len(snapshot.files)
    for position, change in enumerate(snapshot.files):
        if position >= limits.max_files:
            try:
                hunks = _hunks_for(change)  # shown for a review by hand, and counted
            except DiffError:
                hunks = ()
            decided[position] = _file_result(
                change,
                language=language_for_path(change.path),
                hunks=hunks,
                analysis=NOT_ANALYSED,
                note=(
                    f"Not analysed: the pull request changes {total:,} files and the policy "
                    f"analyses the first {limits.max_files:,} (limits.max_files)."
                ),
            )
            continue
        result, work = _triage_file(change, active, limits)
        if result is not None:
            decided[position] = result
        elif work is not None:
            pending[position] = work

    all_findings: list[FindingData] = []
    failures: list[FileFailure] = []
    scanner_seconds: dict[str, float] = {}
    scanner_files: dict[str, int] = {}
    # The scanners that supersede others' rules run first: on the files they read without a
    # failure, the superseded rules are then left out of the run (Scanner.without) instead of
    # being run and dropped.
    unread: dict[str, set[str]] = defaultdict(set)  # scanner id -> paths it failed on
    for scanner in sorted(active, key=lambda each: not each.supersedes):
        started = time.monotonic()
        found, failed, scanned = [], [], 0
        runs = _narrowed_runs(scanner, active, list(pending.values()), unread)
        for index, (runner, items) in enumerate(runs):
            budget = limits.scanner_seconds
            if index:  # a second group of files: what is left of the scanner's budget
                budget = max(budget - (time.monotonic() - started), 0.0)
            more_found, more_failed, more_scanned = _run_scanner(runner, items, cache, budget)
            found += more_found
            failed += more_failed
            scanned += more_scanned
        scanner_seconds[scanner.id] = round(time.monotonic() - started, 3)
        scanner_files[scanner.id] = scanned
        unread[scanner.id].update(failure.path for failure in failed)
        all_findings.extend(found)
        failures.extend(failed)

    failures_by_path: dict[str, list[FileFailure]] = defaultdict(list)
    for failure in failures:
        failures_by_path[failure.path].append(failure)
    added_by_path = {item.source.path: item.source.added_lines for item in pending.values()}

    for position, item in pending.items():
        file_failures = failures_by_path.get(item.change.path, [])
        if file_failures:
            note = " ".join(failure.reason for failure in file_failures)
            decided[position] = _file_result(
                item.change,
                language=item.language,
                hunks=item.hunks,
                analysis=NOT_ANALYSED,
                note=note,
            )
        else:
            decided[position] = _file_result(
                item.change, language=item.language, hunks=item.hunks, analysis=ANALYSED, note=""
            )

    # A scanner may supersede another's rules (`supersedes`, rule ids) on the files it analysed
    # without a failure: its data flow tells the safe twin from the flaw, the pattern match cannot.
    superseded: dict[str, set[str]] = defaultdict(set)
    for scanner in active:
        rule_ids = scanner.supersedes
        if not rule_ids:
            continue
        for item in pending.values():
            if scanner.handles(item.language) and item.source.path not in unread[scanner.id]:
                superseded[item.source.path].update(rule_ids)

    # Diff-aware: a finding on code the PR did not add is not this PR's to answer for.
    kept = [
        finding
        for finding in all_findings
        if finding.touches(added_by_path.get(finding.path, frozenset()))
        and finding.rule_id not in superseded.get(finding.path, ())
    ]
    # A changed source file nobody could read is the reviewer's to look at by hand.
    kept.extend(
        unreadable_finding(result)
        for result in decided.values()
        if result.is_binary and result.language is not None and result.status != "removed"
    )
    return AnalysisResult(
        files=tuple(decided[position] for position in sorted(decided)),
        findings=fingerprinted(kept),
        failures=tuple(failures),
        scanner_seconds=scanner_seconds,
        scanner_files=scanner_files,
    )
