from __future__ import annotations

import copy
import json

import pytest
from django.utils import timezone

from findings.models import PullRequest, Repository
from findings.services import pull_request_record_head, repository_upsert
from github_app.models import Installation, WebhookDelivery
from github_app.routing import HANDLERS, IGNORED, route
from github_app.services import delivery_record
from github_app.tasks import process_delivery
from tests.github_app.conftest import load_payload, pull_request_payload

pytestmark = pytest.mark.django_db

HEAD = "2" * 40


def queued(broker) -> list[tuple[str, str, str]]:
    """(task name, args repr, kwargs repr) of every queued message, oldest first."""
    messages = [json.loads(raw) for raw in reversed(broker.lrange("celery", 0, -1))]
    return [
        (m["headers"]["task"], m["headers"]["argsrepr"], m["headers"]["kwargsrepr"])
        for m in messages
    ]


@pytest.fixture
def deliver(broker, django_capture_on_commit_callbacks):
    """Store a delivery (its own enqueue discarded) and run process_delivery on it, committing."""
    counter = iter(range(1, 10_000))

    def run(event: str, payload: dict) -> WebhookDelivery:
        with django_capture_on_commit_callbacks(execute=False):
            delivery, _ = delivery_record(
                delivery_id=f"delivery-{next(counter)}",
                event=event,
                action=payload.get("action", ""),
                payload=payload,
            )
        with django_capture_on_commit_callbacks(execute=True):
            process_delivery(delivery.pk)
        delivery.refresh_from_db()
        return delivery

    return run


def _active_installation_with_pull_request(state=PullRequest.State.OPEN):
    installation = Installation.objects.create(github_id=7001, account_login="octo-org")
    repository = repository_upsert(full_name="octo-org/payments", github_id=880001)
    installation.repositories.add(repository)
    pull_request_record_head(repository=repository, number=42, head_sha=HEAD, state=state)
    return installation, repository


SYNC_ACTIONS = [
    "opened",
    "reopened",
    "synchronize",
    "ready_for_review",
    "labeled",
    "unlabeled",
    "edited",
]


def test_routing_table_covers_exactly_the_documented_events():
    expected = {("pull_request", a) for a in [*SYNC_ACTIONS, "closed"]} | {
        ("check_run", "rerequested"),
        ("check_suite", "rerequested"),
        ("installation", "created"),
        ("installation", "deleted"),
        ("installation", "suspend"),
        ("installation", "unsuspend"),
        ("installation_repositories", "added"),
        ("installation_repositories", "removed"),
    }

    assert set(HANDLERS) == expected
    assert not (set(HANDLERS) & IGNORED)
    assert route("pull_request", "assigned") is None
    assert route("star", "created") is None
    assert route("pull_request", "opened") == "pull_request_sync"


def test_every_routed_name_is_a_handler_with_a_docstring():
    from github_app import handlers

    for name in set(HANDLERS.values()):
        handler = getattr(handlers, name, None)
        assert callable(handler), name
        assert handler.__doc__, name


def test_jobs_send_only_names_that_the_worker_has_registered():
    from github_app import jobs, tasks  # noqa: F401 (registers the tasks)
    from reviewbench.celery import app

    assert set(jobs.TASK_NAMES) <= set(app.tasks)


@pytest.mark.parametrize("action", SYNC_ACTIONS)
def test_pull_request_sync_action_records_head_and_enqueues_analysis(deliver, broker, action):
    delivery = deliver("pull_request", pull_request_payload(action))

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.attempts == 1
    assert delivery.error == ""
    assert delivery.processed_at is not None
    pull_request = PullRequest.objects.select_related("repository").get()
    assert pull_request.repository.full_name == "octo-org/payments"
    assert pull_request.repository.github_id == 880001
    assert pull_request.repository.default_branch == "main"
    assert pull_request.number == 42
    assert pull_request.head_sha == HEAD
    assert pull_request.title == "Add refund endpoint"
    assert pull_request.author_login == "mona"
    assert pull_request.labels == ["ai-generated", "payments"]
    assert pull_request.state == PullRequest.State.OPEN
    assert (pull_request.base_ref, pull_request.head_ref) == ("main", "refund")
    installation = Installation.objects.get()
    assert installation.github_id == 7001
    assert installation.account_login == "octo-org"
    assert list(installation.repositories.all()) == [pull_request.repository]
    assert queued(broker) == [
        (
            "github_app.analyze_pull_request",
            f"({pull_request.repository_id}, 42, '{HEAD}')",
            "{'rerequested': False}",
        )
    ]


@pytest.mark.parametrize(("merged", "state"), [(False, "closed"), (True, "merged")])
def test_pull_request_closed_records_state_without_analysis(deliver, broker, merged, state):
    payload = pull_request_payload("closed")
    payload["pull_request"]["state"] = "closed"
    payload["pull_request"]["merged"] = merged

    delivery = deliver("pull_request", payload)

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert PullRequest.objects.get().state == state
    assert broker.llen("celery") == 0


