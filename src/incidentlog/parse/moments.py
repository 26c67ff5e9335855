"""Lifecycle moments a report states in running text: a moment's words, then its time.

"Prometheus went down approx 16:03", "the outage began at 9:12 PM PST", "service was fully
restored at 18:46": when no row of the timeline dates that moment, the sentence does. The
row it becomes quotes the sentence and carries its line, so a reader sees why. Only the
words of a moment (``vocabulary.LIFECYCLE_WORDS``) followed within a few words by a time
count; a time elsewhere in the sentence is not taken for the moment's.
"""

from __future__ import annotations

import re
from datetime import datetime

from incidentlog import events as ev
from incidentlog.parse import when
from incidentlog.parse.builder import Builder
from incidentlog.parse.timeline import Clock
from incidentlog.vocabulary import LIFECYCLE_WORDS

_KINDS = ("began", "resolved")
_LINK = r"\s*(?:,\s*)?(?:at|approx\.?|approximately|around|about|by|~|@)?\s*(?:at\s+)?(?:~\s*)?"


def _pattern(kind: str) -> re.Pattern[str]:
    words = "|".join(re.escape(w).replace(r"\ ", r"[\s-]+")
                     for w in sorted(LIFECYCLE_WORDS[kind], key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{words})(?![\w-]){_LINK}(?=\d{{1,2}}[:.]\d{{2}}|\d{{1,2}}"
                      rf"\s*[ap]\.?m\b)", re.IGNORECASE)


_CACHE: dict[tuple[str, int], re.Pattern[str]] = {}


def _compiled(kind: str) -> re.Pattern[str]:
    key = (kind, len(LIFECYCLE_WORDS[kind]))  # a team's vocabulary adds words
    if key not in _CACHE:
        _CACHE[key] = _pattern(kind)
    return _CACHE[key]


def stated_moments(builder: Builder, clock: Clock, paragraphs: list[tuple[str, int]]) -> None:
    """Rows for the moments (began, resolved) the prose dates and no timeline row does."""
    for kind in _KINDS:
        if any(_dates(row, kind) for row in builder.timeline):
            continue
        found = _first(clock, kind, paragraphs)
        if found is None:
            continue
        at, sentence, line = found
        source = builder.src(line)
        if kind == "began":
            builder.row(ev.TimelineEntryAdded(occurred_at=at, actor=builder.actor,
                                              text=sentence, marks="began", source=source))
        else:
            builder.row(ev.Resolved(occurred_at=at, actor=builder.actor, note=sentence,
                                    source=source))


def _dates(row: ev.Event, kind: str) -> bool:
    if row.occurred_at is None:
        return False
    if kind == "began":
        return getattr(row, "marks", None) == "began"
    return isinstance(row, ev.Resolved)


def _first(clock: Clock, kind: str, paragraphs: list[tuple[str, int]]
           ) -> tuple[datetime, str, int] | None:
    pattern = _compiled(kind)
    for text, first in paragraphs:
        for match in pattern.finditer(text[:20_000]):
            stamp = when.read_stamp(text[match.end():match.end() + 80],
                                    day=clock.anchor or clock.day, zone=clock.zone,
                                    order=clock.order, year_of=clock.anchor)
            if stamp is None or stamp.at is None:
                continue
            start = max(text.rfind(".", 0, match.start()), text.rfind("\n", 0, match.start()))
            end = text.find(".", match.end() + 1)
            sentence = " ".join(text[start + 1:end if end > 0 else len(text)].split())
            sentence = sentence.lstrip("-*+ ").strip()
            return stamp.at, sentence, first + text.count("\n", 0, match.start())
    return None
