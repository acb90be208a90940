"""Server-rendered SVG bar charts (no JavaScript): the shape of every chart's numbers and its
geometry. The queue's and the feedback pages' charts share it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Series:
    """One chart's numbers: a label per bar and, per bar, a value per stack key."""

    title: str
    unit: str
    labels: tuple[str, ...]
    keys: tuple[str, ...]
    values: tuple[tuple[float, ...], ...]  # values[bar][key]


@dataclass(frozen=True)
class SvgRect:
    x: float
    y: float
    width: float
    height: float
    key_index: int
    title: str


@dataclass(frozen=True)
class SvgChart:
    """A series laid out as stacked bars in a fixed viewBox; the template only draws it."""

    title: str
    width: int
    height: int
    rects: tuple[SvgRect, ...]
    labels: tuple[tuple[float, str], ...]
    keys: tuple[tuple[int, str], ...]
    maximum: float
    empty: bool = field(default=False)


def svg_chart(series: Series, *, width: int = 600, height: int = 180) -> SvgChart:
    """Geometry for stacked bars; labels stay text and are escaped by the template."""
    top, bottom = 10.0, 30.0
    plot = height - top - bottom
    totals = [sum(bar) for bar in series.values]
    maximum = max(totals, default=0.0)
    slot = width / max(len(series.labels), 1)
    rects: list[SvgRect] = []
    for index, bar in enumerate(series.values):
        y = top + plot
        for key_index, value in enumerate(bar):
            if value <= 0 or maximum <= 0:
                continue
            h = plot * value / maximum
            y -= h
            rects.append(
                SvgRect(
                    x=round(index * slot + slot * 0.15, 2),
                    y=round(y, 2),
                    width=round(slot * 0.7, 2),
                    height=round(h, 2),
                    key_index=key_index % 6,
                    title=f"{series.labels[index]} · {series.keys[key_index]}: "
                    f"{value:g} {series.unit}",
                )
            )
    step = max(1, len(series.labels) // 10)
    labels = tuple(
        (round(index * slot + slot / 2, 2), label)
        for index, label in enumerate(series.labels)
        if index % step == 0
    )
    return SvgChart(
        title=series.title,
        width=width,
        height=height,
        rects=tuple(rects),
        labels=labels,
        keys=tuple((index % 6, key) for index, key in enumerate(series.keys)),
        maximum=maximum,
        empty=maximum <= 0,
    )
