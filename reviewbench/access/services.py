"""Writes about access: what GitHub sign-in learned about a user's repositories."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from reviewbench.access.models import GitHubAccess, ReviewerProfile

logger = logging.getLogger(__name__)
_PERMISSIONS = frozenset(GitHubAccess.Permission.values)


@transaction.atomic
def github_access_replace(
    *,
    user: User,
    login: str,
    grants: Mapping[str, tuple[int, str]] | None,
    problem: str = "",
) -> ReviewerProfile:
    """Replace the user's GitHub access with `grants` (full name → (installation id,
    permission)) as checked now. `grants=None` means the check failed: the rows stay as they were
    and lapse at their own age (access fails closed once they are older than the TTL), and
    `problem` says why."""
    now = timezone.now()
    profile, _ = ReviewerProfile.objects.select_for_update().get_or_create(user=user)
    if grants is not None:
        GitHubAccess.objects.filter(user=user).delete()
        GitHubAccess.objects.bulk_create(
            [
                GitHubAccess(
                    user=user,
                    full_name=full_name[:255],
                    installation_github_id=installation_id,
                    permission=permission,
                    checked_at=now,
                )
                for full_name, (installation_id, permission) in sorted(grants.items())
                if permission in _PERMISSIONS
            ]
        )
    if login:
        profile.github_login = login[:255]
    # The time of the attempt, successful or not: the next one waits (see github_app.signin).
    profile.github_access_checked_at = now
    profile.github_access_problem = problem[:300]
    profile.save()
    logger.info(
        "access.github.checked",
        extra={
            "user_id": user.pk,
            "repositories": len(grants) if grants is not None else 0,
            "failed": grants is None,
        },
    )
    return profile
