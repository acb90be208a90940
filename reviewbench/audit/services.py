"""Writes to the audit trail: one append-only row per review action, written in the action's
transaction so an action and its record commit together or not at all."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from findings.models import Revision
from reviewbench.audit.models import AuditEvent


def audit_record(
    *, revision: Revision, actor: User | None, action: str, details: dict[str, Any]
) -> AuditEvent:
    """Append who did what to which revision (`action` is a stable dotted name)."""
    return AuditEvent.objects.create(
        pull_request_id=revision.pull_request_id,
        revision=revision,
        actor=actor,
        action=action,
        details=details,
    )
