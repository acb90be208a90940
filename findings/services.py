"""Writes of the analysis layer: repositories, pull requests, analysed revisions and triage.

Every function is atomic. Text from GitHub is bounded to the column sizes here, before it reaches
the database, so an oversized title or path is cut rather than failing the whole analysis.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from findings.cache import DatabaseScanCache
from findings.carry import CarriedTotals, carried_findings, carry_key, carry_plan, carry_rows
from findings.engine.analysis import (
    DEFAULT_LIMITS,
    AnalysisLimits,
    AnalysisResult,
    analyze_snapshot,
    fingerprinted,
)
from findings.engine.provenance import (
    ProvenanceConfig,
    ProvenanceFile,
    ProvenanceResult,
    evidence_tools,
    provenance_analyze,
)
from findings.engine.scanners.dependencies import vulnerability_index_in_use
from findings.engine.snapshot import PullRequestSnapshot
from findings.engine.suppressions import HunkOrigin, suppressions_added
from findings.models import ChangedFile, Finding, Hunk, PullRequest, Repository, Revision
from findings.vulnerabilities import vulnerability_index_load

logger = logging.getLogger(__name__)

# Bump when scanners or rules change: a new version re-analyses every head SHA it meets.
ANALYZER_VERSION = "2026.12.1"

MAX_COMMIT_MESSAGE_CHARS = 64 * 1024
MAX_COMMITS = 1000
MAX_BODY_CHARS = 256 * 1024
MAX_LABELS = 100
MAX_FLOW_STEPS = 50
MAX_REASON_CHARS = 5000
MIN_REASON_CHARS = 10
# An ANALYZING revision older than this was left behind by a worker that died; it may be reclaimed.
STALE_ANALYSIS = timedelta(minutes=30)

_SHA = re.compile(r"[0-9a-fA-F]{7,64}")
_CALIBRATION_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_FILE_STATUSES = frozenset(ChangedFile.Status.values)
_ANALYSIS_VALUES = frozenset(ChangedFile.Analysis.values)
_CARRIED_DECISIONS = (Finding.Triage.FALSE_POSITIVE, Finding.Triage.ACCEPTED_RISK)


class TriageError(ValueError):
    """A triage decision that cannot be recorded; the message says why."""


def _cut(value: str | None, limit: int) -> str:
    return (value or "")[:limit]


def _url(value: str | None, limit: int = 500) -> str:
    # Only web links are kept: a javascript: or data: URL from a payload must never become a link.
    value = value or ""
    return value[:limit] if value.startswith(("https://", "http://")) else ""


def repository_upsert(
    *,
    full_name: str,
    source: str = Repository.Source.GITHUB,
    github_id: int | None = None,
    default_branch: str = "",
    html_url: str = "",
) -> Repository:
    """Create or update a repository by GitHub id (it survives renames), else by full name."""
    full_name = _cut(full_name.strip(), 200)
    if not full_name:
        raise ValueError("a repository needs a full name")
    with transaction.atomic():
        repository = None
        if github_id is not None:
            repository = Repository.objects.select_for_update().filter(github_id=github_id).first()
        if repository is None:
            repository, _ = Repository.objects.select_for_update().get_or_create(
                full_name=full_name, defaults={"source": source}
            )
        repository.full_name = full_name
        repository.source = source
        if github_id is not None:
            repository.github_id = github_id
        if default_branch:
            repository.default_branch = _cut(default_branch, 255)
        if html_url:
            repository.html_url = _url(html_url)
        repository.save()
    return repository


def calibration_repository_for(user: User) -> Repository:
    """The user's own calibration repository (`calibration/<username>-<id>`), created on first
    use; only its owner sees it, and it stays out of the queue and the feedback numbers."""
    existing = Repository.objects.filter(calibration_owner=user).first()
    if existing is not None:
        return existing
    login = _CALIBRATION_NAME.sub("-", user.get_username()).strip("-.")[:80] or "reviewer"
    with transaction.atomic():
        repository, _ = Repository.objects.get_or_create(
            calibration_owner=user,
            defaults={
                "full_name": f"calibration/{login}-{user.pk}",
                "source": Repository.Source.CALIBRATION,
            },
        )
    return repository


def pull_request_record_head(
    *,
    repository: Repository,
    number: int,
    head_sha: str,
    title: str = "",
    body: str = "",
    author_login: str = "",
    state: str = PullRequest.State.OPEN,
    draft: bool = False,
    base_ref: str = "",
    head_ref: str = "",
    html_url: str = "",
    labels: Iterable[str] = (),
) -> PullRequest:
    """Upsert a pull request on (repository, number) with its current head and metadata."""
    if state not in PullRequest.State.values:
        raise ValueError(f"unknown pull request state {state!r}")
    fields = {
        "title": _cut(title, 1000),
        "body": _cut(body, MAX_BODY_CHARS),
        "author_login": _cut(author_login, 255),
        "state": state,
        "draft": bool(draft),
        "base_ref": _cut(base_ref, 255),
        "head_ref": _cut(head_ref, 255),
        "head_sha": _cut(head_sha, 64),
        "html_url": _url(html_url),
        "labels": [_cut(str(label), 100) for label in list(labels)[:MAX_LABELS]],
    }
    with transaction.atomic():
        pull_request, created = PullRequest.objects.select_for_update().get_or_create(
            repository=repository, number=number, defaults=fields
        )
        if not created:
            for name, value in fields.items():
                setattr(pull_request, name, value)
            pull_request.save()
    return pull_request


def revision_mark_superseded(*, revision: Revision, reason: str) -> Revision:
    """Mark a revision superseded: its results are kept for history but never published."""
    with transaction.atomic():
        locked = Revision.objects.select_for_update().get(pk=revision.pk)
        locked.status = Revision.Status.SUPERSEDED
        locked.status_reason = _cut(reason, MAX_REASON_CHARS)
        locked.save(update_fields=["status", "status_reason"])
    return locked


def _supersede_others(revision: Revision) -> int:
    return (
        Revision.objects.filter(pull_request_id=revision.pull_request_id)
        .exclude(head_sha=revision.head_sha)
        .exclude(status=Revision.Status.SUPERSEDED)
        .update(
            status=Revision.Status.SUPERSEDED,
            status_reason=f"superseded by {revision.head_sha[:7]}",
        )
    )


def _revision_claim(
    *, pull_request: PullRequest, snapshot: PullRequestSnapshot
) -> tuple[Revision, bool]:
    """Get or create the revision and claim it for analysis; False when there is nothing to do."""
    with transaction.atomic():
        revision, _ = Revision.objects.get_or_create(
            pull_request=pull_request,
            head_sha=snapshot.head_sha,
            analyzer_version=ANALYZER_VERSION,
            defaults={"base_sha": _cut(snapshot.base_sha, 64)},
        )
        revision = Revision.objects.select_for_update().get(pk=revision.pk)
        now = timezone.now()
        if revision.status in (Revision.Status.READY, Revision.Status.FAILED):
            return revision, False
        if revision.status == Revision.Status.ANALYZING and (
            revision.started_at is not None and now - revision.started_at < STALE_ANALYSIS
        ):
            return revision, False
        if revision.status == Revision.Status.SUPERSEDED and revision.finished_at is not None:
            if not revision.files.exists():
                return revision, False
            # The PR went back to this head (a force-push undone): its results are current again.
            revision.status = Revision.Status.READY
            revision.status_reason = ""
            revision.save(update_fields=["status", "status_reason"])
            _supersede_others(revision)
            return revision, False
        revision.status = Revision.Status.ANALYZING
        revision.status_reason = ""
        revision.started_at = now
        revision.save(update_fields=["status", "status_reason", "started_at"])
        _supersede_others(revision)
    return revision, True


def carried_decisions(*, revision: Revision, fingerprints: list[str]) -> dict[str, Finding]:
    """The latest triage decision per fingerprint on earlier revisions of the same PR, when it
    still holds (a false positive, or an accepted risk that has not expired)."""
    if not fingerprints:
        return {}
    earlier = (
        Finding.objects.filter(
            revision__pull_request_id=revision.pull_request_id,
            fingerprint__in=fingerprints,
            triaged_at__isnull=False,
        )
        .exclude(revision_id=revision.pk)
        .exclude(triage=Finding.Triage.OPEN)
        .only(
            "fingerprint",
            "triage",
            "triage_reason",
            "triage_expires_at",
            "triaged_by_id",
            "triaged_at",
        )
        .order_by("fingerprint", "-triaged_at", "-pk")
    )
    today = timezone.localdate()
    decisions: dict[str, Finding] = {}
    latest_seen: set[str] = set()
    for finding in earlier:
        if finding.fingerprint in latest_seen:
            continue
        latest_seen.add(finding.fingerprint)
        if finding.triage not in _CARRIED_DECISIONS:
            continue
        if finding.triage == Finding.Triage.ACCEPTED_RISK and (
            finding.triage_expires_at is None or finding.triage_expires_at <= today
        ):
            continue
        decisions[finding.fingerprint] = finding
    return decisions


def _provenance_config() -> ProvenanceConfig:
    return ProvenanceConfig.from_lists(
        labels=settings.REVIEWBENCH_AI_LABELS, bot_authors=settings.REVIEWBENCH_AI_BOT_AUTHORS
    )


def _provenance(
    *, snapshot: PullRequestSnapshot, result: AnalysisResult, config: ProvenanceConfig
) -> ProvenanceResult:
    """AI provenance of every hunk, with the configured labels and bot logins."""
    contents = {change.path: change.content for change in snapshot.files}
    files = [
        ProvenanceFile(
            path=file.path,
            hunks=file.hunks,
            previous_path=file.previous_path,
            content=contents.get(file.path),
        )
        for file in result.files
    ]
    return provenance_analyze(snapshot=snapshot, files=files, config=config)


def _with_suppressions(*, result: AnalysisResult, provenance: ProvenanceResult) -> AnalysisResult:
    """Add a finding for each scanner suppression that AI-written hunks add."""
    origins = [
        HunkOrigin(path=file.path, hunk=hunk, authorship=origin.authorship, tool=origin.tool)
        for file, origins in zip(result.files, provenance.files, strict=True)
        for hunk, origin in zip(file.hunks, origins, strict=True)
    ]
    extra = suppressions_added(origins)
    if not extra:
        return result
    return dataclasses.replace(result, findings=result.findings + fingerprinted(extra))


def _write_rows(
    *,
    revision: Revision,
    result: AnalysisResult,
    provenance: ProvenanceResult,
    positions: Mapping[str, int],
    carried: Mapping[str, ChangedFile] | None = None,
) -> None:
    """The revision's files, hunks and findings. `positions` place each file in the snapshot's
    order; `carried` are the files already copied from an earlier revision (findings.carry)."""
    files: list[ChangedFile] = []
    hunks_per_file: list[tuple[ChangedFile, tuple, tuple]] = []
    seen_paths: set[str] = set()
    for position, file in enumerate(result.files):
        path = _cut(file.path, 1024)
        if path in seen_paths:
            logger.warning("findings.revision.duplicate_path", extra={"revision_id": revision.pk})
            continue
        seen_paths.add(path)
        changed = ChangedFile(
            revision=revision,
            path=path,
            previous_path=_cut(file.previous_path, 1024),
            status=file.status if file.status in _FILE_STATUSES else ChangedFile.Status.MODIFIED,
            language=_cut(file.language, 32),
            blob_sha=_cut(file.blob_sha, 64),
            additions=max(file.additions, 0),
            deletions=max(file.deletions, 0),
            is_binary=file.is_binary,
            analysis=file.analysis
            if file.analysis in _ANALYSIS_VALUES
            else ChangedFile.Analysis.NOT_ANALYSED,
            analysis_note=file.analysis_note,
            position=positions.get(file.path, position),
        )
        files.append(changed)
        hunks_per_file.append((changed, file.hunks, provenance.files[position]))
    ChangedFile.objects.bulk_create(files, batch_size=500)

    Hunk.objects.bulk_create(
        [
            Hunk(
                changed_file=changed,
                index=hunk.index,
                source_start=hunk.source_start,
                source_length=hunk.source_length,
                target_start=hunk.target_start,
                target_length=hunk.target_length,
                section_header=_cut(hunk.section_header, 500),
                content=hunk.content,
                content_hash=hunk.content_hash,
                added=len(hunk.added),
                removed=len(hunk.removed),
                authorship=origin.authorship,
                ai_tool=_cut(origin.tool, 64),
                ai_evidence=list(origin.evidence),
                ai_lines=max(origin.ai_lines, 0),
            )
            for changed, hunks, origins in hunks_per_file
            for hunk, origin in zip(hunks, origins, strict=True)
        ],
        batch_size=500,
    )

    file_by_path = {**(carried or {}), **{changed.path: changed for changed in files}}
    decisions = carried_decisions(
        revision=revision, fingerprints=[finding.fingerprint for finding in result.findings]
    )
    rows: list[Finding] = []
    for item in result.findings:
        data = item.data
        path = _cut(data.path, 1024)
        decision = decisions.get(item.fingerprint)
        rows.append(
            Finding(
                revision=revision,
                changed_file=file_by_path.get(path),
                scanner_id=_cut(data.scanner_id, 64),
                scanner_version=_cut(data.scanner_version, 32),
                rule_id=_cut(data.rule_id, 128),
                cwe=data.cwe if data.cwe and data.cwe > 0 else None,
                severity=data.severity,
                confidence=data.confidence,
                title=_cut(data.title, 300),
                message=data.message,
                guidance=data.guidance,
                path=path,
                line=max(data.line, 0),
                end_line=max(data.end_line, data.line, 0),
                code=data.code,
                source_path=_cut(data.source_path, 1024),
                source_line=max(data.source_line, 0),
                flow=[
                    {"path": _cut(step.path, 1024), "line": step.line, "note": _cut(step.note, 300)}
                    for step in data.flow[:MAX_FLOW_STEPS]
                ],
                fingerprint=item.fingerprint,
                triage=decision.triage if decision else Finding.Triage.OPEN,
                triage_reason=decision.triage_reason if decision else "",
                triage_expires_at=decision.triage_expires_at if decision else None,
                triaged_by_id=decision.triaged_by_id if decision else None,
                triaged_at=decision.triaged_at if decision else None,
            )
        )
    Finding.objects.bulk_create(rows, batch_size=500)


def _ai_tools(
    *,
    snapshot: PullRequestSnapshot,
    result: AnalysisResult,
    provenance: ProvenanceResult,
    carried: CarriedTotals,
) -> list[str]:
    """The AI tools named, first seen first: the AI-written hunks' evidence file by file in the
    snapshot's order (new and carried files alike), then the PR-level signals."""
    if not carried.count:
        return list(provenance.tools)
    by_path: dict[str, tuple[str, ...]] = dict(carried.tools_by_path)
    for file, origins in zip(result.files, provenance.files, strict=True):
        by_path[file.path] = tuple(
            tool
            for origin in origins
            if origin.authorship == Hunk.Authorship.AI
            for tool in evidence_tools(origin.evidence)
        )
    tools = [tool for change in snapshot.files for tool in by_path.get(change.path, ())]
    tools.extend(signal.tool for signal in provenance.signals if signal.tool)
    return list(dict.fromkeys(tools))


