"""Feeds a pull request read from a local git repository into the same pipeline as a webhook.

Local repositories belong to a local workspace (an Installation without a GitHub id); its members
see them like any installation's repositories. Nothing is published to GitHub for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from findings.engine.local_git import snapshot_from_local_git
from findings.models import PullRequest, Repository, Revision
from findings.services import repository_upsert
from github_app.models import Installation
from reviewbench.reviews.services import pull_request_process

_NAME_PART = re.compile(r"[^A-Za-z0-9._-]+")


def local_repository_name(repo_path: Path, name: str | None) -> str:
    """`owner/name` for a local repository: the given one, or `local/<folder name>`."""
    if name:
        owner, sep, rest = name.partition("/")
        if not sep or not owner or not rest or "/" in rest:
            raise ValueError("--name must look like owner/name")
        parts = (owner, rest)
    else:
        parts = ("local", repo_path.resolve().name)
    cleaned = [_NAME_PART.sub("-", part).strip("-.") or "repo" for part in parts]
    return "/".join(cleaned)


@transaction.atomic
def local_workspace_attach(
    *, repository: Repository, workspace: str, members: Iterable[str]
) -> Installation:
    """Put a local repository in a workspace and make the named users members of it."""
    installation = Installation.objects.filter(github_id=None, account_login=workspace).first()
    if installation is None:
        installation = Installation.objects.create(account_login=workspace, account_type="Local")
    installation.repositories.add(repository)
    users = list(get_user_model().objects.filter(username__in=list(members)))
    missing = set(members) - {user.get_username() for user in users}
    if missing:
        raise ValueError(f"unknown user(s): {', '.join(sorted(missing))}")
    installation.members.add(*users)
    return installation


def local_pull_request_review(
    *,
    repo_path: Path,
    base: str,
    head: str,
    name: str | None = None,
    number: int | None = None,
    title: str | None = None,
    body: str = "",
    author_login: str = "",
    labels: tuple[str, ...] = (),
    workspace: str = "local",
    members: Iterable[str] = (),
) -> Revision:
    """Read base...head from a local repository and run it through the review pipeline."""
    full_name = local_repository_name(repo_path, name)
    members = list(members)
    known = set(
        get_user_model().objects.filter(username__in=members).values_list("username", flat=True)
    )
    if missing := sorted(set(members) - known):
        raise ValueError(f"unknown user(s): {', '.join(missing)}")
    existing_repository = Repository.objects.filter(full_name=full_name).first()
    if number is None:
        number = _pull_request_number(existing_repository, head)
    # Read git first: a bad ref or a broken repository leaves nothing behind in the database.
    snapshot = snapshot_from_local_git(
        repo_path=repo_path,
        base=base,
        head=head,
        number=number,
        title=title,
        body=body,
        author_login=author_login,
        labels=labels,
    )
    with transaction.atomic():
        repository = repository_upsert(full_name=full_name, source=Repository.Source.LOCAL)
        local_workspace_attach(repository=repository, workspace=workspace, members=members)
    return pull_request_process(repository=repository, snapshot=snapshot)


def _pull_request_number(repository: Repository | None, head: str) -> int:
    """Reuse the number of the PR for the same head ref, else take the next one."""
    if repository is None:
        return 1
    existing = PullRequest.objects.filter(repository=repository, head_ref=head).first()
    if existing is not None:
        return existing.number
    last = repository.pull_requests.order_by("-number").values_list("number", flat=True).first()
    return (last or 0) + 1
