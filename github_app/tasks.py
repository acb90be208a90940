"""Celery tasks at the GitHub edge. They carry ids only; the worker mints its own tokens."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from findings.models import PullRequest, Repository, Revision
from findings.services import revision_mark_superseded
from github_app import checks, handlers, jobs, routing, services
from github_app.client import TransientGitHubError
from github_app.models import CheckRun, CheckRunStart, WebhookDelivery
from reviewbench.reviews.report import check_report_for_revision

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
SWEEP_BATCH = 500
MAX_CHECK_RUN_ATTEMPTS = 3


class GitHubTask(Task):
    """A task that talks to GitHub: waits as long as GitHub asks before a retry, tries a fresh
    token once after a 401, and never leaves its check run open when it finally fails."""

    def retry(self, *args: Any, exc: BaseException | None = None, **options: Any) -> Any:
        if isinstance(exc, TransientGitHubError):
            if exc.credentials and self.request.retries >= 1:
                raise exc  # a fresh token did not help: the App's credentials are wrong
            if exc.retry_after is not None:
                options["countdown"] = max(options.get("countdown") or 0, exc.retry_after)
        return super().retry(*args, exc=exc, **options)

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        if self.name == jobs.ANALYZE_PULL_REQUEST and len(args) >= 3:
            checks.analysis_failed(
                repository_id=args[0], number=args[1], head_sha=args[2], error=_readable(exc)
            )


RETRY = {
    "base": GitHubTask,
    "acks_late": True,
    # The database going away (a restart, a failover) is as transient as GitHub's 502: every
    # task is idempotent, so it runs again once the database is back. Not IntegrityError.
    "autoretry_for": (TransientGitHubError, OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": MAX_ATTEMPTS,
}
_DONE = (WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.IGNORED)


def _readable(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


@shared_task(name=jobs.PROCESS_DELIVERY, **RETRY)
def process_delivery(delivery_pk: int) -> None:
    """Run the routed handler for one stored delivery; safe to run twice."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_pk).first()
        if delivery is None or delivery.status in _DONE:
            return
        # Committed before the handler runs: a worker that dies mid-way leaves a stale
        # PROCESSING row with its attempt counted, which the sweep picks up again.
        WebhookDelivery.objects.filter(pk=delivery_pk).update(
            attempts=F("attempts") + 1,
            status=WebhookDelivery.Status.PROCESSING,
            processed_at=timezone.now(),
        )
    transient: Exception | None = None
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_pk)
        if delivery.status in _DONE:
            return  # a concurrent run finished it while we waited for the lock
        handler_name = routing.route(delivery.event, delivery.action)
        handler = getattr(handlers, handler_name) if handler_name else None
        try:
            with transaction.atomic():
                if handler is not None:
                    handler(delivery.payload)
        except (TransientGitHubError, OperationalError, InterfaceError) as exc:
            # Worth another try (GitHub or the database will be back): not a failed delivery.
            transient = exc
            delivery.status = WebhookDelivery.Status.RECEIVED
            delivery.error = _readable(exc)
        except Exception as exc:
            logger.exception(
                "github.delivery.failed",
                extra={"delivery_id": delivery.delivery_id, "event": delivery.event},
            )
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.error = _readable(exc)
        else:
            delivery.error = ""
            if handler is None:
                delivery.status = WebhookDelivery.Status.IGNORED
            else:
                # Processed once the jobs the handler queued after commit are with the broker:
                # a worker killed in between leaves the row processing and its own message
                # unacknowledged, so the redelivered message runs the handler again (it is
                # idempotent) instead of finding the delivery done and its analysis never sent.
                # on_commit runs callbacks in order, after the handler's.
                names = {"delivery_id": delivery.delivery_id, "event": delivery.event}
                transaction.on_commit(lambda: _delivery_processed(delivery_pk, names))
        delivery.processed_at = timezone.now()
        delivery.save(update_fields=["status", "error", "processed_at"])
    if transient is not None:
        raise transient


def _delivery_processed(delivery_pk: int, names: dict[str, str]) -> None:
    updated = WebhookDelivery.objects.filter(
        pk=delivery_pk, status=WebhookDelivery.Status.PROCESSING
    ).update(status=WebhookDelivery.Status.PROCESSED)
    if updated:
        logger.info("github.delivery.processed", extra=names)


@shared_task(name="github_app.sweep_deliveries", acks_late=True)
def sweep_deliveries() -> int:
    """Re-enqueue deliveries stored but never processed (the broker lost them, or a worker died)."""
    cutoff = timezone.now() - timedelta(seconds=settings.REVIEWBENCH_SWEEP_AFTER_SECONDS)
    stale = (
        WebhookDelivery.objects.annotate(
            last_touch=Coalesce("enqueued_at", "received_at"),
            last_attempt=Coalesce("processed_at", "received_at"),
        )
        .filter(attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status=WebhookDelivery.Status.RECEIVED, last_touch__lt=cutoff)
            | Q(status=WebhookDelivery.Status.PROCESSING, last_attempt__lt=cutoff)
        )
        .order_by("received_at")
        .values_list("pk", "delivery_id")[:SWEEP_BATCH]
    )
    count = 0
    for pk, delivery_id in list(stale):
        process_delivery.delay(pk)
        WebhookDelivery.objects.filter(pk=pk).update(enqueued_at=timezone.now())
        logger.info("github.sweep.requeued", extra={"delivery_id": delivery_id})
        count += 1
    return count


