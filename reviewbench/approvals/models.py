"""Approvals and what they are measured against: the evaluated tier, group teams, usage-boundary
exceptions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from findings.models import PullRequest, Revision


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


class RevisionPolicy(models.Model):
    """The policy (.reviewbench.yml from the base branch) as evaluated for one revision."""

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="policy")
    tier = models.CharField(max_length=100, blank=True, default="")
    level = models.IntegerField(default=0)
    required_approvals = models.PositiveIntegerField(default=1)
    required_groups = models.JSONField(default=list, blank=True)
    sla_hours = models.PositiveIntegerField(null=True, blank=True)
    # The tier's `approvals.min_catch_rate`: approvers' recent calibration catch rate (None: none).
    min_catch_rate = models.FloatField(null=True, blank=True)
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
