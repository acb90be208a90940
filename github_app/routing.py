"""Which handler runs for which GitHub (event, action); anything else is acknowledged, ignored.

A pure table: it names functions of `github_app.handlers` and imports nothing of the project, so
the webhook intake can ask "is this ignored?" without loading the handlers, and no import circle
can form through it (handlers -> services -> routing). `tasks.process_delivery` resolves the name.
"""

from __future__ import annotations

HANDLERS: dict[tuple[str, str], str] = {
    ("pull_request", "opened"): "pull_request_sync",
    ("pull_request", "reopened"): "pull_request_sync",
    ("pull_request", "synchronize"): "pull_request_sync",
    ("pull_request", "ready_for_review"): "pull_request_sync",
    ("pull_request", "labeled"): "pull_request_sync",
    ("pull_request", "unlabeled"): "pull_request_sync",
    ("pull_request", "edited"): "pull_request_sync",
    ("pull_request", "closed"): "pull_request_closed",
    ("check_run", "rerequested"): "check_rerequested",
    ("check_suite", "rerequested"): "check_rerequested",
    ("installation", "created"): "installation_created",
    ("installation", "deleted"): "installation_deleted",
    ("installation", "suspend"): "installation_suspend",
    ("installation", "unsuspend"): "installation_unsuspend",
    ("installation_repositories", "added"): "installation_repositories_changed",
    ("installation_repositories", "removed"): "installation_repositories_changed",
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


def route(event: str, action: str) -> str | None:
    """The handler's name for (event, action), or None when the delivery is ignored or unknown."""
    return HANDLERS.get((event, action))


def is_ignored(event: str, action: str) -> bool:
    """True for deliveries stored but never processed: ping, ignored and unknown events."""
    return (event, action) in IGNORED or event == "ping" or route(event, action) is None