def _commits(snapshot: PullRequestSnapshot) -> list[dict[str, str]]:
    return [
        {
            "sha": _cut(commit.sha, 64),
            "message": _cut(commit.message, MAX_COMMIT_MESSAGE_CHARS),
            "author_name": _cut(commit.author_name, 255),
            "author_email": _cut(commit.author_email, 255),
            "author_login": _cut(commit.author_login, 255),
        }
        for commit in snapshot.commits[:MAX_COMMITS]
    ]


def _revision_fail(*, revision: Revision, started_at, reason: str) -> Revision:
    with transaction.atomic():
        locked = Revision.objects.select_for_update().get(pk=revision.pk)
        if locked.status != Revision.Status.ANALYZING or locked.started_at != started_at:
            return locked
        locked.status = Revision.Status.FAILED
        locked.status_reason = _cut(reason, MAX_REASON_CHARS)
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "status_reason", "finished_at"])
    return locked


def revision_analyze(
    *,
    repository: Repository,
    snapshot: PullRequestSnapshot,
    limits: AnalysisLimits = DEFAULT_LIMITS,
) -> Revision:
    """Analyse a PR's head once per analyzer version; ends READY or FAILED, never half-written.
    `limits` bound the work (the policy's `limits`); what they stop is listed, not dropped."""
    if not _SHA.fullmatch(snapshot.head_sha or ""):
        raise ValueError("the snapshot's head SHA is not a git object id")
    pull_request = pull_request_record_head(
        repository=repository,
        number=snapshot.number,
        head_sha=snapshot.head_sha,
        title=snapshot.title,
        body=snapshot.body,
        author_login=snapshot.author_login,
        state=snapshot.state,
        draft=snapshot.draft,
        base_ref=snapshot.base_ref,
        head_ref=snapshot.head_ref,
        html_url=snapshot.html_url,
        labels=snapshot.labels,
    )
    revision, claimed = _revision_claim(pull_request=pull_request, snapshot=snapshot)
    if not claimed:
        return revision
    started_at = revision.started_at
    log_extra = {
        "revision_id": revision.pk,
        "repository": repository.full_name,
        "number": snapshot.number,
        "head_sha": snapshot.head_sha,
    }
    try:
        config = _provenance_config()
        # The dependency scanner is pure: hand it the advisories stored in the database.
        with vulnerability_index_in_use(vulnerability_index_load()):
            key = carry_key(
                snapshot=snapshot, limits=limits, config=config, analyzer_version=ANALYZER_VERSION
            )
            plan = carry_plan(
                pull_request=pull_request,
                snapshot=snapshot,
                key=key,
                limits=limits,
                config=config,
                max_commits=MAX_COMMITS,
            )
            # A push analyses the files it changed; the others' rows come from the revision
            # before it (findings.carry).
            work = snapshot
            if plan is not None:
                work = dataclasses.replace(
                    snapshot, files=tuple(f for f in snapshot.files if f.path not in plan.paths)
                )
            result = analyze_snapshot(work, cache=DatabaseScanCache(), limits=limits)
        provenance = _provenance(snapshot=work, result=result, config=config)
        result = _with_suppressions(result=result, provenance=provenance)
        if plan is not None:
            result = dataclasses.replace(
                result, findings=result.findings + tuple(carried_findings(plan))
            )
        positions = {change.path: index for index, change in enumerate(snapshot.files)}
        with transaction.atomic():
            locked = Revision.objects.select_for_update().get(pk=revision.pk)
            if locked.status != Revision.Status.ANALYZING or locked.started_at != started_at:
                # Another worker reclaimed it, or a newer head superseded it meanwhile.
                logger.info("findings.revision.claim_lost", extra=log_extra)
                return locked
            carried = (
                carry_rows(
                    plan=plan,
                    revision=locked,
                    positions=positions,
                    finding_paths=[finding.data.path for finding in result.findings],
                )
                if plan is not None
                else CarriedTotals(
                    files={}, count=0, additions=0, deletions=0, ai_lines=0, tools_by_path={}
                )
            )
            _write_rows(
                revision=locked,
                result=result,
                provenance=provenance,
                positions=positions,
                carried=carried.files,
            )
            locked.base_sha = _cut(snapshot.base_sha, 64)
            locked.commits = _commits(snapshot)
            locked.policy_text = snapshot.policy_text or ""
            locked.additions = result.additions + carried.additions
            locked.deletions = result.deletions + carried.deletions
            # Additions come from GitHub's counts; attributed lines never exceed them.
            locked.ai_added_lines = min(
                provenance.ai_added_lines + carried.ai_lines, max(locked.additions, 0)
            )
            tools = _ai_tools(
                snapshot=snapshot, result=result, provenance=provenance, carried=carried
            )
            locked.ai_tools = [_cut(tool, 64) for tool in tools[:20]]
            locked.carry_key = key
            locked.carried_from = plan.source.head_sha if plan is not None else ""
            locked.carried_files = carried.count
            locked.ai_signals = [signal.as_dict() for signal in provenance.signals[:50]]
            locked.scanner_seconds = {
                scanner_id: {"seconds": seconds, "files": result.scanner_files.get(scanner_id, 0)}
                for scanner_id, seconds in result.scanner_seconds.items()
            }
            locked.status = Revision.Status.READY
            locked.status_reason = ""
            locked.finished_at = timezone.now()
            locked.save()
            _supersede_others(locked)
    except Exception as exc:
        logger.exception("findings.revision.failed", extra=log_extra)
        return _revision_fail(
            revision=revision,
            started_at=started_at,
            reason=(
                "The analysis stopped on an internal error "
                f"({type(exc).__name__}); nothing was recorded for this revision. "
                "The details are in the server log."
            ),
        )
    logger.info(
        "findings.revision.ready",
        extra={**log_extra, "findings": len(result.findings), "files": len(result.files)},
    )
    return locked


