"""Reads about who may see and act on what: installation membership, GitHub access and logins.

A user sees a repository's pull requests when
- an admin made them a member of an installation the repository is granted to (local accounts:
  `github_app.Installation.members`, read through the ORM's reverse relation without importing
  the edge), or
- they signed in with GitHub and GitHub said, through an installation, within the last
  `REVIEWBENCH_GITHUB_ACCESS_TTL` seconds, that they can read it (`GitHubAccess`), or
- it is their own calibration repository (`Repository.calibration_owner`), where their
  calibration exercises run, or
- they are staff: staff see everything (acting still needs membership or GitHub access).

Every other room asks here, so one rule decides what a user sees. An anonymous user sees nothing
(the login middleware keeps them off the pages; these reads say no again on their own).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone

from findings.models import PullRequest, Repository, Revision
from reviewbench.access.models import WRITE_PERMISSIONS, GitHubAccess, ReviewerProfile

AnyUser = User | AnonymousUser


def signed_in(request: HttpRequest) -> User:
    """The request's user, who must be signed in (PermissionDenied otherwise)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("Sign in first.")
    return user


def github_access_cutoff() -> datetime.datetime:
    """GitHub access checked before this moment grants nothing."""
    return timezone.now() - datetime.timedelta(seconds=settings.REVIEWBENCH_GITHUB_ACCESS_TTL)


def github_access_fresh(user: User) -> QuerySet[GitHubAccess]:
    """The user's GitHub access rows that still count."""
    return GitHubAccess.objects.filter(user=user, checked_at__gte=github_access_cutoff())


def _visible_repositories(user: User, prefix: str = "") -> Q:
    """Repositories of the user's installations, that GitHub lets them read (fresh), or their own
    calibration repository."""
    granted = github_access_fresh(user).values("full_name")
    return (
        Q(**{f"{prefix}installations__members": user})
        | Q(**{f"{prefix}full_name__in": granted})
        | Q(**{f"{prefix}calibration_owner": user})
    )


def repositories_for(user: AnyUser) -> QuerySet[Repository]:
    """The repositories the user may see and act in (staff: see `pull_requests_for`)."""
    if not isinstance(user, User) or not user.is_active:
        return Repository.objects.none()
    return Repository.objects.filter(_visible_repositories(user)).distinct()


def pull_requests_for(user: AnyUser) -> QuerySet[PullRequest]:
    """The pull requests the user may see (no annotations; callers add their own)."""
    if not isinstance(user, User) or not user.is_active:
        return PullRequest.objects.none()
    if user.is_staff:
        return PullRequest.objects.all()
    return PullRequest.objects.filter(
        repository_id__in=Repository.objects.filter(_visible_repositories(user)).values("pk")
    )


def revisions_for(user: AnyUser) -> QuerySet[Revision]:
    """The revisions of the pull requests the user may see."""
    if not isinstance(user, User) or not user.is_active:
        return Revision.objects.none()
    if user.is_staff:
        return Revision.objects.all()
    return Revision.objects.filter(
        pull_request__repository_id__in=Repository.objects.filter(
            _visible_repositories(user)
        ).values("pk")
    )


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


def repository_for_user(*, user: AnyUser, owner: str, name: str) -> Repository:
    """The repository if the user may see it; Http404 when missing or another tenant's."""
    repository = repositories_for(user).filter(full_name=f"{owner}/{name}").first()
    if repository is None:
        raise Http404("No such repository.")
    return repository


@dataclass(frozen=True)
class RepositoryAccess:
    """What a user may do in one repository: `member` (may act: a member of one of its
    installations, or GitHub says they can read it) and, when GitHub sign-in checked it (fresh),
    GitHub's `github_permission`."""

    member: bool
    github_permission: str | None

    @property
    def write_blocker(self) -> str | None:
        """Why GitHub's word stops the user approving, or None. For a user GitHub sign-in
        checked, GitHub decides (write, maintain or admin); a local member is trusted as the
        admin who added them."""
        if self.github_permission is None or self.github_permission in WRITE_PERMISSIONS:
            return None
        label = GitHubAccess.Permission(self.github_permission).label.lower()
        return f"GitHub gives you {label} access to this repository; approving needs write access."


def repository_access(*, user: AnyUser, repository: Repository) -> RepositoryAccess:
    """One query: membership and GitHub's permission in the repository."""
    if not isinstance(user, User) or not user.is_active:
        return RepositoryAccess(member=False, github_permission=None)
    row = (
        Repository.objects.filter(pk=repository.pk)
        .annotate(
            member=Exists(
                Repository.objects.filter(_visible_repositories(user), pk=OuterRef("pk"))
            ),
            github_permission=Subquery(
                github_access_fresh(user)
                .filter(full_name=OuterRef("full_name"))
                .values("permission")[:1]
            ),
        )
        .values("member", "github_permission")
        .first()
    )
    if row is None:
        return RepositoryAccess(member=False, github_permission=None)
    return RepositoryAccess(member=bool(row["member"]), github_permission=row["github_permission"])


def user_is_member(*, user: AnyUser, repository: Repository) -> bool:
    """Whether the user may act in the repository: a member of one of its installations, or
    GitHub says (fresh) they can read it. Staff who are neither only look."""
    return repositories_for(user).filter(pk=repository.pk).exists()


def github_access_problem(user: AnyUser) -> str:
    """Why the user's GitHub access could not be checked last time ("" when it was)."""
    if not isinstance(user, User):
        return ""
    profile = ReviewerProfile.objects.filter(user=user).only("github_access_problem").first()
    return profile.github_access_problem if profile is not None else ""


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