@pytest.mark.parametrize("inactive", ["suspended_at", "deleted_at"])
def test_pull_request_of_inactive_installation_is_recorded_but_not_analysed(
    deliver, broker, inactive
):
    Installation.objects.create(
        github_id=7001, account_login="octo-org", **{inactive: timezone.now()}
    )

    delivery = deliver("pull_request", pull_request_payload("opened"))

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert PullRequest.objects.get().head_sha == HEAD
    assert broker.llen("celery") == 0


def test_check_run_rerequested_reanalyses_the_pull_request_of_that_head(deliver, broker):
    _, repository = _active_installation_with_pull_request()

    delivery = deliver("check_run", load_payload("check_run.rerequested"))

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert queued(broker) == [
        (
            "github_app.analyze_pull_request",
            f"({repository.pk}, 42, '{HEAD}')",
            "{'rerequested': True}",
        )
    ]


def test_check_run_rerequested_for_another_apps_check_does_nothing(deliver, broker):
    _active_installation_with_pull_request()
    payload = load_payload("check_run.rerequested")
    payload["check_run"]["name"] = "CI"

    delivery = deliver("check_run", payload)

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert broker.llen("celery") == 0


def test_check_suite_rerequested_finds_prs_by_recorded_head_when_payload_lists_none(
    deliver, broker
):
    _, repository = _active_installation_with_pull_request()

    delivery = deliver("check_suite", load_payload("check_suite.rerequested"))

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert queued(broker) == [
        (
            "github_app.analyze_pull_request",
            f"({repository.pk}, 42, '{HEAD}')",
            "{'rerequested': True}",
        )
    ]


def test_check_suite_rerequested_for_a_suspended_installation_does_nothing(deliver, broker):
    installation, _ = _active_installation_with_pull_request()
    Installation.objects.filter(pk=installation.pk).update(suspended_at=timezone.now())

    deliver("check_suite", load_payload("check_suite.rerequested"))

    assert broker.llen("celery") == 0


def test_installation_created_records_installation_and_repositories(deliver, broker):
    delivery = deliver("installation", load_payload("installation.created"))

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    installation = Installation.objects.get()
    assert (installation.github_id, installation.account_login, installation.account_type) == (
        7001,
        "octo-org",
        "Organization",
    )
    assert installation.suspended_at is None and installation.deleted_at is None
    assert sorted(installation.repositories.values_list("full_name", "github_id")) == [
        ("octo-org/ledger", 880002),
        ("octo-org/payments", 880001),
    ]
    assert broker.llen("celery") == 0


def test_installation_deleted_marks_it_deleted(deliver):
    deliver("installation", load_payload("installation.created"))
    payload = load_payload("installation.created")
    payload["action"] = "deleted"

    delivery = deliver("installation", payload)

    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert Installation.objects.get().deleted_at is not None


def test_installation_suspend_and_unsuspend(deliver):
    deliver("installation", load_payload("installation.created"))
    suspend = load_payload("installation.created")
    suspend["action"] = "suspend"
    unsuspend = copy.deepcopy(suspend)
    unsuspend["action"] = "unsuspend"

    deliver("installation", suspend)
    suspended_at = Installation.objects.get().suspended_at
    deliver("installation", unsuspend)

    assert suspended_at is not None
    assert Installation.objects.get().suspended_at is None


def test_installation_repositories_added_and_removed(deliver):
    deliver("installation", load_payload("installation.created"))
    added = load_payload("installation_repositories.added")
    removed = load_payload("installation_repositories.added")
    removed["action"] = "removed"
    removed["repositories_removed"] = removed.pop("repositories_added")
    removed["repositories_added"] = []

    deliver("installation_repositories", added)
    after_add = sorted(Installation.objects.get().repositories.values_list("full_name", flat=True))
    deliver("installation_repositories", removed)
    after_remove = sorted(
        Installation.objects.get().repositories.values_list("full_name", flat=True)
    )

    assert after_add == ["octo-org/billing", "octo-org/ledger", "octo-org/payments"]
    assert after_remove == ["octo-org/ledger", "octo-org/payments"]
    assert Repository.objects.filter(full_name="octo-org/billing").exists()


def test_malformed_payload_fails_the_delivery_with_a_readable_error(deliver, broker):
    payload = pull_request_payload("opened")
    del payload["pull_request"]["head"]

    delivery = deliver("pull_request", payload)

    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.error == "PayloadError: payload has no head.sha"
    assert delivery.attempts == 1
    assert PullRequest.objects.count() == 0
    assert broker.llen("celery") == 0
