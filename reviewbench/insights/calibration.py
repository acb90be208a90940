"""The leads' calibration numbers: each reviewer's catch rate per class of planted flaw and per
week, over a period, for the page, its CSV and the API. The calibration room counts; this module
shapes the request and the answer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from reviewbench.calibration.library import flaw_classes
from reviewbench.calibration.selectors import CalibrationNumbers, calibration_numbers
from reviewbench.charts import Series, SvgChart, svg_chart
from reviewbench.insights.feedback import period_from

CALIBRATION_DAYS = 90
CSV_HEADER = ("reviewer", "class", "caught", "planted", "catch rate")


def calibration_request(
    user: User | AnonymousUser, params: Mapping[str, str]
) -> CalibrationNumbers:
    """The numbers a page or API request asks for: `since`/`until` (default: the last 90 days);
    raises FeedbackError for a bad period."""
    since, until = period_from(params, days=CALIBRATION_DAYS)
    return calibration_numbers(user, since=since, until=until)


def _rate(caught: int, total: int) -> float | None:
    return round(caught / total, 3) if total else None


def calibration_document(numbers: CalibrationNumbers) -> dict[str, Any]:
    """The numbers as JSON: per reviewer, overall, per class and per week."""
    return {
        "since": numbers.since.isoformat(),
        "until": numbers.until.isoformat(),
        "classes": [
            {"class": name, "title": flaw_classes().get(name, name)} for name in numbers.classes
        ],
        "reviewers": [
            {
                "username": row.username,
                "attempts": row.attempts,
                "caught": row.caught,
                "planted": row.total,
                "catch_rate": _rate(row.caught, row.total),
                "by_class": [
                    {
                        "class": name,
                        "caught": caught,
                        "planted": total,
                        "catch_rate": _rate(caught, total),
                    }
                    for name, (caught, total) in row.by_class.items()
                ],
                "by_week": [
                    {
                        "week": week.isoformat(),
                        "caught": caught,
                        "planted": total,
                        "catch_rate": _rate(caught, total),
                    }
                    for week, (caught, total) in sorted(row.by_week.items())
                ],
            }
            for row in numbers.reviewers
        ],
    }


def calibration_csv_rows(numbers: CalibrationNumbers) -> Iterator[tuple[object, ...]]:
    for row in numbers.reviewers:
        for name, (caught, total) in row.by_class.items():
            yield (row.username, name, caught, total, _rate(caught, total))
        yield (row.username, "all", row.caught, row.total, _rate(row.caught, row.total))


def calibration_chart(numbers: CalibrationNumbers) -> SvgChart:
    """Planted flaws caught and missed per week, every visible reviewer together."""
    caught = dict.fromkeys(numbers.weeks, 0)
    planted = dict.fromkeys(numbers.weeks, 0)
    for row in numbers.reviewers:
        for week, (week_caught, week_total) in row.by_week.items():
            if week in caught:
                caught[week] += week_caught
                planted[week] += week_total
    return svg_chart(
        Series(
            title="Planted flaws caught and missed per week",
            unit="flaws",
            labels=tuple(week.strftime("%d %b") for week in numbers.weeks),
            keys=("caught", "missed"),
            values=tuple((caught[week], planted[week] - caught[week]) for week in numbers.weeks),
        ),
        width=800,
    )


def weekly_rates(numbers: CalibrationNumbers) -> list[dict[str, Any]]:
    """Per reviewer, their catch rate in each week of the period (None: no attempt that week)."""
    return [
        {
            "username": row.username,
            "weeks": [_rate(*row.by_week.get(week, (0, 0))) for week in numbers.weeks],
        }
        for row in numbers.reviewers
    ]


def class_rows(numbers: CalibrationNumbers) -> list[dict[str, Any]]:
    """Per reviewer, (caught, planted) in each class of the period, in `numbers.classes` order
    (None where the reviewer met no flaw of the class)."""
    return [
        {
            "row": row,
            "cells": [
                tuple(row.by_class[name]) if name in row.by_class else None
                for name in numbers.classes
            ],
        }
        for row in numbers.reviewers
    ]
