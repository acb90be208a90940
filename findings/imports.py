"""Findings from other scanners: results read from a SARIF log (`engine.sarif.reading`) recorded
on an analysed revision beside ReviewBench's own.

- A result on a line the PR added is a new finding, triaged like any other. A result anywhere
  else (an unchanged line, a file the PR does not touch) is kept, marked `pre_existing`, so it is
  in the record but neither asks for triage nor raises the tier.
- A result on the same path, line and CWE as a finding already on the revision (ReviewBench's
  own, or one imported before) is a duplicate and is not recorded twice; without a CWE, the same
  tool and rule on the same line is. Importing the same log twice records nothing the second
  time.
- A triage decision on an earlier head carries over by fingerprint, as for scanned findings.
- All or nothing: one transaction, the revision locked while it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from findings.engine.analysis import finding_fingerprint
from findings.engine.sarif.reading import ImportedResult
from findings.models import ChangedFile, Finding, Revision
from findings.services import carried_decisions

logger = logging.getLogger(__name__)


class SarifImportError(ValueError):
    """The log cannot be recorded on this revision (not analysed, another commit)."""


@dataclass
class SarifImportSummary:
    tools: list[str] = field(default_factory=list)
    new: list[Finding] = field(default_factory=list)
    outside_diff: int = 0
    duplicates: int = 0

    @property
    def recorded(self) -> int:
        return len(self.new) + self.outside_diff

    def as_dict(self) -> dict[str, object]:
        return {
            "tools": self.tools,
            "new": len(self.new),
            "outside_diff": self.outside_diff,
            "duplicates": self.duplicates,
        }


def _target_lines(changed: ChangedFile) -> dict[int, str]:
    """Line number at head → text, for the lines this file's hunks added."""
    added: dict[int, str] = {}
    for hunk in changed.hunks.all():
        number = hunk.target_start
        for raw in hunk.content.splitlines():
            kind, text = raw[:1], raw[1:]
            if kind == "\\" or kind == "-":
                continue
            if kind == "+":
                added[number] = text
            number += 1
    return added


def same_commit(a: str, b: str) -> bool:
    a, b = a.strip().lower(), b.strip().lower()
    return len(a) >= 7 and len(b) >= 7 and (a.startswith(b) or b.startswith(a))


@transaction.atomic
def sarif_import(*, revision: Revision, results: Sequence[ImportedResult]) -> SarifImportSummary:
    """Record the results on `revision` (raises SarifImportError); returns what happened."""
    locked = Revision.objects.select_for_update().get(pk=revision.pk)
    if locked.status != Revision.Status.READY:
        raise SarifImportError(
            f"revision {locked.head_sha[:12]} is {locked.get_status_display().lower()}, "
            "not analysed; import once its analysis is ready"
        )
    for result in results:
        if result.revision_id and not same_commit(result.revision_id, locked.head_sha):
            raise SarifImportError(
                f"the log was made for commit {result.revision_id[:40]}, "
                f"but the revision is {locked.head_sha}"
            )
    files = {
        changed.path: changed
        for changed in ChangedFile.objects.filter(revision=locked).prefetch_related("hunks")
    }
    added = {path: _target_lines(changed) for path, changed in files.items()}
    existing = list(
        Finding.objects.filter(revision=locked).only(
            "path", "line", "cwe", "scanner_id", "rule_id", "fingerprint"
        )
    )
    by_cwe: set[tuple[str, int, int | None]] = {(f.path, f.line, f.cwe) for f in existing if f.cwe}
    by_rule = {(f.path, f.line, f.scanner_id, f.rule_id) for f in existing}
    fingerprints = {f.fingerprint for f in existing}

    summary = SarifImportSummary()
    pending: list[tuple[ImportedResult, str, bool]] = []
    for result in results:
        data = result.data
        if result.tool not in summary.tools:
            summary.tools.append(result.tool)
        lines = added.get(data.path, {})
        in_diff = any(n in lines for n in range(data.line, min(data.end_line, data.line + 500) + 1))
        code = data.code.splitlines()[0] if data.code.strip() else lines.get(data.line, "")
        fingerprint = finding_fingerprint(
            rule_id=f"{data.scanner_id}/{data.rule_id}",
            path=data.path,
            code=code or result.fingerprint or f"line {data.line}",
        )
        rule_key = (data.path, data.line, data.scanner_id, data.rule_id)
        cwe_key = (data.path, data.line, data.cwe)
        if fingerprint in fingerprints or rule_key in by_rule or (data.cwe and cwe_key in by_cwe):
            summary.duplicates += 1
            continue
        fingerprints.add(fingerprint)
        by_rule.add(rule_key)
        if data.cwe:
            by_cwe.add(cwe_key)
        pending.append((result, fingerprint, in_diff))

    decisions = carried_decisions(revision=locked, fingerprints=[fp for _, fp, _ in pending])
    rows = []
    for result, fingerprint, in_diff in pending:
        data = result.data
        decision = decisions.get(fingerprint)
        rows.append(
            Finding(
                revision=locked,
                changed_file=files.get(data.path),
                scanner_id=data.scanner_id,
                scanner_version=data.scanner_version,
                rule_id=data.rule_id,
                cwe=data.cwe,
                severity=data.severity,
                confidence=data.confidence,
                title=data.title,
                message=data.message,
                guidance=data.guidance,
                path=data.path[:1024],
                line=data.line,
                end_line=data.end_line,
                code=data.code,
                fingerprint=fingerprint,
                pre_existing=not in_diff,
                origin=Finding.Origin.IMPORT,
                triage=decision.triage if decision else Finding.Triage.OPEN,
                triage_reason=decision.triage_reason if decision else "",
                triage_expires_at=decision.triage_expires_at if decision else None,
                triaged_by_id=decision.triaged_by_id if decision else None,
                triaged_at=decision.triaged_at if decision else None,
            )
        )
    created = Finding.objects.bulk_create(rows, batch_size=500)
    summary.new = [finding for finding in created if not finding.pre_existing]
    summary.outside_diff = len(created) - len(summary.new)
    logger.info("findings.sarif.imported", extra={"revision_id": locked.pk, **summary.as_dict()})
    return summary
