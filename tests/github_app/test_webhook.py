from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.urls import reverse

from github_app.models import WebhookDelivery
from tests.github_app.conftest import load_payload, pull_request_payload
from tests.github_double import sign_body

pytestmark = pytest.mark.django_db


def test_signed_pull_request_is_stored_and_enqueued_after_commit(
    post_webhook, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook("pull_request", pull_request_payload("opened"), delivery_id="d-1")

    assert response.status_code == 202
    assert response.json() == {"status": "received"}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivery_id, delivery.event, delivery.action) == (
        "d-1",
        "pull_request",
        "opened",
    )
    assert delivery.status == WebhookDelivery.Status.RECEIVED
    assert delivery.installation_github_id == 7001
    assert delivery.repository_full_name == "octo-org/payments"
    assert delivery.payload["pull_request"]["number"] == 42
    assert delivery.enqueued_at is not None
    assert delivery.attempts == 0
    assert len(callbacks) == 1
    assert broker.llen("celery") == 1
    message = json.loads(broker.lindex("celery", 0))
    assert message["headers"]["task"] == "github_app.process_delivery"
    assert message["headers"]["argsrepr"] == f"({delivery.pk},)"


def test_nothing_is_enqueued_before_the_transaction_commits(
    post_webhook, broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_webhook("pull_request", pull_request_payload("opened"))

    assert len(callbacks) == 1
    assert broker.llen("celery") == 0
    assert WebhookDelivery.objects.get().enqueued_at is None


def test_duplicate_delivery_is_one_row_and_one_task(
    post_webhook, broker, django_capture_on_commit_callbacks
):
    payload = pull_request_payload("opened")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_webhook("pull_request", payload, delivery_id="same-id")
        second = post_webhook("pull_request", payload, delivery_id="same-id")

    assert first.status_code == 202
    assert second.status_code == 202
    assert second.json() == {"status": "duplicate"}
    assert WebhookDelivery.objects.count() == 1
    assert broker.llen("celery") == 1


def test_a_database_outage_is_a_fast_503_and_the_redelivery_is_recorded_once(
    post_webhook, broker, monkeypatch, django_capture_on_commit_callbacks
):
    # given the database refusing connections
    real = WebhookDelivery.objects.create

    def down(**fields):
        raise OperationalError("connection refused")

    monkeypatch.setattr(WebhookDelivery.objects, "create", down)
    payload = pull_request_payload("opened")

    # when GitHub delivers, then nothing is stored and GitHub is told to send it again
    refused = post_webhook("pull_request", payload, delivery_id="outage-1")
    assert refused.status_code == 503
    assert refused.json() == {"status": "database unavailable; redeliver this delivery"}
    monkeypatch.setattr(WebhookDelivery.objects, "create", real)
    assert WebhookDelivery.objects.count() == 0

    # and the redelivery of that id, once the database is back, is recorded and queued once
    with django_capture_on_commit_callbacks(execute=True):
        again = post_webhook("pull_request", payload, delivery_id="outage-1")
        twice = post_webhook("pull_request", payload, delivery_id="outage-1")
    assert (again.status_code, twice.json()) == (202, {"status": "duplicate"})
    assert WebhookDelivery.objects.filter(delivery_id="outage-1").count() == 1
    assert broker.llen("celery") == 1


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("ping", load_payload("ping")),
        ("star", {"action": "created", "starred_at": "2026-11-20T10:00:00Z"}),
        ("pull_request", pull_request_payload("assigned")),
        ("pull_request", pull_request_payload("some_future_action")),
    ],
)
def test_ping_ignored_and_unknown_events_are_stored_ignored_without_a_task(
    post_webhook, broker, django_capture_on_commit_callbacks, event, payload
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook(event, payload)

    assert response.status_code == 202
    assert response.json() == {"status": "ignored"}
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.IGNORED
    assert callbacks == []
    assert broker.llen("celery") == 0


def test_oversize_body_is_413_before_anything_is_stored(post_webhook, broker, settings):
    settings.GITHUB_WEBHOOK_MAX_BYTES = 1000
    payload = pull_request_payload("opened")

    response = post_webhook("pull_request", payload)

    assert response.status_code == 413
    assert WebhookDelivery.objects.count() == 0
    assert broker.llen("celery") == 0


def test_body_above_djangos_upload_limit_but_below_webhook_limit_is_accepted(
    post_webhook, broker, settings, django_capture_on_commit_callbacks
):
    payload = pull_request_payload("opened")
    payload["pull_request"]["body"] = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook("pull_request", payload)

    assert response.status_code == 202
    stored = WebhookDelivery.objects.get()
    assert (
        len(stored.payload["pull_request"]["body"]) == settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1024
    )
    assert broker.llen("celery") == 1


def test_missing_content_length_is_411(post_webhook, broker):
    response = post_webhook("ping", load_payload("ping"), extra_headers={"CONTENT_LENGTH": ""})

    assert response.status_code == 411
    assert WebhookDelivery.objects.count() == 0


def test_invalid_content_length_is_400(post_webhook, broker):
    response = post_webhook("ping", load_payload("ping"), extra_headers={"CONTENT_LENGTH": "ten"})

    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2, 3]", b'"a string"', b"\xff\xfe"])
def test_body_that_is_not_a_json_object_is_400(post_webhook, broker, body):
    response = post_webhook("pull_request", body)

    assert response.status_code == 400
    assert WebhookDelivery.objects.count() == 0
    assert broker.llen("celery") == 0


def test_missing_event_or_delivery_header_is_400(client, broker):
    body = json.dumps(load_payload("ping")).encode()
    signature = sign_body(body, "test-webhook-secret")
    url = reverse("github_app:webhook")

    no_event = client.post(
        url,
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
        HTTP_X_GITHUB_DELIVERY="d-2",
    )
    no_delivery = client.post(
        url,
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
        HTTP_X_GITHUB_EVENT="ping",
    )

    assert no_event.status_code == 400
    assert no_delivery.status_code == 400
    assert WebhookDelivery.objects.count() == 0


def test_no_configured_secret_is_503_and_stores_nothing(post_webhook, broker, settings):
    settings.GITHUB_WEBHOOK_SECRETS = []

    response = post_webhook("ping", load_payload("ping"))

    assert response.status_code == 503
    assert WebhookDelivery.objects.count() == 0


def test_get_is_405(client):
    response = client.get(reverse("github_app:webhook"))

    assert response.status_code == 405
    assert WebhookDelivery.objects.count() == 0
