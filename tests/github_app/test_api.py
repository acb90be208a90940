"""The deliveries API: staff only, newest first, filtered by status and event."""

from __future__ import annotations

from github_app.models import WebhookDelivery
from tests.factories import api_client_for


def test_staff_list_deliveries_filtered_by_status_and_event(db, make_user):
    WebhookDelivery.objects.create(delivery_id="a", event="pull_request", payload={})
    WebhookDelivery.objects.create(
        delivery_id="b", event="ping", payload={}, status=WebhookDelivery.Status.IGNORED
    )
    admin = make_user("ada", is_staff=True)

    everything = api_client_for(admin).get("/api/deliveries/").json()
    ignored = api_client_for(admin).get("/api/deliveries/", {"status": "ignored"}).json()
    pulls = api_client_for(admin).get("/api/deliveries/", {"event": "pull_request"}).json()

    assert [row["delivery_id"] for row in everything["results"]] == ["b", "a"]
    assert [row["delivery_id"] for row in ignored["results"]] == ["b"]
    assert [row["delivery_id"] for row in pulls["results"]] == ["a"]


def test_a_non_staff_user_gets_403_and_no_delivery(db, make_user):
    WebhookDelivery.objects.create(delivery_id="secret", event="pull_request", payload={})

    response = api_client_for(make_user("rita")).get("/api/deliveries/")

    assert response.status_code == 403
    assert b"secret" not in response.content
