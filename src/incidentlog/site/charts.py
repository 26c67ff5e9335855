"""Charts of metrics as SVG, drawn by matplotlib's SVG backend (no display, no pyplot).

Text stays text in the SVG (``svg.fonttype: none``): smaller files, and words a browser
can find. Output is reproducible: no date in the metadata, fixed ids. Every label that
came from a person is written with math parsing off, so ``$`` is only a dollar sign.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from incidentlog.audit import GroupStats, Metric

matplotlib.rcParams.update({
    "svg.fonttype": "none",
    "svg.hashsalt": "incidentlog",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
})

METRICS = (("mttd", "Time to detect"), ("mtta", "Time to acknowledge"),
           ("time_to_mitigate", "Time to mitigate"), ("mttr", "Time to resolve"))
MEDIAN, P90 = "#1f5fa8", "#d9822b"
_MONTH = re.compile(r"\d{4}-\d{2}")


def _svg(fig: Figure) -> str:
    FigureCanvasSVG(fig)
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _unit(values: Sequence[float | None]) -> tuple[str, float]:
    """Minutes, hours or days: whichever keeps the largest value readable."""
    top = max((v for v in values if v is not None), default=0.0)
    if top >= 3 * 1440:
        return "days", 1440.0
    if top >= 180:
        return "hours", 60.0
    return "minutes", 1.0


def _scaled(metric: Metric, attr: str, divisor: float) -> float:
    value = getattr(metric, attr)
    return float("nan") if value is None else value / divisor


def metric_panels(groups: Sequence[GroupStats], *, line: bool, title: str) -> str:
    """Four panels (detect, acknowledge, mitigate, resolve), median and p90 per group:
    lines for groups in time order (months), bars otherwise."""
    fig = Figure(figsize=(9.6, 5.6), layout="constrained")
    fig.suptitle(title, parse_math=False)
    labels = [g.group for g in groups]
    positions = list(range(len(groups)))
    every = max(1, len(groups) // 12)
    for n, (attr, name) in enumerate(METRICS):
        ax = fig.add_subplot(2, 2, n + 1)
        metrics = [getattr(g, attr) for g in groups]
        unit, divisor = _unit([m.p90_minutes for m in metrics])
        medians = [_scaled(m, "median_minutes", divisor) for m in metrics]
        p90s = [_scaled(m, "p90_minutes", divisor) for m in metrics]
        if line:
            ax.plot(positions, medians, marker="o", ms=3, color=MEDIAN, label="median")
            ax.plot(positions, p90s, marker="o", ms=3, ls="--", color=P90, label="p90")
        else:
            width = 0.4
            ax.bar([p - width / 2 for p in positions], medians, width, color=MEDIAN,
                   label="median")
            ax.bar([p + width / 2 for p in positions], p90s, width, color=P90, label="p90")
        ax.set_title(name, parse_math=False)
        ax.set_ylabel(unit)
        ax.set_ylim(bottom=0)
        ax.set_xticks(positions[::every], [_text(x) for x in labels[::every]],
                      rotation=30 if len(groups) > 4 else 0, ha="right" if len(groups) > 4
                      else "center")
        if not any(m.count for m in metrics):
            ax.set_yticks([])
            ax.text(0.5, 0.5, "no incident has these times", transform=ax.transAxes,
                    ha="center", color="#777", parse_math=False)
        if n == 0:
            ax.legend(frameon=False)
    return _svg(fig)


def counts(labels: Sequence[str], values: Sequence[int], *, title: str) -> str:
    """A bar chart of a count per group."""
    fig = Figure(figsize=(9.6, 2.8), layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    ax.bar(positions, values, color=MEDIAN)
    every = max(1, len(labels) // 16)
    ax.set_xticks(positions[::every], [_text(x) for x in labels[::every]],
                  rotation=30 if len(labels) > 6 else 0,
                  ha="right" if len(labels) > 6 else "center")
    ax.set_title(title, parse_math=False)
    ax.set_ylabel("incidents")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _svg(fig)


def month_range(months: Sequence[str]) -> list[str]:
    """Every month from the first to the last of ``months`` (``YYYY-MM``), gaps filled, so a
    time axis spaces months evenly however many had no incident."""
    known = sorted(m for m in months if _MONTH.fullmatch(m))
    if not known:
        return []
    year, month = int(known[0][:4]), int(known[0][5:])
    out = []
    while True:
        label = f"{year:04d}-{month:02d}"
        out.append(label)
        if label >= known[-1]:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _text(label: str, limit: int = 24) -> str:
    """A label as matplotlib should print it: short, ``$`` literal."""
    short = label if len(label) <= limit else label[: limit - 1] + "…"
    return short.replace("$", r"\$")
