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
from incidentlog.vocabulary import LIFECYCLE_WORDS, may_name_a_moment

_KINDS = ("began", "resolved")
_LINK = r"\s*(?:,\s*)?(?:at|approx\.?|approximately|around|about|by|~|@)?\s*(?:at\s+)?(?:~\s*)?"


_CLOCK = re.compile(r"(?<![\d:.])\d{1,2}(?:[:.]\d\d|\s*[ap]\.?m\b)", re.IGNORECASE)
_LINK_TAIL = re.compile(_LINK + r"\Z", re.IGNORECASE)
_GAPS = re.compile(r"[\s-]+")
_CACHE: dict[tuple[str, int], tuple[str, ...]] = {}


def _phrases(kind: str) -> tuple[str, ...]:
    """The moment's words, lower case, spaces and hyphens as one space."""
    key = (kind, len(LIFECYCLE_WORDS[kind]))  # a team's vocabulary adds words
    if key not in _CACHE:
        _CACHE[key] = tuple(_GAPS.sub(" ", w.lower()).strip() for w in LIFECYCLE_WORDS[kind])
    return _CACHE[key]


def _names_moment(before: str, phrases: tuple[str, ...]) -> int | None:
    """Where the moment's words start in ``before`` (the words just before a time, which
    end with them and a link such as "at" or "approx"), or ``None``."""
    tail = _LINK_TAIL.search(before)  # all of the link is optional: it always matches
    head = before[:tail.start()] if tail else before
    folded = _GAPS.sub(" ", head.lower())
    for phrase in phrases:
        if folded.endswith(phrase):
            at = len(folded) - len(phrase)
            if at == 0 or not (folded[at - 1].isalnum() or folded[at - 1] in "_-"):
                # Back to a place in ``head``: as many words from its end as the phrase has.
                words = len(phrase.split())
                parts = list(re.finditer(r"[^\s-]+", head))
                return parts[-words].start() if len(parts) >= words else 0
    return None


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
    phrases = _phrases(kind)
    for text, first in paragraphs:
        # Each time of day, then the words just before it: most prose names no time, and
        # the moment's words are looked for only there.
        for clock_at in _CLOCK.finditer(text, 0, 20_000):
            start = clock_at.start()
            while start and text[start - 1].isdigit():
                start -= 1
            window = max(0, start - 60)
            if not may_name_a_moment(text[window:start]):
                continue
            found = _names_moment(text[window:start], phrases)
            if found is None:
                continue
            said = window + found
            stamp = when.read_stamp(text[start:start + 80],
                                    day=clock.anchor or clock.day, zone=clock.zone,
                                    order=clock.order, year_of=clock.anchor)
            if stamp is None or stamp.at is None:
                continue
            begin = max(text.rfind(".", 0, said), text.rfind("\n", 0, said))
            end = text.find(".", start + stamp.end)
            sentence = " ".join(text[begin + 1:end if end > 0 else len(text)].split())
            sentence = sentence.lstrip("-*+ ").strip()
            return stamp.at, sentence, first + text.count("\n", 0, said)
    return None
