"""The leads' queue page, its charts fragment and its CSV export; thin over the selectors."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviewbench import charts
from reviewbench.access.selectors import signed_in
from reviewbench.queue import selectors as queue
from reviewbench.text import one_line

PAGE_SIZE = 50
CSV_CELL_LIMIT = 500
# Spreadsheets evaluate a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
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


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str):
        text = one_line(value, CSV_CELL_LIMIT)
        return "'" + text if text.startswith(FORMULA_PREFIXES) else text
    return value


def _hours(delta_seconds: float) -> float:
    return round(delta_seconds / 3600, 1)


def _decorate(row: Any, now: datetime) -> Any:
    """A queue row (an annotated Revision) with its age, SLA time left and state for display."""
    row.age_hours = _hours((now - row.ready_at).total_seconds())
    deadline = row.sla_deadline
    row.sla_remaining_hours = None if deadline is None else _hours((deadline - now).total_seconds())
    row.state = "failing" if row.failing else "breached" if row.breached else "awaiting"
    return row


def _csv_rows(rows: QuerySet[Any], now: datetime) -> Iterator[list[object]]:
    yield list(CSV_HEADER)
    for row in rows.iterator(chunk_size=500):
        row = _decorate(row, now)
        pull_request = row.pull_request
        approvers = "; ".join(
            approval.user.get_username()
            + (f" ({', '.join(approval.groups)})" if approval.groups else "")
            for approval in row.fresh_approvals
        )
        cells = [
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
        yield [csv_cell(cell) for cell in cells]


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
def queue_page(request: HttpRequest) -> HttpResponseBase:
    user = signed_in(request)
    now = timezone.now()
    filters = queue.QueueFilters.from_query(request.GET)
    group_names = queue.user_group_names(user)
    rows = queue.queue_for_user(user=user, filters=filters, now=now, group_names=group_names)
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(line) for line in _csv_rows(rows, now)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="reviewbench-queue.csv"'
        return response
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    repositories, tiers = queue.queue_filter_choices(user=user)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "queue/queue.html",
        {
            "page": page,
            "rows": [_decorate(row, now) for row in page.object_list],
            "filters": filters,
            "repositories": repositories,
            "tiers": tiers,
            "states": queue.STATES,
            "sorts": queue.SORT_LABELS,
            "group_names": group_names,
            "query": query.urlencode(),
        },
    )


@require_GET
def queue_charts(request: HttpRequest) -> HttpResponse:
    """The 30-day charts, a fragment the queue page loads after itself (htmx, on load).

    They aggregate a month of history, which costs more than the queue itself; served apart,
    they never hold up the list a lead came for.
    """
    user = signed_in(request)
    now = timezone.now()
    rendered = [
        charts.svg_chart(queue.chart_queue_size(user=user, now=now)),
        charts.svg_chart(queue.chart_time_to_approval(user=user, now=now)),
        charts.svg_chart(queue.chart_sla_breaches(user=user, now=now)),
    ]
    return render(request, "queue/_charts.html", {"charts": rendered})
