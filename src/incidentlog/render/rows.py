"""Timeline rows: what each row of a report's timeline is, and how its kind is written.

A row is a timeline entry or a lifecycle moment (declared, mitigated, resolved...). Readers
of a legacy report tell them apart by their words ("Incident resolved"); :func:`classify`
is that reading, shared by the renderer and the importer. When a row's words would be read
as another kind than it is, the renderer names its kind after them, in italics
(``Rolled back *(mitigated)*``), so a rendered report always imports back to the same
incident. Words that themselves end like such a name get one too, so only the last is read
as a marker. Reports written before this form used an HTML comment (``<!--mitigated-->``),
which a terminal shows as is; both are read.
"""

from __future__ import annotations

import re
from datetime import datetime

import attrs

from incidentlog.incident import Incident
from incidentlog.render.emit import cell
from incidentlog.vocabulary import classify

__all__ = ["KINDS", "Row", "classify", "split_marker", "timeline_rows"]

KINDS = ("entry", "began", "detected", "acknowledged", "declared", "mitigated", "resolved",
         "closed", "reopened", "severity")
"""Row kinds; ``status:<status>`` rows exist too."""

_KIND = r"(entry|began|detected|acknowledged|declared|mitigated|resolved|closed|reopened|" \
        r"severity|status: ?[a-z_]+)"
_MARKER = re.compile(rf"\s*(?:\*\({_KIND}\)\*|<!--\s*{_KIND}\s*-->)\s*$")
"""A row's kind named after its words: ``*(mitigated)*``, or an older report's comment."""


def split_marker(text: str) -> tuple[str, str]:
    """A row's words and its kind: from its marker when it has one, else :func:`classify`."""
    # Every marker holds "*(" or "<!--": most rows have neither, and the search, which
    # tries every place of the text, is skipped for them.
    match = _MARKER.search(text) if "*(" in text or "<!--" in text else None
    if match:
        kind = (match.group(1) or match.group(2)).replace(": ", ":")
        return text[: match.start()].rstrip(), kind
    return text, classify(text)


def marker(kind: str) -> str:
    """How a row's kind is named after its words."""
    return f"*({kind.replace(':', ': ')})*"


@attrs.frozen
class Row:
    """One line of a timeline."""

    at: datetime | None
    text: str
    who: str
    kind: str
    version: int

    @property
    def written(self) -> str:
        """The row's words as a table cell, with their kind named if they alone would be
        read as another kind (or end like a kind's name themselves)."""
        text = cell(self.text)
        if classify(self.text) == self.kind and not _MARKER.search(text):
            return text
        return f"{text} {marker(self.kind)}"


_TAG_KIND = {"declared": "declared", "mitigated": "mitigated", "resolved": "resolved",
             "closed": "closed", "reopened": "reopened", "severity_changed": "severity"}
_DEFAULT_TEXT = {"began": "Fault began", "detected": "Incident detected",
                 "acknowledged": "Incident acknowledged", "declared": "Incident declared",
                 "mitigated": "Incident mitigated", "resolved": "Incident resolved",
                 "closed": "Incident closed"}


def timeline_rows(incident: Incident) -> list[Row]:
    """Every row of the incident's timeline in time order.

    An entry of unknown time stays after the one recorded before it. A lifecycle time that no
    row shows (a detection given only in the declaration, say) gets a row of its own.
    """
    rows = []
    for entry in incident.timeline:
        if entry.kind == "timeline_entry":
            kind = entry.marks or "entry"
        elif entry.kind == "status_changed":
            kind = "status:" + _status_at(incident, entry.version)
        else:
            kind = _TAG_KIND.get(entry.kind, "entry")
        rows.append(Row(entry.at, entry.text or _DEFAULT_TEXT.get(kind, ""), entry.who, kind,
                        entry.version))
    shown = {(r.kind, r.at) for r in rows}
    for kind in ("began", "detected", "acknowledged", "declared", "mitigated", "resolved",
                 "closed"):
        at = getattr(incident, f"{kind}_at")
        if at is not None and (kind, at) not in shown:
            rows.append(Row(at, _DEFAULT_TEXT[kind], "", kind, 0))
    return _in_time_order(rows)


def _status_at(incident: Incident, version: int) -> str:
    return next((s for v, s in incident.status_history if v == version), "investigating")


def _in_time_order(rows: list[Row]) -> list[Row]:
    keyed = []
    floor: datetime | None = None
    for i, row in enumerate(sorted(rows, key=lambda r: r.version)):
        if row.at is not None:
            floor = row.at
        keyed.append((row.at or floor, i, row))
    known = [k for k in keyed if k[0] is not None]
    unknown_first = [k for k in keyed if k[0] is None]
    known.sort(key=lambda k: (k[0], k[1]))
    return [row for _, _, row in unknown_first] + [row for _, _, row in known]
