"""What the leads' queue remembers: the SLA breaches it has already mailed."""

from __future__ import annotations

from django.db import models

from findings.models import Revision


class SlaBreachNotice(models.Model):
    """One e-mail per SLA breach of a revision: the periodic task never notifies twice."""

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="sla_notice")
    breached_at = models.DateTimeField()
    notified_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"SLA breach of revision {self.revision_id} notified {self.notified_at}"
