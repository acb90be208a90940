"""The append-only audit trail: who did what to which review, and when."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from findings.models import PullRequest, Revision


class AuditEvent(models.Model):
    """Append-only: who did what to which review, and when. Never updated or deleted by the app."""

    pull_request = models.ForeignKey(
        PullRequest, on_delete=models.CASCADE, related_name="audit_events"
    )
    revision = models.ForeignKey(
        Revision, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_id} at {self.created_at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)
