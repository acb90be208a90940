"""Incremental analysis: a push takes the rows of the files it did not change from the revision
before it, instead of parsing, scanning and attributing them again (issue 15).

A file is carried when the earlier revision (same pull request) analysed it completely
and nothing its rows depend on moved:

- the **carry key** is equal: the analyzer and every scanner's cache version (the engine's
  digest, the advisories in the database), the base commit, the policy text and its limits, the
  PR-level provenance inputs (labels, description, author, the configured AI labels and bots);
- the push only **added commits** (the earlier commit list is a prefix of the new one), the new
  commits list every file they changed, and they neither touch the file nor change whether any
  commit of the PR is AI-marked (which decides how unmarked lines are attributed). Then every
  added line of the file was added by the earlier commits, and the attribution the earlier
  revision made from them still holds; it can be better than a fresh one, which must fall back
  to matching line texts when a big commit lists only part of its files (GitHub lists 300);
- the file's path, previous path, status and blob are the earlier row's: with the same base, the
  same blob gives the same diff, the same scanner output and the same in-code markers.

Anything else is analysed as on a first push. Carried rows are copied inside the database
(`INSERT … SELECT`), not read into Python and written back; carried findings go through the same
writer as new ones, so triage decisions carry exactly as they do for re-found findings.
`tests/findings/test_carry.py` checks that an incremental revision has the rows a from-scratch
analysis of the same head has.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, models

from findings.engine.analysis import AnalysisLimits, FingerprintedFinding, cache_version
from findings.engine.provenance import ProvenanceConfig, commit_signals, evidence_tools
from findings.engine.scanners import FindingData, FlowStep, registered_scanners
from findings.engine.snapshot import CommitData, FileChange, PullRequestSnapshot
from findings.models import ChangedFile, Finding, Hunk, PullRequest, Revision

KEY_VERSION = "1"
_BATCH = 500  # paths per statement: well under every database's limit on bound parameters
_CARRIED_ANALYSIS = (ChangedFile.Analysis.ANALYSED, ChangedFile.Analysis.NOT_APPLICABLE)
_SOURCES_TRIED = 5


@dataclasses.dataclass(frozen=True)
class CarryPlan:
    """What a push takes from `source`: its rows of `paths`; `rows` holds each one's position,
    additions and deletions there."""

    source: Revision
    paths: frozenset[str]
    rows: Mapping[str, tuple[int, int, int]]


@dataclasses.dataclass(frozen=True)
class CarriedTotals:
    """The carried rows' share of the revision's counts, the copied files that findings will
    point at, and the AI tools of their hunks in the
    order of the files (`tools_by_path`)."""

    files: Mapping[str, ChangedFile]  # the carried files findings point at, by path
    count: int
    additions: int
    deletions: int
    ai_lines: int
    tools_by_path: Mapping[str, tuple[str, ...]]


def carry_key(
    *,
    snapshot: PullRequestSnapshot,
    limits: AnalysisLimits,
    config: ProvenanceConfig,
    analyzer_version: str,
) -> str:
    """What must be equal between two revisions for one to take the other's rows. Call it where
    the analysis runs (inside the vulnerability index in use), so the scanners' versions are the
    ones that analyse."""
    material = {
        "key": KEY_VERSION,
        "analyzer": analyzer_version,
        "scanners": sorted(f"{s.id}={cache_version(s)}" for s in registered_scanners()),
        "base": snapshot.base_sha,
        "policy": snapshot.policy_text or "",
        "limits": dataclasses.asdict(limits),
        "labels": sorted(snapshot.labels),
        "body": snapshot.body or "",
        "author": snapshot.author_login or "",
        "ai_labels": sorted(config.labels),
        "ai_bots": sorted(config.bot_authors),
    }
    encoded = json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8", "replace")
    return hashlib.sha256(encoded).hexdigest()


def _ai_marked(commits: Iterable[CommitData], config: ProvenanceConfig) -> bool:
    return any(commit_signals(commit, config) for commit in commits)


def _touched(commits: Iterable[CommitData]) -> set[str]:
    return {
        name
        for commit in commits
        for item in commit.files
        for name in (item.path, item.previous_path)
        if name
    }


def _source_for(
    *, pull_request: PullRequest, snapshot: PullRequestSnapshot, key: str
) -> tuple[Revision, int] | None:
    """The latest analysed revision of the PR under `key` whose commits the snapshot's begin with,
    and how many commits it had."""
    shas = [commit.sha for commit in snapshot.commits]
    candidates = (
        # The key is written with the rows, in one transaction: a revision that has it was
        # analysed completely, whether it is still the head (READY) or a push replaced it.
        Revision.objects.filter(
            pull_request=pull_request,
            status__in=(Revision.Status.READY, Revision.Status.SUPERSEDED),
            carry_key=key,
        )
        .exclude(head_sha=snapshot.head_sha)
        .only("pk", "head_sha", "commits")
        .order_by("-finished_at", "-pk")[:_SOURCES_TRIED]
    )
    for source in candidates:
        earlier = [str(commit.get("sha", "")) for commit in source.commits or ()]
        if earlier and len(earlier) < len(shas) and shas[: len(earlier)] == earlier:
            return source, len(earlier)
    return None


def _same_file(row: tuple, change: FileChange) -> bool:
    _path, previous_path, status, blob_sha, is_binary, analysis = row[:6]
    return (
        bool(change.blob_sha)
        and analysis in _CARRIED_ANALYSIS
        and (previous_path, status, blob_sha, is_binary)
        == (change.previous_path or "", change.status, change.blob_sha, change.is_binary)
    )


def carry_plan(
    *,
    pull_request: PullRequest,
    snapshot: PullRequestSnapshot,
    key: str,
    limits: AnalysisLimits,
    config: ProvenanceConfig,
    max_commits: int,
) -> CarryPlan | None:
    """The files this snapshot may take from an earlier revision, or None (analyse them all)."""
    if len(snapshot.files) > limits.max_files or len(snapshot.commits) > max_commits:
        return None  # limits count positions in the whole PR; past them, analyse from scratch
    found = _source_for(pull_request=pull_request, snapshot=snapshot, key=key)
    if found is None:
        return None
    source, count = found
    earlier, added = snapshot.commits[:count], snapshot.commits[count:]
    if not all(commit.files_complete for commit in added):
        return None  # a commit that may have changed more than it lists
    ai_marked = _ai_marked(snapshot.commits, config)
    if ai_marked != _ai_marked(earlier, config):
        return None  # unmarked lines are attributed otherwise once some commit is AI-marked
    touched = _touched(added)
    rows = {
        row[0]: row
        for row in ChangedFile.objects.filter(revision=source).values_list(
            "path",
            "previous_path",
            "status",
            "blob_sha",
            "is_binary",
            "analysis",
            "position",
            "additions",
            "deletions",
        )
    }
    paths = frozenset(
        change.path
        for change in snapshot.files
        if change.path not in touched
        and (row := rows.get(change.path)) is not None
        and _same_file(row, change)
    )
    if not paths:
        return None
    return CarryPlan(source=source, paths=paths, rows={path: rows[path][6:9] for path in paths})


def carried_findings(plan: CarryPlan) -> list[FingerprintedFinding]:
    """The analysis's findings on the carried files, with their fingerprints (a reviewer's and an
    import's findings are not the analysis's: they are made again where they are made)."""
    rows = Finding.objects.filter(revision=plan.source, origin=Finding.Origin.ANALYSIS).order_by(
        "pk"
    )
    carried: list[FingerprintedFinding] = []
    for row in rows:
        if row.path not in plan.paths:
            continue
        data = FindingData(
            scanner_id=row.scanner_id,
            scanner_version=row.scanner_version,
            rule_id=row.rule_id,
            cwe=row.cwe,
            severity=row.severity,
            confidence=row.confidence,
            title=row.title,
            message=row.message,
            guidance=row.guidance,
            path=row.path,
            line=row.line,
            end_line=row.end_line,
            code=row.code,
            source_path=row.source_path,
            source_line=row.source_line,
            flow=tuple(FlowStep.from_value(step) for step in row.flow or ()),
        )
        carried.append(FingerprintedFinding(data=data, fingerprint=row.fingerprint))
    return carried


def _columns(model: type[models.Model], *, without: Sequence[str]) -> list[str]:
    return [
        str(field.column)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.column not in without
    ]


def _copy_files(
    *, source: Revision, revision: Revision, paths: Sequence[str]
) -> tuple[dict[int, str], list[tuple[int, int, str, int, Any]]]:
    """Copy `paths`' files and hunks from `source` to `revision`, inside the database. Returns
    the new files (id -> path) and, per new hunk, (file id, index, authorship, AI lines,
    evidence), as the inserts return them (PostgreSQL and SQLite 3.35+ have RETURNING)."""
    quote = connection.ops.quote_name
    files = quote(ChangedFile._meta.db_table)
    hunks = quote(Hunk._meta.db_table)
    file_columns = _columns(ChangedFile, without=("revision_id",))
    hunk_columns = _columns(Hunk, without=("changed_file_id",))
    file_list = ", ".join(quote(c) for c in file_columns)
    hunk_list = ", ".join(quote(c) for c in hunk_columns)
    old_hunk_list = ", ".join(f"h.{quote(c)}" for c in hunk_columns)
    returned_hunk = ", ".join(
        quote(c) for c in ("changed_file_id", "index", "authorship", "ai_lines", "ai_evidence")
    )
    new_files: dict[int, str] = {}
    new_hunks: list[tuple[int, int, str, int, Any]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(paths), _BATCH):
            batch = list(paths[start : start + _BATCH])
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"INSERT INTO {files} ({quote('revision_id')}, {file_list}) "  # noqa: S608  # nosec B608
                f"SELECT %s, {file_list} FROM {files} "
                f"WHERE {quote('revision_id')} = %s AND {quote('path')} IN ({marks}) "
                f"RETURNING {quote('id')}, {quote('path')}",
                [revision.pk, source.pk, *batch],
            )
            new_files.update((int(pk), str(path)) for pk, path in cursor.fetchall())
            # The new file of each hunk by a lookup on the (revision, path) unique index: a join
            # here is planned as a nested loop over both revisions' files when the tables are
            # young and their statistics say one row each.
            cursor.execute(
                f"INSERT INTO {hunks} ({quote('changed_file_id')}, {hunk_list}) "  # noqa: S608  # nosec B608
                f"SELECT (SELECT n.{quote('id')} FROM {files} n "
                f"WHERE n.{quote('revision_id')} = %s AND n.{quote('path')} = o.{quote('path')}), "
                f"{old_hunk_list} FROM {hunks} h "
                f"JOIN {files} o ON h.{quote('changed_file_id')} = o.{quote('id')} "
                f"WHERE o.{quote('revision_id')} = %s AND o.{quote('path')} IN ({marks}) "
                f"RETURNING {returned_hunk}",
                [revision.pk, source.pk, *batch],
            )
            new_hunks.extend(cursor.fetchall())
    return new_files, new_hunks


def _evidence(value: Any) -> list[Any]:
    """A JSON column as a raw cursor returns it: text (SQLite; Django's psycopg loaders) or
    already decoded."""
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return value if isinstance(value, list) else []


def carry_rows(
    *,
    plan: CarryPlan,
    revision: Revision,
    positions: Mapping[str, int],
    finding_paths: Iterable[str] = (),
) -> CarriedTotals:
    """Copy the carried files and their hunks into `revision` (which has no files yet), at their
    places in this snapshot (`positions`), and add up what they count for. `finding_paths`: the
    carried files that findings will point at."""
    ordered = sorted(plan.paths, key=lambda path: positions[path])
    new_files, new_hunks = _copy_files(source=plan.source, revision=revision, paths=ordered)
    moved = {path for path in plan.paths if plan.rows[path][0] != positions[path]}
    wanted = set(finding_paths) & plan.paths
    by_path = {
        path: ChangedFile(pk=pk, revision=revision, path=path, position=positions[path])
        for pk, path in new_files.items()
        if path in moved or path in wanted
    }
    if moved:
        ChangedFile.objects.bulk_update(
            [by_path[path] for path in moved], ["position"], batch_size=_BATCH
        )
    tools: dict[str, list[str]] = {}
    ai_lines = 0
    ai_hunks = sorted(
        (positions[new_files[file_id]], index, new_files[file_id], lines, evidence)
        for file_id, index, authorship, lines, evidence in new_hunks
        if authorship == Hunk.Authorship.AI
    )
    for _position, _index, path, lines, evidence in ai_hunks:
        ai_lines += lines
        tools.setdefault(path, []).extend(evidence_tools(_evidence(evidence)))
    return CarriedTotals(
        files={path: by_path[path] for path in wanted},
        count=len(new_files),
        additions=sum(plan.rows[path][1] for path in plan.paths),
        deletions=sum(plan.rows[path][2] for path in plan.paths),
        ai_lines=ai_lines,
        tools_by_path={path: tuple(found) for path, found in tools.items()},
    )
