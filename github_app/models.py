"""The edge to GitHub: installations (tenants), the webhook delivery log, published checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from findings.models import PullRequest, Repository, Revision


class Installation(models.Model):
    """A GitHub App installation, or a local workspace for repositories read from disk.

    Members see the installation's repositories and nothing else; membership is managed in
    the admin.
    """

    github_id = models.BigIntegerField(null=True, blank=True, unique=True)
    account_login = models.CharField(max_length=255)
    account_type = models.CharField(max_length=32, blank=True, default="")
    suspended_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="installations"
    )
    repositories = models.ManyToManyField(Repository, blank=True, related_name="installations")
    # Per-installation policy defaults (.reviewbench.yml format); each repository's own file,
    # read from its base branch, is merged over them. Validated in the admin.
    policy_defaults = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_login"]

    def __str__(self) -> str:
        return (
            self.account_login
            if self.github_id is None
            else f"{self.account_login} ({self.github_id})"
        )


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    delivery_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=64)
    action = models.CharField(max_length=64, blank=True, default="")
    installation_github_id = models.BigIntegerField(null=True, blank=True)
    repository_full_name = models.CharField(max_length=200, blank=True, default="")
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.event}.{self.action}"


class CheckRun(models.Model):
    """The `ReviewBench` check run published for one revision."""

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="check_run")
    github_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, blank=True, default="")
    conclusion = models.CharField(max_length=24, blank=True, default="")
    title = models.CharField(max_length=300, blank=True, default="")
    summary = models.TextField(blank=True, default="")
    annotations_sent = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return f"check run of revision {self.revision_id}: {self.status} {self.conclusion}".strip()


class CheckRunStart(models.Model):
    """A check run opened on GitHub for a head whose analysis has not recorded it on a revision
    yet (issue 17). A run of the analysis after a worker died takes this check run up instead of
    opening a second one; the check-run sweep finishes one that nobody took up."""

    pull_request = models.ForeignKey(PullRequest, on_delete=models.CASCADE, related_name="+")
    head_sha = models.CharField(max_length=64)
    github_id = models.BigIntegerField()
    opened_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pull_request", "head_sha"], name="uniq_check_run_start"
            )
        ]

    def __str__(self) -> str:
        return f"check run {self.github_id} opened for {self.head_sha[:12]}"
