"""The human workflow: checklist items, approvals and the append-only audit trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from findings.models import ChangedFile, Finding, Hunk, PullRequest, Revision


class ReviewerProfile(models.Model):
    """Links a ReviewBench user to their GitHub login (an author may not approve their own PR)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    github_login = models.CharField(max_length=255, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user} ({self.github_login or 'no GitHub login'})"


class ChecklistItem(models.Model):
    class Kind(models.TextChoices):
        TRIAGE = "triage", "Triage finding"
        ASSUMPTION = "assumption", "Challenge an assumption"
        COMPREHENSION = "comprehension", "Explain the AI-written code"
        EXPLAIN = "explain", "Explain this change"
        SIGNOFF = "signoff", "Functional sign-off"

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


class Approval(models.Model):
    revision = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Content hashes of the hunks the approver reviewed: a push that changes one of them makes
    # the approval stale; a push that leaves them alone carries it over.
    covered_hashes = models.JSONField(default=list, blank=True)
    # Names of the approver's groups at approval time (the required groups it satisfied).
    groups = models.JSONField(default=list, blank=True)
    stale = models.BooleanField(default=False)
    carried_over_from = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["revision", "user"], name="uniq_approval_per_user"),
        ]

    def __str__(self) -> str:
        return f"approval by {self.user_id} of revision {self.revision_id}"


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

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)


class RevisionPolicy(models.Model):
    """The policy (.reviewbench.yml from the base branch) as evaluated for one revision."""

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="policy")
    tier = models.CharField(max_length=100, blank=True, default="")
    level = models.IntegerField(default=0)
    required_approvals = models.PositiveIntegerField(default=1)
    required_groups = models.JSONField(default=list, blank=True)
    sla_hours = models.PositiveIntegerField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    boundary_violations = models.JSONField(default=list, blank=True)
    exceptions_needed = models.JSONField(default=list, blank=True)
    # An invalid policy file: the exact error and its line; the check run fails with them.
    error = models.TextField(blank=True, default="")
    error_line = models.PositiveIntegerField(null=True, blank=True)
    evaluated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"policy of revision {self.revision_id}: {self.tier or self.error[:40]}"


class GroupTeam(models.Model):
    """Maps a Django group (a required approver group in the policy) to GitHub team slugs."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="github")
    team_slugs = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.group.name}: {', '.join(self.team_slugs) or 'no team'}"


class SlaBreachNotice(models.Model):
    """One e-mail per SLA breach of a revision: the periodic task never notifies twice."""

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="sla_notice")
    breached_at = models.DateTimeField()
    notified_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"SLA breach of revision {self.revision_id} notified {self.notified_at}"


class BoundaryException(models.Model):
    """A request to let AI-written code stand on a path whose usage boundary requires an
    exception, and its grant by a member of the named group. Kept per pull request and path, so
    a later push does not need a new grant."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        GRANTED = "granted", "Granted"
        REFUSED = "refused", "Refused"

    pull_request = models.ForeignKey(
        PullRequest, on_delete=models.CASCADE, related_name="boundary_exceptions"
    )
    path = models.CharField(max_length=1024)
    group = models.CharField(max_length=150)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["pull_request", "path"]
        constraints = [
            models.UniqueConstraint(
                fields=["pull_request", "path", "group"], name="uniq_boundary_exception"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.path} ({self.group}): {self.state}"