def _non_space_length(text: str) -> int:
    return len("".join(text.split()))


def finding_triage(
    *,
    finding: Finding,
    user,
    decision: str,
    reason: str = "",
    expires_at: datetime.date | None = None,
) -> Finding:
    """Record a reviewer's decision on a finding, or raise TriageError saying what is missing."""
    allowed = {choice for choice in Finding.Triage.values if choice != Finding.Triage.OPEN}
    if decision not in allowed:
        raise TriageError("Choose confirmed, false positive or accepted risk.")
    if user is None or not getattr(user, "is_authenticated", False):
        raise TriageError("Only a signed-in reviewer can triage a finding.")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_CHARS:
        raise TriageError(f"The reason is too long (at most {MAX_REASON_CHARS} characters).")
    if isinstance(expires_at, datetime.datetime):
        expires_at = expires_at.date()
    needs_reason = decision in _CARRIED_DECISIONS
    if needs_reason and _non_space_length(reason) < MIN_REASON_CHARS:
        raise TriageError(
            f"Explain the decision: a reason of at least {MIN_REASON_CHARS} characters is needed."
        )
    if decision == Finding.Triage.ACCEPTED_RISK:
        if expires_at is None:
            raise TriageError("An accepted risk needs an expiry date.")
        if expires_at <= timezone.localdate():
            raise TriageError("The expiry date of an accepted risk must be in the future.")
    else:
        expires_at = None
    with transaction.atomic():
        locked = Finding.objects.select_for_update().get(pk=finding.pk)
        locked.triage = decision
        locked.triage_reason = reason
        locked.triage_expires_at = expires_at
        locked.triaged_by = user
        locked.triaged_at = timezone.now()
        locked.save(
            update_fields=[
                "triage",
                "triage_reason",
                "triage_expires_at",
                "triaged_by",
                "triaged_at",
            ]
        )
    return locked


