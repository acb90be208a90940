"""Fixtures for the GitHub edge: the HTTP double, signed webhook posts, GitHub-shaped payloads."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from findings.models import PullRequest, Repository
from github_app.models import Installation
from tests.github_double import GitHubDouble, sign_body

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "github"
SECRET = "test-webhook-secret"  # first of GITHUB_WEBHOOK_SECRET in pyproject's env
INSTALLATION_ID = 7001


def load_payload(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def github(settings):
    """The GitHub double, with the App's id, key and API URL pointed at it."""
    with GitHubDouble() as double:
        settings.GITHUB_API_URL = double.base_url
        settings.GITHUB_URL = double.base_url  # where git's smart HTTP is served
        settings.GITHUB_APP_ID = str(double.app_id)
        settings.GITHUB_PRIVATE_KEY = double.private_key_pem
        settings.GITHUB_PRIVATE_KEY_PATH = None
        yield double


@pytest.fixture
def post_webhook(client):
    """POST a body to the webhook as GitHub would, signed with `secret` unless a header is given."""

    def post(
        event: str,
        payload: dict[str, Any] | bytes,
        *,
        delivery_id: str | None = None,
        secret: str = SECRET,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery_id or str(uuid.uuid4()),
            "HTTP_X_HUB_SIGNATURE_256": signature
            if signature is not None
            else sign_body(body, secret),
            "HTTP_USER_AGENT": "GitHub-Hookshot/abc123",
        }
        headers.update(extra_headers or {})
        return client.post(
            reverse("github_app:webhook"), data=body, content_type="application/json", **headers
        )

    return post


def pull_request_payload(
    action: str,
    *,
    double: GitHubDouble | None = None,
    full_name: str = "octo-org/payments",
    number: int = 42,
    installation_id: int = INSTALLATION_ID,
) -> dict[str, Any]:
    """A `pull_request` webhook payload; from the double's data when one is given."""
    payload = copy.deepcopy(load_payload("pull_request.opened"))
    payload["action"] = action
    if double is not None:
        payload["pull_request"] = double.pull_request_json(full_name, number)
        payload["repository"] = double.repository_json(full_name)
        payload["number"] = number
    payload["installation"]["id"] = installation_id
    return payload


BASE = "1" * 40
HEAD = "2" * 40


def one_file_pull_request(github) -> PullRequest:  # type: ignore[no-untyped-def]
    """octo-org/payments#42 adding app.py, in the GitHub double and in the database, with its
    installation (7001)."""
    github.add_repository("octo-org/payments", github_id=880001)
    github.add_pull_request(
        "octo-org/payments", 42, base_sha=BASE, head_sha=HEAD, files=[
            {"filename": "app.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+VALUE = 1",
             "content": "VALUE = 1\n", "additions": 1},
        ],
    )  # fmt: skip
    repository = Repository.objects.create(full_name="octo-org/payments", github_id=880001)
    installation = Installation.objects.create(github_id=7001, account_login="octo-org")
    installation.repositories.add(repository)
    return PullRequest.objects.create(repository=repository, number=42, head_sha=HEAD)
