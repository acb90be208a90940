"""The GitHub App manifest the README registers the App with matches what the code needs."""

from __future__ import annotations

import json
from pathlib import Path

from github_app.routing import HANDLERS

MANIFEST = Path(__file__).resolve().parents[2] / "docs" / "github-app-manifest.json"
# Installation events reach every App without a subscription.
UNSUBSCRIBED = {"installation", "installation_repositories"}


def test_the_manifest_subscribes_to_every_routed_event():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    routed = {event for event, _action in HANDLERS} - UNSUBSCRIBED

    assert set(manifest["default_events"]) == routed


def test_the_manifest_asks_for_the_permissions_the_client_uses_and_no_more():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))

    assert manifest["default_permissions"] == {
        "checks": "write",  # check runs
        "contents": "read",  # blobs, the policy file, git fetches
        "metadata": "read",  # always granted
        "pull_requests": "read",  # the PR, its files and commits
        "members": "read",  # approval groups mapped to GitHub teams
    }
    assert manifest["hook_attributes"]["url"].endswith("/github/webhook")
    assert manifest["callback_urls"][0].endswith("/accounts/github/login/callback/")
