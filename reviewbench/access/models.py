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

    def __str__(self) -> str:
        return f"{self.user} ({self.github_login or 'no GitHub login'})"
