"""Reads of the audit trail."""

from __future__ import annotations

from django.db.models import QuerySet

from findings.models import PullRequest
from reviewbench.audit.models import AuditEvent


def audit_trail(pull_request: PullRequest) -> QuerySet[AuditEvent]:
    """Every audit event of a pull request, oldest first, with actors joined."""
    return (
        AuditEvent.objects.filter(pull_request=pull_request)
        .select_related("actor", "revision")
        .order_by("created_at", "id")
    )
