"""Policy validation through the API: the effective tiers, or the error with its line."""

from __future__ import annotations

from tests.factories import api_client_for


def test_a_valid_policy_returns_its_effective_tiers(db, make_user):
    client = api_client_for(make_user("rita"))

    response = client.post(
        "/api/policy/validate/",
        {"text": "version: 1\ntiers:\n  - name: standard\n    sla_hours: 12\n"},
        format="json",
    )

    assert response.status_code == 200
    data = response.json()
    assert (data["valid"], data["error"], data["line"]) == (True, "", None)
    standard = next(tier for tier in data["tiers"] if tier["name"] == "standard")
    assert (standard["level"], standard["sla_hours"]) == (0, 12)
    assert data["description"].startswith("Tiers (the highest matching level wins):")


def test_an_invalid_policy_returns_the_error_and_its_line(db, make_user):
    client = api_client_for(make_user("rita"))

    response = client.post(
        "/api/policy/validate/",
        {"text": "version: 1\ntiers:\n  - name: standard\n    sla_hours: -2\n"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {
        "valid": False,
        "error": "tiers[0].sla_hours: must be at least 1, got -2",
        "line": 4,
        "tiers": [],
        "description": "",
    }


def test_validation_needs_a_login(client, db):
    assert client.post("/api/policy/validate/", {"text": ""}).status_code in (401, 403)