@shared_task(name="github_app.sweep_check_runs", acks_late=True)
def sweep_check_runs() -> int:
    """Finish what a dead worker or a lost task left open: an analysis whose check run is still
    open past the deadline runs again (up to MAX_CHECK_RUN_ATTEMPTS times, then its check run is
    completed with the reason), and a revision analysed but never published is published."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.REVIEWBENCH_CHECK_RUN_DEADLINE_SECONDS)
    count = 0
    starts = (
        CheckRunStart.objects.filter(opened_at__lt=cutoff)
        .select_related("pull_request__repository")
        .order_by("opened_at")[:SWEEP_BATCH]
    )
    for start in list(starts):
        pull_request = start.pull_request
        if pull_request.head_sha != start.head_sha or pull_request.state != PullRequest.State.OPEN:
            checks.check_run_abandon(
                start=start,
                conclusion="neutral",
                title="ReviewBench did not finish: a newer push replaced this commit",
                summary=(
                    f"The analysis of {start.head_sha[:12]} was interrupted, and the pull request "
                    "has moved on since; the check run of its current head reports on it."
                ),
            )
        elif start.attempts >= MAX_CHECK_RUN_ATTEMPTS:
            checks.check_run_abandon(
                start=start,
                conclusion="failure",
                title="ReviewBench could not finish the analysis",
                summary=(
                    f"The analysis of {start.head_sha[:12]} was started {start.attempts} times "
                    "and never finished: the worker stopped each time (out of memory, or "
                    "killed). Nothing was reviewed, so this check does not pass. Re-run it from "
                    "GitHub, or split the pull request if it is very large."
                ),
            )
        else:
            CheckRunStart.objects.filter(pk=start.pk).update(
                attempts=F("attempts") + 1, opened_at=now
            )
            analyze_pull_request.delay(
                pull_request.repository_id, pull_request.number, start.head_sha
            )
            logger.info("github.sweep.reanalyse", extra={"check_run_id": start.github_id})
        count += 1
    # An analysis that was never queued: the delivery was processed, but the broker refused the
    # job it handed over (Redis down for a moment). Its pull request's head has no revision and
    # no check run; the next sweep waits again.
    queued_cutoff = now - timedelta(seconds=settings.REVIEWBENCH_SWEEP_AFTER_SECONDS)
    never_queued = (
        PullRequest.objects.filter(
            state=PullRequest.State.OPEN,
            repository__source=Repository.Source.GITHUB,
            updated_at__lt=queued_cutoff,
        )
        .exclude(
            Exists(
                Revision.objects.filter(pull_request=OuterRef("pk"), head_sha=OuterRef("head_sha"))
            )
        )
        .exclude(
            Exists(
                CheckRunStart.objects.filter(
                    pull_request=OuterRef("pk"), head_sha=OuterRef("head_sha")
                )
            )
        )
        .select_related("repository")
        .order_by("updated_at")[:SWEEP_BATCH]
    )
    for pull_request in list(never_queued):
        if services.active_installation_for(pull_request.repository) is None:
            continue
        PullRequest.objects.filter(pk=pull_request.pk).update(updated_at=now)
        analyze_pull_request.delay(
            pull_request.repository_id, pull_request.number, pull_request.head_sha
        )
        logger.info("github.sweep.analyse", extra={"pull_request_id": pull_request.pk})
        count += 1
    unpublished = (
        CheckRun.objects.filter(
            status__in=("queued", "in_progress"),
            revision__status=Revision.Status.READY,
            revision__finished_at__lt=cutoff,
        )
        .order_by("revision__finished_at")
        .values_list("revision_id", flat=True)[:SWEEP_BATCH]
    )
    for revision_id in list(unpublished):
        publish_check.delay(revision_id)
        logger.info("github.sweep.republish", extra={"revision_id": revision_id})
        count += 1
    return count


@shared_task(name=jobs.ANALYZE_PULL_REQUEST, **RETRY)
def analyze_pull_request(
    repository_id: int, number: int, head_sha: str, rerequested: bool = False
) -> None:
    """Analyse one PR head and publish its check run, unless the PR has moved to a newer head."""
    pull_request = (
        PullRequest.objects.select_related("repository")
        .filter(repository_id=repository_id, number=number)
        .first()
    )
    if pull_request is None or pull_request.head_sha != head_sha:
        logger.info(
            "github.analyze.superseded",
            extra={"repository_id": repository_id, "number": number, "head_sha": head_sha},
        )
        return
    installation = services.active_installation_for(pull_request.repository)
    if installation is None:
        logger.info("github.analyze.no_installation", extra={"repository_id": repository_id})
        return
    if (
        not rerequested
        and CheckRun.objects.filter(
            revision__pull_request=pull_request, revision__head_sha=head_sha, status="completed"
        ).exists()
    ):
        # Delivered twice (a redelivery after a worker death, a sweep): done already.
        logger.info("github.analyze.already_done", extra={"number": number, "head_sha": head_sha})
        return
    checks.pull_request_analyze(
        pull_request=pull_request, installation=installation, rerequested=rerequested
    )


@shared_task(name=jobs.PUBLISH_CHECK, **RETRY)
def publish_check(revision_id: int) -> None:
    """Publish a revision's check run; a superseded revision is marked so and never published."""
    revision = (
        Revision.objects.select_related("pull_request__repository").filter(pk=revision_id).first()
    )
    if revision is None:
        return
    if services.active_installation_for(revision.pull_request.repository) is None:
        return
    report = check_report_for_revision(revision=revision)
    if not report.publishable or revision.head_sha != revision.pull_request.head_sha:
        if revision.status != Revision.Status.SUPERSEDED:
            revision_mark_superseded(
                revision=revision, reason="The pull request has a newer head commit."
            )
        return
    checks.check_run_publish(revision=revision, report=report)
