"""Writes at the GitHub edge: the delivery log, installations and their repositories, listeners."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from findings.models import Repository, Revision
from findings.services import repository_upsert
from github_app import jobs, routing
from github_app.models import Installation, WebhookDelivery

logger = logging.getLogger(__name__)

MAX_EVENT_CHARS = 64
MAX_FULL_NAME_CHARS = 200


def _cut(value: Any, limit: int) -> str:
    return str(value or "")[:limit]


def _payload_installation_id(payload: dict[str, Any]) -> int | None:
    installation = payload.get("installation")
    if isinstance(installation, dict) and isinstance(installation.get("id"), int):
        return installation["id"]
    return None


def _payload_full_name(payload: dict[str, Any]) -> str:
    repository = payload.get("repository")
    if isinstance(repository, dict):
        return _cut(repository.get("full_name"), MAX_FULL_NAME_CHARS)
    return ""


def _enqueue_delivery(delivery_pk: int, delivery_id: str) -> None:
    try:
        jobs.enqueue(jobs.PROCESS_DELIVERY, delivery_pk)
    except Exception:
        # The row is committed: the sweep re-enqueues it once the broker is back.
        logger.exception("github.webhook.enqueue_failed", extra={"delivery_id": delivery_id})
        return
    WebhookDelivery.objects.filter(pk=delivery_pk).update(enqueued_at=timezone.now())


def delivery_record(
    *, delivery_id: str, event: str, action: str, payload: dict[str, Any]
) -> tuple[WebhookDelivery, bool]:
    """Store a webhook delivery once per delivery id; enqueue it on commit unless it is ignored.

    Returns (delivery, created); created is False for a redelivery of a known id.
    """
    event = _cut(event, MAX_EVENT_CHARS)
    action = _cut(action, MAX_EVENT_CHARS)
    ignored = routing.is_ignored(event, action)
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                delivery_id=delivery_id,
                event=event,
                action=action,
                installation_github_id=_payload_installation_id(payload),
                repository_full_name=_payload_full_name(payload),
                payload=payload,
                status=(
                    WebhookDelivery.Status.IGNORED if ignored else WebhookDelivery.Status.RECEIVED
                ),
            )
    except IntegrityError:
        # Two deliveries with one id raced: the other request stored it first.
        return WebhookDelivery.objects.get(delivery_id=delivery_id), False
    if ignored:
        logger.info(
            "github.webhook.ignored",
            extra={"delivery_id": delivery_id, "event": event, "action": action},
        )
    else:
        pk = delivery.pk
        transaction.on_commit(lambda: _enqueue_delivery(pk, delivery_id))
    return delivery, True


# --- installations and repositories ----------------------------------------------------------


def installation_is_active(installation: Installation | None) -> bool:
    return (
        installation is not None
        and installation.github_id is not None
        and installation.suspended_at is None
        and installation.deleted_at is None
    )


def active_installation_for(repository: Repository) -> Installation | None:
    """The live GitHub installation a repository is published through, if any."""
    if repository.source != Repository.Source.GITHUB:
        return None
    return (
        repository.installations.filter(
            github_id__isnull=False, suspended_at__isnull=True, deleted_at__isnull=True
        )
        .order_by("pk")
        .first()
    )


def installation_upsert(
    *, github_id: int, account_login: str = "", account_type: str = ""
) -> Installation:
    """Create or update an installation by its GitHub id."""
    with transaction.atomic():
        installation, created = Installation.objects.select_for_update().get_or_create(
            github_id=github_id,
            defaults={
                "account_login": _cut(account_login, 255) or str(github_id),
                "account_type": _cut(account_type, 32),
            },
        )
        if not created and account_login:
            installation.account_login = _cut(account_login, 255)
            if account_type:
                installation.account_type = _cut(account_type, 32)
            installation.save(update_fields=["account_login", "account_type"])
    return installation


def installation_mark_deleted(*, github_id: int, account_login: str = "") -> Installation:
    """Record that the App was uninstalled; nothing of it is analysed or published again."""
    with transaction.atomic():
        installation = installation_upsert(github_id=github_id, account_login=account_login)
        installation.deleted_at = timezone.now()
        installation.save(update_fields=["deleted_at"])
    return installation


def installation_set_suspended(
    *, github_id: int, suspended: bool, account_login: str = ""
) -> Installation:
    """Suspend or unsuspend an installation."""
    with transaction.atomic():
        installation = installation_upsert(github_id=github_id, account_login=account_login)
        installation.suspended_at = timezone.now() if suspended else None
        installation.save(update_fields=["suspended_at"])
    return installation


def repository_from_payload(repository: dict[str, Any]) -> Repository:
    """Upsert the repository described by a webhook's `repository` (or repository list) object."""
    github_id = repository.get("id")
    return repository_upsert(
        full_name=_cut(repository.get("full_name"), MAX_FULL_NAME_CHARS),
        source=Repository.Source.GITHUB,
        github_id=github_id if isinstance(github_id, int) else None,
        default_branch=_cut(repository.get("default_branch"), 255),
        html_url=_cut(repository.get("html_url"), 500),
    )


def installation_repositories_add(
    *, installation: Installation, repositories: Iterable[dict[str, Any]]
) -> list[Repository]:
    """Upsert repositories and grant them to the installation."""
    with transaction.atomic():
        rows = [repository_from_payload(item) for item in repositories]
        if rows:
            installation.repositories.add(*rows)
    return rows


def installation_repositories_remove(
    *, installation: Installation, repositories: Iterable[dict[str, Any]]
) -> int:
    """Take repositories away from the installation (their history stays)."""
    ids = [item["id"] for item in repositories if isinstance(item.get("id"), int)]
    rows = list(Repository.objects.filter(github_id__in=ids))
    if rows:
        installation.repositories.remove(*rows)
    return len(rows)


# --- listener --------------------------------------------------------------------------------


def review_state_changed(revision_id: int) -> None:
    """Listener for the workflow: republish the revision's check run (GitHub repositories only)."""
    revision = (
        Revision.objects.select_related("pull_request__repository").filter(pk=revision_id).first()
    )
    if revision is None:
        return
    if active_installation_for(revision.pull_request.repository) is None:
        logger.info("github.publish.no_installation", extra={"revision_id": revision_id})
        return
    jobs.enqueue_on_commit(jobs.PUBLISH_CHECK, revision_id)
