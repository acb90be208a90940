from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from findings.models import PullRequest, Repository, Revision
from github_app.models import Installation, WebhookDelivery
from github_app.services import review_state_changed
from github_app.tasks import process_delivery, publish_check, sweep_deliveries
from tests.github_app.conftest import pull_request_payload

pytestmark = pytest.mark.django_db

HEAD = "2" * 40


def _queued_tasks(broker) -> list[tuple[str, str]]:
    messages = [json.loads(raw) for raw in reversed(broker.lrange("celery", 0, -1))]
    return [(m["headers"]["task"], m["headers"]["argsrepr"]) for m in messages]


def _delivery(name: str, status: str, *, age_seconds: int, attempts: int = 0, **fields):
    delivery = WebhookDelivery.objects.create(
        delivery_id=name,
        event="pull_request",
        action="opened",
        payload=pull_request_payload("opened"),
        status=status,
        attempts=attempts,
        **fields,
    )
    then = timezone.now() - timedelta(seconds=age_seconds)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(received_at=then)
    return delivery


def test_sweep_reenqueues_stale_received_and_stuck_processing_deliveries_only(broker, settings):
    settings.REVIEWBENCH_SWEEP_AFTER_SECONDS = 120
    old = timezone.now() - timedelta(seconds=600)
    stale = _delivery("stale", "received", age_seconds=600)
    stuck = _delivery("stuck", "processing", age_seconds=900, attempts=1, processed_at=old)
    _delivery("fresh", "received", age_seconds=5)
    _delivery("done", "processed", age_seconds=600, attempts=1)
    _delivery("ignored", "ignored", age_seconds=600)
    _delivery("exhausted", "received", age_seconds=600, attempts=8)
    _delivery("busy", "processing", age_seconds=900, attempts=1, processed_at=timezone.now())

    requeued = sweep_deliveries()

    assert requeued == 2
    assert _queued_tasks(broker) == [
        ("github_app.process_delivery", f"({stuck.pk},)"),
        ("github_app.process_delivery", f"({stale.pk},)"),
    ]
    stale.refresh_from_db()
    assert stale.enqueued_at is not None


def test_sweep_leaves_a_recently_enqueued_delivery_alone(broker, settings):
    settings.REVIEWBENCH_SWEEP_AFTER_SECONDS = 120
    _delivery("queued", "received", age_seconds=600, enqueued_at=timezone.now())

    assert sweep_deliveries() == 0
    assert broker.llen("celery") == 0


def test_process_delivery_twice_is_safe(broker, django_capture_on_commit_callbacks):
    delivery = _delivery("twice", "received", age_seconds=1)

    # each run commits, and its after-commit callbacks run, before the next one
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            process_delivery(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 1
    assert PullRequest.objects.count() == 1
    assert [name for name, _ in _queued_tasks(broker)] == ["github_app.analyze_pull_request"]


def test_a_worker_killed_before_its_jobs_reached_the_broker_runs_the_handler_again(
    broker, django_capture_on_commit_callbacks
):
    # given a delivery whose handler committed, and a worker killed before the jobs it queued
    # after commit were sent (the callbacks never run)
    delivery = _delivery("killed", "received", age_seconds=1)
    with django_capture_on_commit_callbacks(execute=False) as lost:
        process_delivery(delivery.pk)
    assert len(lost) == 2  # the analysis job, then the mark that the delivery is done
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSING
    assert broker.llen("celery") == 0

    # when its unacknowledged message is delivered again
    with django_capture_on_commit_callbacks(execute=True):
        process_delivery(delivery.pk)

    # then the handler ran again: the analysis is queued and the delivery is done
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 2
    assert [name for name, _ in _queued_tasks(broker)] == ["github_app.analyze_pull_request"]


def test_process_delivery_of_a_missing_row_does_nothing(broker):
    process_delivery(999_999)

    assert WebhookDelivery.objects.count() == 0
    assert broker.llen("celery") == 0


@pytest.fixture
def revision():
    repository = Repository.objects.create(full_name="octo-org/payments", github_id=880001)
    installation = Installation.objects.create(github_id=7001, account_login="octo-org")
    installation.repositories.add(repository)
    pull_request = PullRequest.objects.create(repository=repository, number=42, head_sha=HEAD)
    return Revision.objects.create(
        pull_request=pull_request, head_sha=HEAD, analyzer_version="t", status="ready"
    )


def test_publish_check_marks_a_moved_on_revision_superseded_and_sends_nothing(github, revision):
    PullRequest.objects.filter(pk=revision.pull_request_id).update(head_sha="9" * 40)

    publish_check(revision.pk)

    revision.refresh_from_db()
    assert revision.status == Revision.Status.SUPERSEDED
    assert github.requests == []


def test_publish_check_for_a_local_repository_sends_nothing(github, revision):
    Repository.objects.update(source="local")

    publish_check(revision.pk)

    revision.refresh_from_db()
    assert revision.status == Revision.Status.READY
    assert github.requests == []


def test_review_state_changed_enqueues_publish_on_commit(
    revision, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        review_state_changed(revision.pk)

    assert _queued_tasks(broker) == [("github_app.publish_check", f"({revision.pk},)")]


def test_review_state_changed_ignores_repositories_without_a_live_installation(
    revision, broker, django_capture_on_commit_callbacks
):
    Installation.objects.update(deleted_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review_state_changed(revision.pk)

    assert callbacks == []
    assert broker.llen("celery") == 0
