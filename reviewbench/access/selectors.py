"""Reads about who may see and act on what: installation membership and GitHub logins.

Tenancy: `github_app.Installation.members` (users) and `.repositories`; this room filters through
the ORM's reverse relation (`repository__installations__members`) without importing the edge.
Every other room asks here, so one rule decides what a user sees. An anonymous user sees nothing
(the login middleware keeps them off the pages; these reads say no again on their own).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from findings.models import PullRequest, Repository, Revision
from reviewbench.access.models import ReviewerProfile

AnyUser = User | AnonymousUser


def signed_in(request: HttpRequest) -> User:
    """The request's user, who must be signed in (PermissionDenied otherwise)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in first.")
    return user


def pull_requests_for(user: AnyUser) -> QuerySet[PullRequest]:
    """The pull requests of the user's installations (no annotations; callers add their own)."""
    if not isinstance(user, User):
        return PullRequest.objects.none()
    return PullRequest.objects.filter(repository__installations__members=user).distinct()


def revisions_for(user: AnyUser) -> QuerySet[Revision]:
    """The revisions of pull requests of the user's installations."""
    if not isinstance(user, User):
        return Revision.objects.none()
    return Revision.objects.filter(pull_request__repository__installations__members=user).distinct()


def repositories_for(user: AnyUser) -> QuerySet[Repository]:
    """The repositories of the user's installations."""
    if not isinstance(user, User):
        return Repository.objects.none()
    return Repository.objects.filter(installations__members=user).distinct()


def pull_request_for_user(*, user: AnyUser, owner: str, name: str, number: int) -> PullRequest:
    """The pull request if the user may see it; Http404 when missing or another tenant's."""
    pull_request = (
        pull_requests_for(user)
        .filter(repository__full_name=f"{owner}/{name}", number=number)
        .select_related("repository")
        .first()
    )
    if pull_request is None:
        raise Http404("No such pull request.")
    return pull_request


def user_is_member(*, user: AnyUser, repository: Repository) -> bool:
    """Whether the user belongs to an installation the repository is granted to."""
    return repositories_for(user).filter(pk=repository.pk).exists()


def user_is_author(*, user: AnyUser, pull_request: PullRequest) -> bool:
    """True when the user's GitHub login (or username) is the pull request's author, any case."""
    author = pull_request.author_login.strip().casefold()
    if not author or not isinstance(user, User):
        return False
    logins = {user.get_username().casefold()}
    profile = ReviewerProfile.objects.filter(user=user).first()
    if profile is not None and profile.github_login:
        logins.add(profile.github_login.strip().casefold())
    return author in logins


def user_group_names(user: AnyUser) -> frozenset[str]:
    """Names of the user's Django groups (the policy's approver groups)."""
    if not isinstance(user, User):
        return frozenset()
    return frozenset(user.groups.values_list("name", flat=True))
