"""The queue API: the same rows, filters and CSV as the leads' page, for the user's tenants only."""

from __future__ import annotations

import csv
import io

from tests.factories import api_client_for
from tests.queue.test_queue import queue_pr


def numbers(response) -> list[tuple[str, int]]:
    return [(row["repository"], row["number"]) for row in response.json()["results"]]


def test_the_queue_lists_awaiting_pull_requests_with_their_numbers(lead, mixed):
    response = api_client_for(lead).get("/api/queue/")

    assert response.status_code == 200
    assert response.json()["count"] == 4
    assert sorted(numbers(response)) == [
        ("acme/api", 3),
        ("acme/api", 4),
        ("acme/shop", 1),
        ("acme/shop", 2),
    ]
    breached = next(row for row in response.json()["results"] if row["number"] == 2)
    assert (breached["tier"], breached["state"], breached["missing_groups"]) == (
        "sensitive",
        "breached",
        "payments",
    )


def test_the_pages_filters_apply(lead, mixed):
    client = api_client_for(lead)

    assert numbers(client.get("/api/queue/", {"state": "breached"})) == [("acme/shop", 2)]
    assert numbers(client.get("/api/queue/", {"mine": "1"})) == [("acme/api", 4)]
    assert numbers(client.get("/api/queue/", {"repository": "globex/secret"})) == []


def test_the_csv_export_neutralises_formulas(lead, shop):
    queue_pr(shop, 1, title='=HYPERLINK("http://evil.example","click")', tier="+tier")

    response = api_client_for(lead).get("/api/queue/", {"export": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(body)))
    assert header[:4] == ["repository", "number", "title", "tier"]
    assert row[2:4] == ['\'=HYPERLINK("http://evil.example","click")', "'+tier"]


def test_a_user_of_another_tenant_sees_an_empty_queue(mixed, make_user):
    response = api_client_for(make_user("stranger")).get("/api/queue/")

    assert response.json()["count"] == 0