def finding_record_from_review(
    *,
    revision: Revision,
    user,
    path: str,
    line: int,
    rule_id: str,
    title: str,
    message: str,
    fingerprint: str,
    severity: str = Finding.Severity.HIGH,
    cwe: int | None = None,
    code: str = "",
) -> Finding:
    """Record (or re-confirm) a confirmed finding a reviewer raised, keyed by its fingerprint."""
    path = _cut(path, 1024)
    with transaction.atomic():
        changed_file = ChangedFile.objects.filter(revision=revision, path=path).first()
        finding, _created = Finding.objects.select_for_update().update_or_create(
            revision=revision,
            fingerprint=_cut(fingerprint, 64),
            defaults={
                "changed_file": changed_file,
                "scanner_id": "reviewbench.assumption",
                "origin": Finding.Origin.REVIEW,
                "scanner_version": ANALYZER_VERSION,
                "rule_id": _cut(rule_id, 128),
                "cwe": cwe,
                "severity": severity,
                "confidence": Finding.Confidence.HIGH,
                "title": _cut(title, 300),
                "message": _cut(message, MAX_REASON_CHARS * 2),
                "path": path,
                "line": max(line, 1),
                "end_line": max(line, 1),
                "code": _cut(code, 2000),
                "pre_existing": False,
                "triage": Finding.Triage.CONFIRMED,
                "triage_reason": _cut(message, MAX_REASON_CHARS),
                "triage_expires_at": None,
                "triaged_by": user,
                "triaged_at": timezone.now(),
            },
        )
    logger.info(
        "findings.finding.recorded_from_review",
        extra={"finding_id": finding.pk, "revision_id": revision.pk, "rule_id": finding.rule_id},
    )
    return finding
