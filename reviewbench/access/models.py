"""Who a ReviewBench user is on GitHub (an author may not approve their own PR)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReviewerProfile(models.Model):
    """Links a ReviewBench user to their GitHub login (an author may not approve their own PR)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile"
    )
    github_login = models.CharField(max_length=255, blank=True, default="")
    # When GitHub sign-in last checked the user's repositories and teams (None: never).
    github_access_checked_at = models.DateTimeField(null=True, blank=True)
    # Why the last check did not complete ("" when it did); shown to the user.
    github_access_problem = models.CharField(max_length=300, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user} ({self.github_login or 'no GitHub login'})"


class GitHubAccess(models.Model):
    """What GitHub said a user signed in with GitHub may do in a repository, checked through an
    installation of the App (the user's token, `GET /user/installations/{id}/repositories`).

    Rows are replaced as a whole at each check; a row older than
    `REVIEWBENCH_GITHUB_ACCESS_TTL` seconds grants nothing until the next check. Keyed by the
    repository's full name, so a repository ReviewBench meets after the check is covered too.
    """

    class Permission(models.TextChoices):
        READ = "read", "Read"
        TRIAGE = "triage", "Triage"
        WRITE = "write", "Write"
        MAINTAIN = "maintain", "Maintain"
        ADMIN = "admin", "Admin"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="github_access"
    )
    full_name = models.CharField(max_length=255)
    installation_github_id = models.BigIntegerField()
    permission = models.CharField(max_length=10, choices=Permission.choices)
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "full_name"], name="uniq_github_access"),
        ]
        indexes = [models.Index(fields=["full_name", "checked_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.permission} on {self.full_name}"

    @property
    def can_write(self) -> bool:
        return self.permission in WRITE_PERMISSIONS


WRITE_PERMISSIONS = frozenset(
    {GitHubAccess.Permission.WRITE, GitHubAccess.Permission.MAINTAIN, GitHubAccess.Permission.ADMIN}
)
