"""The queue's rows as data: one dict per awaiting revision, and the same rows as CSV cells that
a spreadsheet shows as text. The page, its CSV download and the API share them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from reviewbench.queue import selectors as queue
from reviewbench.text import csv_cell

CSV_HEADER = (
    "repository",
    "number",
    "title",
    "tier",
    "level",
    "ai_share_percent",
    *(f"open_{severity}" for severity in queue.SEVERITIES),
    "checklist_answered",
    "checklist_total",
    "approvals_given",
    "approvals_required",
    "approvers",
    "missing_groups",
    "age_hours",
    "sla_remaining_hours",
    "state",
)


def hours(delta_seconds: float) -> float:
    return round(delta_seconds / 3600, 1)


def decorate(row: Any, now: datetime) -> Any:
    """A queue row (an annotated Revision) with its age, SLA time left and state for display."""
    row.age_hours = hours((now - row.ready_at).total_seconds())
    deadline = row.sla_deadline
    row.sla_remaining_hours = None if deadline is None else hours((deadline - now).total_seconds())
    row.state = "failing" if row.failing else "breached" if row.breached else "awaiting"
    return row


def row_values(row: Any) -> list[object]:
    """A decorated queue row's values, in CSV_HEADER's order."""
    pull_request = row.pull_request
    approvers = "; ".join(
        approval.user.get_username()
        + (f" ({', '.join(approval.groups)})" if approval.groups else "")
        for approval in row.fresh_approvals
    )
    return [
        pull_request.repository.full_name,
        pull_request.number,
        pull_request.title,
        row.tier_name,
        row.tier_level,
        None if row.ai_share is None else round(row.ai_share, 1),
        *(getattr(row, f"open_{severity}") for severity in queue.SEVERITIES),
        row.checklist_answered,
        row.checklist_total,
        row.approvals_given,
        row.required_count,
        approvers,
        ", ".join(row.missing_groups),
        row.age_hours,
        row.sla_remaining_hours,
        row.state,
    ]


def csv_rows(rows: QuerySet[Any], now: datetime) -> Iterator[list[object]]:
    """The header, then one row of CSV cells per queue row (streamed, 500 at a time)."""
    yield list(CSV_HEADER)
    for row in rows.iterator(chunk_size=500):
        yield [csv_cell(cell) for cell in row_values(decorate(row, now))]
