"""The leads' queue page, its charts fragment and its CSV export; thin over the selectors."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from findings.models import Revision
from reviewbench import charts
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


def _decorate(row: Revision, now: datetime) -> Revision:
    row.age_hours = _hours((now - row.ready_at).total_seconds())  # type: ignore[attr-defined]
    deadline = row.sla_deadline  # type: ignore[attr-defined]
    row.sla_remaining_hours = (  # type: ignore[attr-defined]
        None if deadline is None else _hours((deadline - now).total_seconds())
    )
    row.state = (  # type: ignore[attr-defined]
        "failing" if row.failing else "breached" if row.breached else "awaiting"  # type: ignore[attr-defined]
    )
    return row


def _csv_rows(rows, now: datetime) -> Iterator[list[object]]:  # type: ignore[no-untyped-def]
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
def queue_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    filters = queue.QueueFilters.from_query(request.GET)
    group_names = queue.user_group_names(request.user)
    rows = queue.queue_for_user(
        user=request.user, filters=filters, now=now, group_names=group_names
    )
    if request.GET.get("format") == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(line) for line in _csv_rows(rows, now)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="reviewbench-queue.csv"'
        return response
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    repositories, tiers = queue.queue_filter_choices(user=request.user)
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
    now = timezone.now()
    rendered = [
        charts.svg_chart(queue.chart_queue_size(user=request.user, now=now)),
        charts.svg_chart(queue.chart_time_to_approval(user=request.user, now=now)),
        charts.svg_chart(queue.chart_sla_breaches(user=request.user, now=now)),
    ]
    return render(request, "queue/_charts.html", {"charts": rendered})
