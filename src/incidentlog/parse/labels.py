"""Run-in labels written without bold: ``- Resolution: the release was rolled back``.

Teams that keep a report's header as plain ``- Label: value`` bullets (a Google SRE
template typed into Markdown) name its parts there as others do with ``**Resolution**:``.
A plain label counts only when it names a part of a report, so a sentence with a colon
("Note: ...", "Update: ...") stays a sentence.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from incidentlog.vocabulary import NOT_REPORT_ROLES, heading_role

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader
    from incidentlog.parse.prose_units import Unit

_NAMES_CAUSE = re.compile(r"\b(?:causes?|triggers?|triggered by)\b", re.IGNORECASE)
"""A label that names the cause itself (not ``Analysis``, whose role is read more loosely)."""
_PLAIN = re.compile(r"^([A-Za-z][A-Za-z /&-]{0,40}?)\s*:\s+(\S.*)$", re.DOTALL)


def plain_pair(text: str) -> tuple[str, str] | None:
    """``(label, value)`` for any ``Label: value`` whose label is four words at most; the
    caller decides whether the label names something it reads."""
    found = _PLAIN.match(text.strip())
    if found is None or len(found[1].split()) > 4:
        return None
    return found[1].strip(), found[2].strip()


def plain_label(text: str) -> tuple[str, str] | None:
    """``(label, value)`` for ``Label: value`` whose label (four words at most) names a part
    of a report, else ``None``."""
    pair = plain_pair(text)
    if pair is None:
        return None
    role = heading_role(pair[0])
    if role is None or role in NOT_REPORT_ROLES:
        return None
    return pair


def root_from_labels(reader: Reader, units: list[Unit]) -> None:
    """A root cause no section states, from a run-in label in a list (``- Root Causes:
    ...``, ``- **Trigger**: ...``): the author's own statement, not an inference."""
    b = reader.b
    if any(b.root.get(k) for k in ("summary", "causes", "immediate_cause", "whys")):
        return
    named = [u for u in units if u.labelled and u.text and _NAMES_CAUSE.search(u.name)]
    said = next((u for u in named if heading_role(u.name) == "root_cause"), None) or next(
        (u for u in named if heading_role(u.name) == "trigger"), None)
    if said is not None:
        b.set_root(said.line, summary=said.text)
