"""Stated figures: ``**Time to resolve**: 1h 48m`` lines and numbers written in impact text."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from incidentlog.parse.source import Block
from incidentlog.parse.text import (
    norm,
    read_duration,
    read_number,
    split_label,
)
from incidentlog.vocabulary import FIGURE_WORDS

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader


def figure_lines(reader: Reader, block: Block) -> bool:
    """``**Total Duration**: 27 minutes`` lines (all of the paragraph, or nothing)."""
    found = []
    for n in range(block.start, block.end):
        pair = split_label(reader.doc.lines[n])
        if pair is None:
            return False
        label, value = pair
        figure = FIGURE_WORDS.get(norm(label))
        text = value.split(" — stated as: ", 1)[-1]
        minutes = read_duration(text) if figure else None
        if figure is None or minutes is None:
            return False
        found.append((figure, minutes, text, label, n))
    for figure, minutes, text, label, n in found:
        reader.b.figure(figure, minutes, text, label, n)
    return True


def numbers_in(reader: Reader, text: str, line: int) -> None:
    """Counts, rates and SLO figures written in impact or supporting text."""
    lowered = text.lower()
    slo = re.search(r"slo:?\s*([\d.]+)%\s*\(target:?\s*([\d.]+)%\)", lowered)
    if slo:
        reader.b.set_impact(line, slo_actual=float(slo[1]), slo_target=float(slo[2]))
    if re.search(r"\bno slo breach\b|\bslo not breached\b", lowered):
        reader.b.figure("slo_breached", 0, text, "", line)
    elif re.search(r"\bslo breach(ed)?\b", lowered):
        reader.b.figure("slo_breached", 1, text, "", line)
    used = re.search(r"error budget consumed:?\s*([\d.]+)%", lowered)
    if used:
        reader.b.figure("error_budget_consumed_pct", float(used[1]), f"{used[1]}%", "", line)
    for figure, pattern in (("failed_requests", r"^failed requests:?\s*~?([\d,]+)\s*$"),
                            ("total_requests", r"^total requests[^:]*:\s*~?([\d,]+)\s*$"),
                            ("success_rate_pct", r"^success rate:?\s*([\d.]+)%\s*$")):
        match = re.match(pattern, lowered.strip())
        if match:
            value = read_number(match[1])
            if value is not None:
                reader.b.figure(figure, value, match[1], "", line)
