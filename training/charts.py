"""Server-rendered SVG charts: the geometry is worked out here, the template draws it.

No JavaScript: the SVG carries a title and description, and every chart is followed by the
same figures as a table, so screen readers, print and the PDF report all read them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.formats import date_format

from .reporting import TrendPoint

WIDTH = 640
HEIGHT = 220
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 28
GAP_DAYS = 3  # a longer gap between snapshots breaks the line


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Grid:
    y: float
    label: str


@dataclass
class MonthRow:
    month: datetime.date  # first of the month
    day: datetime.date  # the last snapshot in it
    percent: int | None
    compliant: int
    required: int


@dataclass
class LineChart:
    width: int = WIDTH
    height: int = HEIGHT
    segments: list[str] = field(default_factory=list)  # SVG polyline "x,y x,y" strings
    dots: list[tuple[float, float]] = field(default_factory=list)  # lone points
    grid: list[Grid] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    last: TrendPoint | None = None
    first_day: datetime.date | None = None
    months: list[MonthRow] = field(default_factory=list)
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_top: int = TOP
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return self.last is None


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def trend_chart(points: list[TrendPoint], *, today: datetime.date, days: int = 365) -> LineChart:
    """% compliant per day over the last `days` days, as polylines on a 0–100% scale, with a
    tick for each month and a table of the last snapshot of each month."""
    chart = LineChart()
    start = today - datetime.timedelta(days=days)
    span = (today - start).days or 1
    inner_w = chart.plot_right - chart.plot_left
    inner_h = chart.plot_bottom - chart.plot_top

    def x(day):
        return round(chart.plot_left + inner_w * (day - start).days / span, 1)

    def y(percent):
        return round(chart.plot_bottom - inner_h * percent / 100, 1)

    chart.grid = [Grid(y=y(p), label=f"{p}%") for p in (0, 25, 50, 75, 100)]
    month = _next_month(start)
    while month <= today:
        # Month names in the active language ("Jan", "Jan 2026" at the turn of a year).
        label = date_format(month, "M" if month.month != 1 else "M Y")
        chart.ticks.append(Tick(x=x(month), label=label))
        month = _next_month(month)

    plotted = [p for p in points if p.percent is not None and start < p.day <= today]
    run: list[TrendPoint] = []
    for point in [*plotted, None]:
        if point is not None and (not run or (point.day - run[-1].day).days <= GAP_DAYS):
            run.append(point)
            continue
        if len(run) == 1:
            chart.dots.append((x(run[0].day), y(run[0].percent)))
        elif run:
            chart.segments.append(" ".join(f"{x(p.day)},{y(p.percent)}" for p in run))
        run = [point] if point is not None else []
    if plotted:
        chart.last = plotted[-1]
        chart.first_day = plotted[0].day
    by_month: dict[datetime.date, TrendPoint] = {}
    for p in points:
        if start < p.day <= today:
            by_month[_first_of_month(p.day)] = p  # points come in date order: the last wins
    chart.months = [
        MonthRow(
            month=m,
            day=p.day,
            percent=None if p.percent is None else int(p.percent),
            compliant=p.compliant,
            required=p.required,
        )
        for m, p in sorted(by_month.items())
    ]
    return chart
