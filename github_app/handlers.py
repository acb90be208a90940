"""One function per routed (event, action): each takes the stored payload and writes bookkeeping.

Handlers never call GitHub: they record what the payload says and enqueue work on commit.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime

from findings.models import PullRequest, Repository
from findings.services import pull_request_record_head
from github_app import jobs, services
from github_app.models import Installation

logger = logging.getLogger(__name__)


class PayloadError(ValueError):
    """The payload lacks a field this handler needs."""


def _get(payload: dict[str, Any], *keys: str) -> Any:
    value: Any = payload
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise PayloadError(f"payload has no {'.'.join(keys)}")
        value = value[key]
    return value


def _parse_time(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def _installation_for_event(payload: dict[str, Any]) -> Installation | None:
    installation_id = (payload.get("installation") or {}).get("id")
    if not isinstance(installation_id, int):
        return None
    owner = (payload.get("repository") or {}).get("owner") or {}
    return services.installation_upsert(
        github_id=installation_id,
        account_login=str(owner.get("login") or ""),
        account_type=str(owner.get("type") or ""),
    )


def _enqueue_analysis(
    repository_id: int, number: int, head_sha: str, *, rerequested: bool = False
) -> None:
    jobs.enqueue_on_commit(
        jobs.ANALYZE_PULL_REQUEST, repository_id, number, head_sha, rerequested=rerequested
    )


def _pull_request_state(pr: dict[str, Any]) -> str:
    if pr.get("merged") or pr.get("merged_at"):
        return PullRequest.State.MERGED
    return PullRequest.State.CLOSED if pr.get("state") == "closed" else PullRequest.State.OPEN


def _record_pull_request(payload: dict[str, Any]) -> tuple[PullRequest, Installation | None]:
    pr = _get(payload, "pull_request")
    installation = _installation_for_event(payload)
    repository = services.repository_from_payload(_get(payload, "repository"))
    if installation is not None:
        installation.repositories.add(repository)
    pull_request = pull_request_record_head(
        repository=repository,
        number=int(_get(pr, "number")),
        head_sha=str(_get(pr, "head", "sha")),
        title=str(pr.get("title") or ""),
        body=str(pr.get("body") or ""),
        author_login=str((pr.get("user") or {}).get("login") or ""),
        state=_pull_request_state(pr),
        draft=bool(pr.get("draft")),
        base_ref=str((pr.get("base") or {}).get("ref") or ""),
        head_ref=str((pr.get("head") or {}).get("ref") or ""),
        html_url=str(pr.get("html_url") or ""),
        labels=tuple(
            str(label.get("name") or "")
            for label in pr.get("labels") or []
            if isinstance(label, dict)
        ),
    )
    return pull_request, installation


def pull_request_sync(payload: dict[str, Any]) -> None:
    """Record the PR's head and metadata; analyse it when its installation is live."""
    pull_request, installation = _record_pull_request(payload)
    if not services.installation_is_active(installation):
        logger.info(
            "github.pull_request.installation_inactive",
            extra={"repository": pull_request.repository.full_name, "number": pull_request.number},
        )
        return
    if pull_request.state != PullRequest.State.OPEN:
        return
    _enqueue_analysis(pull_request.repository_id, pull_request.number, pull_request.head_sha)


def pull_request_closed(payload: dict[str, Any]) -> None:
    """Record that the PR was closed or merged; nothing is analysed."""
    _record_pull_request(payload)


def check_rerequested(payload: dict[str, Any]) -> None:
    """Re-run analysis and publishing for the open PRs whose head is the re-requested SHA."""
    kind = "check_run" if "check_run" in payload else "check_suite"
    check = _get(payload, kind)
    if kind == "check_run" and check.get("name") != settings.CHECK_RUN_NAME:
        return
    head_sha = str(_get(check, "head_sha"))
    repository_payload = _get(payload, "repository")
    repository = (
        Repository.objects.filter(github_id=repository_payload.get("id")).first()
        or Repository.objects.filter(full_name=repository_payload.get("full_name")).first()
    )
    if repository is None:
        return
    installation = _installation_for_event(payload)
    if installation is not None:
        installation.repositories.add(repository)
    if not services.installation_is_active(installation):
        return
    # GitHub leaves `pull_requests` empty for forks; the recorded heads cover those.
    numbers = {
        int(item["number"])
        for item in check.get("pull_requests") or []
        if isinstance(item, dict) and isinstance(item.get("number"), int)
    }
    recorded = PullRequest.objects.filter(
        repository=repository, state=PullRequest.State.OPEN, head_sha=head_sha
    ).values_list("number", flat=True)
    numbers.update(recorded)
    for number in sorted(numbers):
        _enqueue_analysis(repository.pk, number, head_sha, rerequested=True)


def installation_created(payload: dict[str, Any]) -> None:
    """Record a new installation and the repositories it was granted."""
    data = _get(payload, "installation")
    account = data.get("account") or {}
    with transaction.atomic():
        installation = services.installation_upsert(
            github_id=int(_get(data, "id")),
            account_login=str(account.get("login") or ""),
            account_type=str(account.get("type") or ""),
        )
        installation.deleted_at = None
        installation.suspended_at = _parse_time(data.get("suspended_at"))
        installation.save(update_fields=["deleted_at", "suspended_at"])
        services.installation_repositories_add(
            installation=installation, repositories=payload.get("repositories") or []
        )


def _installation_ref(payload: dict[str, Any]) -> tuple[int, str]:
    data = _get(payload, "installation")
    return int(_get(data, "id")), str((data.get("account") or {}).get("login") or "")


def installation_deleted(payload: dict[str, Any]) -> None:
    """Mark the installation deleted."""
    github_id, login = _installation_ref(payload)
    services.installation_mark_deleted(github_id=github_id, account_login=login)


def installation_suspend(payload: dict[str, Any]) -> None:
    """Mark the installation suspended: its events are recorded, nothing is published."""
    github_id, login = _installation_ref(payload)
    services.installation_set_suspended(github_id=github_id, suspended=True, account_login=login)


def installation_unsuspend(payload: dict[str, Any]) -> None:
    """Lift the installation's suspension."""
    github_id, login = _installation_ref(payload)
    services.installation_set_suspended(github_id=github_id, suspended=False, account_login=login)


def installation_repositories_changed(payload: dict[str, Any]) -> None:
    """Grant or take away repositories of an installation."""
    data = _get(payload, "installation")
    account = data.get("account") or {}
    with transaction.atomic():
        installation = services.installation_upsert(
            github_id=int(_get(data, "id")),
            account_login=str(account.get("login") or ""),
            account_type=str(account.get("type") or ""),
        )
        services.installation_repositories_add(
            installation=installation, repositories=payload.get("repositories_added") or []
        )
        services.installation_repositories_remove(
            installation=installation, repositories=payload.get("repositories_removed") or []
        )
