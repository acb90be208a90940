"""Enqueueing the edge's Celery tasks by name, after commit.

Services and handlers decide *that* work is due; `github_app.tasks` does it and imports them.
Sending by name keeps that one direction (tasks -> services, never back), so there is no import
circle and no late import. The names are the tasks' registered names; a test checks that each
one exists.
"""

from __future__ import annotations

from typing import Any

from celery import current_app
from django.db import transaction

PROCESS_DELIVERY = "github_app.process_delivery"
ANALYZE_PULL_REQUEST = "github_app.analyze_pull_request"
PUBLISH_CHECK = "github_app.publish_check"

TASK_NAMES = (PROCESS_DELIVERY, ANALYZE_PULL_REQUEST, PUBLISH_CHECK)


def enqueue(name: str, *args: Any, **kwargs: Any) -> None:
    """Send task `name` to the broker now (raises when the broker is down)."""
    current_app.send_task(name, args=args, kwargs=kwargs)


def enqueue_on_commit(name: str, *args: Any, **kwargs: Any) -> None:
    """Send task `name` once the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(name, *args, **kwargs))
