"""The leads' queue page, its charts fragment and its CSV export; thin over the selectors."""

from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from reviewbench import charts
from reviewbench.access.selectors import signed_in
from reviewbench.queue import selectors as queue
from reviewbench.queue.exports import csv_rows, decorate

PAGE_SIZE = 50


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
            (writer.writerow(line) for line in csv_rows(rows, now)),
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
            "rows": [decorate(row, now) for row in page.object_list],
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
