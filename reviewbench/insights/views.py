"""Insight pages: the leads' feedback numbers, and a repository's page with the instruction
files its confirmed findings write."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from findings.models import Repository
from reviewbench.access.selectors import repositories_for, repository_for_user, signed_in
from reviewbench.calibration.selectors import (
    CATCH_RATE_WINDOW,
    attempts_visible_to,
    catch_rate,
    exercises_active,
    may_see_all_attempts,
)
from reviewbench.charts import Series, SvgChart, svg_chart
from reviewbench.insights.calibration import (
    CSV_HEADER as CALIBRATION_CSV_HEADER,
)
from reviewbench.insights.calibration import (
    calibration_chart,
    calibration_csv_rows,
    calibration_request,
    class_rows,
    weekly_rates,
)
from reviewbench.insights.feedback import (
    CSV_HEADER,
    DIMENSIONS,
    Feedback,
    FeedbackError,
    feedback_csv_rows,
    feedback_request,
)
from reviewbench.insights.instructions import FORMATS, instruction_file
from reviewbench.insights.selectors import recurring_classes, usage_boundaries
from reviewbench.text import csv_cell, one_line

CHART_ROWS = 15


@login_required
@require_GET
def repository_page(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    """The repository's recurring confirmed classes, and its instruction files: shown as a
    preview, or downloaded with ?download=<format>."""
    repository = repository_for_user(user=request.user, owner=owner, name=name)
    classes = recurring_classes(repository)
    boundaries = usage_boundaries(repository)
    wanted = request.GET.get("download", "")
    if wanted:
        if wanted not in FORMATS:
            return HttpResponse(
                f"Unknown format; choose one of {', '.join(FORMATS)}.\n",
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        text = instruction_file(
            repository=repository.full_name,
            classes=classes,
            boundaries=boundaries,
            file_format=wanted,
        )
        response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
        filename = FORMATS[wanted].rsplit("/", 1)[-1]
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    preview_format = request.GET.get("format", "agents")
    if preview_format not in FORMATS:
        preview_format = "agents"
    preview = instruction_file(
        repository=repository.full_name,
        classes=classes,
        boundaries=boundaries,
        file_format=preview_format,
    )
    return render(
        request,
        "insights/repository.html",
        {
            "repository": repository,
            "owner": owner,
            "name": name,
            "classes": classes,
            "boundaries": boundaries,
            "formats": FORMATS,
            "preview_format": preview_format,
            "preview": preview,
        },
    )


def _csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A CSV attachment whose cells never run as spreadsheet formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([csv_cell(cell) for cell in cells])
    return response


def _feedback_chart(feedback: Feedback) -> SvgChart:
    shown = feedback.rows[:CHART_ROWS]
    return svg_chart(
        Series(
            title=f"Findings by {DIMENSIONS[feedback.dimension].lower()} and triage",
            unit="findings",
            labels=tuple(one_line(row.key, 18) for row in shown),
            keys=("confirmed", "false positive", "accepted risk", "open"),
            values=tuple(
                (row.confirmed, row.false_positive, row.accepted_risk, row.open) for row in shown
            ),
        ),
        width=800,
    )


@login_required
@require_GET
def feedback_page(request: HttpRequest) -> HttpResponse:
    """Leads' feedback numbers; `?format=csv` downloads the table."""
    try:
        feedback = feedback_request(request.user, request.GET)
    except FeedbackError as error:
        return HttpResponseBadRequest(f"{error}\n", content_type="text/plain; charset=utf-8")
    if request.GET.get("format") == "csv":
        return _csv_download(
            f"feedback-{feedback.dimension}-{feedback.since}-{feedback.until}.csv",
            CSV_HEADER,
            feedback_csv_rows(feedback),
        )
    return render(
        request,
        "insights/feedback.html",
        {
            "feedback": feedback,
            "chart": _feedback_chart(feedback),
            "dimensions": DIMENSIONS,
            "dimension_label": DIMENSIONS[feedback.dimension],
            "repositories": list(
                repositories_for(request.user)
                .exclude(source=Repository.Source.CALIBRATION)
                .values_list("full_name", flat=True)
            ),
            "repository": request.GET.get("repository", "")[:300],
            "query": request.GET.urlencode(),
        },
    )


MY_ATTEMPTS_SHOWN = 50


@login_required
@require_GET
def calibration_page(request: HttpRequest) -> HttpResponse:
    """The exercise library (start an attempt), the user's attempts, and catch rates per reviewer
    and class over a period (leads see every reviewer); `?format=csv` downloads the rates."""
    user = signed_in(request)
    try:
        numbers = calibration_request(user, request.GET)
    except FeedbackError as error:
        return HttpResponseBadRequest(f"{error}\n", content_type="text/plain; charset=utf-8")
    if request.GET.get("format") == "csv":
        return _csv_download(
            f"calibration-{numbers.since}-{numbers.until}.csv",
            CALIBRATION_CSV_HEADER,
            calibration_csv_rows(numbers),
        )
    return render(
        request,
        "insights/calibration.html",
        {
            "numbers": numbers,
            "chart": calibration_chart(numbers),
            "weekly": weekly_rates(numbers),
            "class_table": class_rows(numbers),
            "exercises": list(exercises_active()),
            "attempts": list(attempts_visible_to(user).filter(user=user)[:MY_ATTEMPTS_SHOWN]),
            "my_rate": catch_rate(user),
            "window": CATCH_RATE_WINDOW,
            "sees_all": may_see_all_attempts(user),
            "query": request.GET.urlencode(),
        },
    )
