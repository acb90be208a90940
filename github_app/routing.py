"""Which handler runs for which GitHub (event, action); anything else is acknowledged, ignored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from github_app import handlers

Handler = Callable[[dict[str, Any]], None]

HANDLERS: dict[tuple[str, str], Handler] = {
    ("pull_request", "opened"): handlers.pull_request_sync,
    ("pull_request", "reopened"): handlers.pull_request_sync,
    ("pull_request", "synchronize"): handlers.pull_request_sync,
    ("pull_request", "ready_for_review"): handlers.pull_request_sync,
    ("pull_request", "labeled"): handlers.pull_request_sync,
    ("pull_request", "unlabeled"): handlers.pull_request_sync,
    ("pull_request", "edited"): handlers.pull_request_sync,
    ("pull_request", "closed"): handlers.pull_request_closed,
    ("check_run", "rerequested"): handlers.check_rerequested,
    ("check_suite", "rerequested"): handlers.check_rerequested,
    ("installation", "created"): handlers.installation_created,
    ("installation", "deleted"): handlers.installation_deleted,
    ("installation", "suspend"): handlers.installation_suspend,
    ("installation", "unsuspend"): handlers.installation_unsuspend,
    ("installation_repositories", "added"): handlers.installation_repositories_changed,
    ("installation_repositories", "removed"): handlers.installation_repositories_changed,
}

# Known and deliberately not acted on; logged as ignored rather than as unknown.
IGNORED: frozenset[tuple[str, str]] = frozenset(
    {
        ("ping", ""),
        ("pull_request", "assigned"),
        ("pull_request", "unassigned"),
        ("pull_request", "locked"),
        ("pull_request", "unlocked"),
        ("pull_request", "converted_to_draft"),
        ("pull_request", "review_requested"),
        ("pull_request", "review_request_removed"),
        ("pull_request", "auto_merge_enabled"),
        ("pull_request", "auto_merge_disabled"),
        ("pull_request", "milestoned"),
        ("pull_request", "demilestoned"),
        ("pull_request", "enqueued"),
        ("pull_request", "dequeued"),
        ("check_run", "created"),
        ("check_run", "completed"),
        ("check_run", "requested_action"),
        ("check_suite", "requested"),
        ("check_suite", "completed"),
        ("installation", "new_permissions_accepted"),
        ("github_app_authorization", "revoked"),
    }
)


def route(event: str, action: str) -> Handler | None:
    """The handler for (event, action), or None when the delivery is ignored or unknown."""
    return HANDLERS.get((event, action))


def is_ignored(event: str, action: str) -> bool:
    """True for deliveries stored but never processed: ping, ignored and unknown events."""
    return (event, action) in IGNORED or event == "ping" or route(event, action) is None
