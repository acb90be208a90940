"""A revision's checklist: triage, assumption challenges, comprehension, sign-off."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from findings.models import ChangedFile, Finding, Hunk, Revision


class ChecklistItem(models.Model):
    class Kind(models.TextChoices):
        TRIAGE = "triage", "Triage finding"
        ASSUMPTION = "assumption", "Challenge an assumption"
        COMPREHENSION = "comprehension", "Explain the AI-written code"
        EXPLAIN = "explain", "Explain this change"
        SIGNOFF = "signoff", "Functional sign-off"
        DECLARATION = "declaration", "Declare AI assistance"
        UNDECLARED = "undeclared", "Undeclared AI use"

    class Outcome(models.TextChoices):
        NONE = "", "Not answered"
        HOLDS = "holds", "Holds"
        DOES_NOT_HOLD = "does_not_hold", "Does not hold"
        NOT_APPLICABLE = "not_applicable", "Not applicable"

    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="checklist_items")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    position = models.PositiveIntegerField(default=0)
    prompt = models.TextField()
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="checklist_items"
    )
    changed_file = models.ForeignKey(
        ChangedFile, on_delete=models.CASCADE, null=True, blank=True, related_name="checklist_items"
    )
    hunk = models.ForeignKey(
        Hunk, on_delete=models.CASCADE, null=True, blank=True, related_name="checklist_items"
    )
    content_hash = models.CharField(max_length=64, blank=True, default="")
    # Assumption challenges: which kind, where in the code, and the reviewer's verdict.
    assumption_kind = models.CharField(max_length=48, blank=True, default="")
    path = models.CharField(max_length=1024, blank=True, default="")
    line = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    # Thin answers are accepted but flagged to leads, never silently passed.
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=300, blank=True, default="")
    answer = models.TextField(blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    carried_over_from = models.CharField(max_length=64, blank=True, default="")
    # What the question is about (identifiers of the code): an answer must name one of them.
    expected_terms = models.JSONField(default=list, blank=True)
    # Why the item was asked and what a good answer or refutation names, shown under the prompt.
    rationale = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["revision", "position"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "key"], name="uniq_checklist_item_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.revision_id})"

    @property
    def is_answered(self) -> bool:
        if self.kind == self.Kind.TRIAGE:
            return self.finding is not None and self.finding.triage != Finding.Triage.OPEN
        return self.answered_at is not None
