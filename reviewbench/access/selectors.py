"""Reads about who may see and act on what: installation membership and GitHub logins.

Tenancy: `github_app.Installation.members` (users) and `.repositories`; this room filters through
the ORM's reverse relation (`repository__installations__members`) without importing the edge.
Every other room asks here, so one rule decides what a user sees.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from findings.models import PullRequest, Repository, Revision
from reviewbench.access.models import ReviewerProfile


def pull_request_for_user(
    *, user: AbstractBaseUser, owner: str, name: str, number: int
) -> PullRequest:
    """The pull request if the user may see it; Http404 when missing or another tenant's."""
    pull_request = (
        PullRequest.objects.filter(
            repository__installations__members=user,
            repository__full_name=f"{owner}/{name}",
            number=number,
        )
        .select_related("repository")
        .distinct()
        .first()
    )
    if pull_request is None:
        raise Http404("No such pull request.")
    return pull_request


def user_is_member(*, user: AbstractBaseUser, repository: Repository) -> bool:
    if not user.is_authenticated:
        return False
    return Repository.objects.filter(pk=repository.pk, installations__members=user).exists()


def user_is_author(*, user: AbstractBaseUser, pull_request: PullRequest) -> bool:
    """True when the user's GitHub login (or username) is the pull request's author, any case."""
    author = pull_request.author_login.strip().casefold()
    if not author:
        return False
    logins = {user.get_username().casefold()}
    profile = ReviewerProfile.objects.filter(user=user).first()
    if profile is not None and profile.github_login:
        logins.add(profile.github_login.strip().casefold())
    return author in logins


def user_group_names(user: AbstractBaseUser) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    return frozenset(user.groups.values_list("name", flat=True))


def pull_requests_for(user: AbstractBaseUser) -> QuerySet[PullRequest]:
    """The pull requests of the user's installations (no annotations; callers add their own)."""
    return PullRequest.objects.filter(repository__installations__members=user).distinct()


def revisions_for(user: AbstractBaseUser) -> QuerySet[Revision]:
    """The revisions of pull requests of the user's installations."""
    return Revision.objects.filter(pull_request__repository__installations__members=user).distinct()
