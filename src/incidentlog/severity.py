"""Severity scales as teams write them, each label kept as written with a normalised rank.

``P0``-``P5``, ``SEV0``-``SEV5`` (``SEV-2``, ``Sev 1``, ``S1``), ``Critical`` / ``Major`` /
``Minor`` / ``High`` / ``Medium`` / ``Low``: a record keeps the label its team uses, so a
team on SEV1-5 is not forced onto P0-P3. :func:`rank` puts every label on one scale for
comparing and sorting (0 is the most severe); a label with no rank is not a severity.
"""

from __future__ import annotations

import re

HOUSE = ("P0", "P1", "P2", "P3")
"""The house templates' scale."""

WORDS = {"critical": 0, "blocker": 0, "emergency": 0, "urgent": 0, "major": 1, "high": 1,
         "severe": 1, "medium": 2, "moderate": 2, "normal": 2, "minor": 3, "low": 3,
         "trivial": 4, "cosmetic": 4, "informational": 5, "info": 5, "none": 5,
         # status pages' levels (cState, Statuspage): how bad a component got
         "down": 0, "outage": 0, "major outage": 0, "partial outage": 1, "disrupted": 1,
         "degraded": 2, "degraded performance": 2, "notice": 4}
"""Severity words by rank."""

_CODE = re.compile(r"^(?P<kind>p|priority|sev(?:erity)?|s|level|l)\s*[-_ ]?\s*(?P<n>[0-5])$",
                   re.IGNORECASE)


def rank(label: str | None) -> int | None:
    """``P1``, ``SEV-1``, ``Sev 1``, ``S1``: 1; ``Critical``: 0; ``High``: 1; ``None`` for
    something that is not a severity. A label with a word after it (``P1-High``,
    ``SEV2 (Major)``) ranks by its code."""
    if not label:
        return None
    text = " ".join(label.strip().split())
    head = re.split(r"\s*(?:[-–—:(/,]|\s)\s*(?=[A-Za-z(])", text, maxsplit=1)[0]
    for candidate in (text, head):
        match = _CODE.match(candidate)
        if match:
            return int(match["n"])
        word = candidate.lower().rstrip(".")
        if word in WORDS:
            return WORDS[word]
    return None


def is_severity(label: str | None) -> bool:
    """True for a label :func:`rank` understands."""
    return rank(label) is not None
