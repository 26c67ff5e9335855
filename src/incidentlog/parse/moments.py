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

import msgspec

from incidentlog import events as ev
from incidentlog.parse import when
from incidentlog.parse.builder import Builder
from incidentlog.parse.source import Document
from incidentlog.parse.timeline import Clock
from incidentlog.vocabulary import (
    LIFECYCLE_WORDS,
    heading_role,
    may_name_a_moment,
    names_moment,
)

_KINDS = ("began", "resolved")
_LINK = r"\s*(?:,\s*)?(?:at|approx\.?|approximately|around|about|by|~|@)?\s*(?:at\s+)?(?:~\s*)?"


# A digit first (not after a digit, colon or dot: the look behind follows it), so the
# search skips to digits rather than trying the look behind at every character.
_CLOCK = re.compile(r"\d(?<![\d:.]\d)\d?(?:[:.]\d\d|\s*[ap]\.?m\b)", re.IGNORECASE)
_LINK_TAIL = re.compile(_LINK + r"\Z", re.IGNORECASE)
_GAPS = re.compile(r"[\s-]+")
_CACHE: dict[tuple[str, int], tuple[str, ...]] = {}


def _phrases(kind: str) -> tuple[str, ...]:
    """The moment's words, lower case, spaces and hyphens as one space."""
    key = (kind, len(LIFECYCLE_WORDS[kind]))  # a team's vocabulary adds words
    if key not in _CACHE:
        _CACHE[key] = tuple(_GAPS.sub(" ", w.lower()).strip() for w in LIFECYCLE_WORDS[kind])
    return _CACHE[key]


def _head(before: str) -> tuple[str, str]:
    """``before`` without its link ("at", "approx"), and that folded as phrases are (lower
    case, spaces and hyphens as one space): the same for every kind of moment."""
    # A link holds at most 17 characters that are not white space (", approximately at ~"):
    # when the last 30 characters hold more, the link starts among them, and the search
    # (which tries every place from its start) need not look further back.
    cut = len(before) - 30
    if cut > 0 and len("".join(before[cut:].split())) > 17:
        tail = _LINK_TAIL.search(before, cut)
    else:
        tail = _LINK_TAIL.search(before)  # all of the link is optional: it always matches
    head = before[:tail.start()] if tail else before
    return head, _GAPS.sub(" ", head.lower())


def _names_moment(before: str, phrases: tuple[str, ...],
                  heads: dict[str, tuple[str, str]] | None = None) -> int | None:
    """Where the moment's words start in ``before`` (the words just before a time, which
    end with them and a link such as "at" or "approx"), or ``None``. ``heads`` keeps each
    ``before``'s head for the next kind of moment looked for in the same document."""
    if heads is None:
        heads = {}
    if before not in heads:
        heads[before] = _head(before)
    head, folded = heads[before]
    if not folded.endswith(phrases):  # one test for all of them first: most end with none
        return None
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
    heads: dict[str, tuple[str, str]] = {}
    windows: list[list[tuple[str, int, int, int]]] = []  # found once, for either kind
    for kind in _KINDS:
        if any(_dates(row, kind) for row in builder.timeline):
            continue
        if not windows:
            windows.append(_windows(paragraphs))
        found = _first(clock, kind, windows[0], heads)
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


_INCIDENT_START = re.compile(
    r"^\W*(?:(?:date|time|date\s+and\s+time)\s+of\s+(?:the\s+)?(?:incident|outage)"
    r"|(?:incident|outage|impact)\s+(?:start(?:ed)?|began|start\s+time)|start\s+time)"
    r"\W*:\W*(?P<value>\S.*)$", re.IGNORECASE | re.MULTILINE)
"""A header line that says when the incident started (``**Date of Incident:** Wednesday 20th
September 2023, 14:32 UTC``, ``Incident start: 2024-01-16 09:10 PST``)."""


def stated_start(builder: Builder, clock: Clock, paragraphs: list[tuple[str, int]]) -> None:
    """A row where it began, from a header line giving the incident's date with a time of
    day, when no timeline row says where it began; a date alone says nothing."""
    if any(_dates(row, "began") for row in builder.timeline):
        return
    for text, first in paragraphs:
        if ":" not in text:
            continue
        for match in _INCIDENT_START.finditer(text):
            value = match["value"]
            clock_at = _CLOCK.search(value)
            if clock_at is None:
                continue
            dated = when.find_date(value[:clock_at.start()], clock.order)
            day = dated[0] if dated else clock.anchor or clock.day
            stamp = when.read_stamp(value, day=day, zone=clock.zone, order=clock.order,
                                    year_of=clock.anchor)
            if stamp is None or stamp.at is None:
                stamp = when.read_stamp(value[clock_at.start():], day=day, zone=clock.zone,
                                        order=clock.order, year_of=clock.anchor)
            if stamp is None or stamp.at is None:
                continue
            at = next((i for i, r in enumerate(builder.timeline) if isinstance(
                r, ev.TimelineEntryAdded) and r.occurred_at == stamp.at and r.marks is None),
                None)
            if at is not None:  # the timeline's entry at that minute is where it began
                builder.timeline[at] = msgspec.structs.replace(builder.timeline[at],
                                                               marks="began")
                return
            line = first + text.count("\n", 0, match.start())
            said = " ".join(match[0].split())
            builder.row(ev.TimelineEntryAdded(occurred_at=stamp.at, actor=builder.actor,
                                              text=said, marks="began",
                                              source=builder.src(line)))
            return


def _dates(row: ev.Event, kind: str) -> bool:
    if row.occurred_at is None:
        return False
    if kind == "began":
        return getattr(row, "marks", None) == "began"
    return isinstance(row, ev.Resolved)


def _windows(paragraphs: list[tuple[str, int]]) -> list[tuple[str, int, int, int]]:
    """Each time of day in the prose that has a lifecycle word in the 60 characters before
    it, in order: its paragraph, the paragraph's first line, where those characters start,
    and where the time starts."""
    out = []
    for text, first in paragraphs:
        # Each time of day, then the words just before it: most prose names no time, and
        # the moment's words are looked for only there.
        for clock_at in _CLOCK.finditer(text, 0, 20_000):
            start = clock_at.start()
            while start and text[start - 1].isdigit():
                start -= 1
            window = max(0, start - 60)
            if may_name_a_moment(text[window:start]):
                out.append((text, first, window, start))
    return out


def _first(clock: Clock, kind: str, windows: list[tuple[str, int, int, int]],
           heads: dict[str, tuple[str, str]]) -> tuple[datetime, str, int] | None:
    phrases = _phrases(kind)
    for text, first, window, start in windows:
        found = _names_moment(text[window:start], phrases, heads)
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


_OPENING = re.compile(r"(?:^|(?<=[.!?]\s)|(?<=\n))\W{0,3}(?:[*_]{2}[^*_\n]{1,40}[*_]{2}:?\s*)?"
                      r"(?P<on>on|at)\s+(?=\S)", re.IGNORECASE)
"""A sentence that opens with when it happened ("On May 9th 2021 at 6:48AM PDT, ...",
"At approximately 09:15 ... the user edited ...", after a run-in label such as
``__Initial Concerns__:``)."""
_OTHER_MOMENT = ("mitigated", "resolved")
_SEEN = re.compile(r"\b(?:alert(?:s|ed)?|alarms?|paged|notic\w*|report\w*|detect\w*|"
                   r"spotted|flagged|complain\w*|discover\w*|realis\w*|realiz\w*)\b",
                   re.IGNORECASE)
"""Words of a sentence that tells how it was seen: not where it began."""


def stated_opening(builder: Builder, clock: Clock, doc: Document) -> None:
    """The moment the summary's opening sentences date: a sentence of the summary (or of
    the introduction before any heading) that opens with a date and a time of day, then says
    what happened. Said with words of detection ("a user discovered ...") it dates the
    detection; said with none of detection, mitigation or resolution, it dates where it
    began, when no row says so and the time is not after the timeline's first. It marks the
    timeline's entry at that minute, or, in a report with no timed timeline, is a row of its
    own quoting the sentence; a timeline with no entry at that minute is left as written."""
    for text, first in _summary(doc):
        for match in _OPENING.finditer(text):
            stamp = when.read_stamp(text[match.end():match.end() + 120],
                                    day=clock.anchor or clock.day, zone=clock.zone,
                                    order=clock.order, year_of=clock.anchor)
            if stamp is None or stamp.at is None or (
                    match["on"].lower() == "on" and not stamp.has_date):
                continue
            end = text.find(". ", match.end())
            sentence = " ".join(text[match.start():end if end > 0 else len(text)].split())
            sentence = sentence.strip("*_ ")
            if names_moment(sentence, "detected"):
                kind = "detected"
            elif _SEEN.search(sentence) or any(
                    names_moment(sentence, k) for k in _OTHER_MOMENT):
                continue
            else:
                kind = "began"
            _mark(builder, kind, stamp.at, sentence, first + text.count("\n", 0, match.start()))
            return


def _summary(doc: Document) -> list[tuple[str, int]]:
    """The first paragraphs of the summary (or of what comes before any heading)."""
    found = []
    for section in doc.root.walk():
        if section.heading is not None and heading_role(section.heading) != "summary":
            continue
        found += [(doc.raw(b.start, b.end), b.start) for b in section.blocks
                  if b.type == "paragraph"][:3]
    return found


def _mark(builder: Builder, kind: str, at: datetime, sentence: str, line: int) -> None:
    timed = [(r.occurred_at, getattr(r, "marks", None)) for r in builder.timeline
             if r.occurred_at is not None]
    marked = [t for t, marks in timed if marks == kind]
    if marked and (kind == "began" or min(marked) <= at):
        return  # a row says so already (or an earlier detection)
    if kind == "began" and any(t < at for t, _ in timed):
        return  # the timeline shows something earlier: the sentence may not be the start
    row = next((i for i, r in enumerate(builder.timeline) if isinstance(
        r, ev.TimelineEntryAdded) and r.occurred_at == at and r.marks is None), None)
    if row is not None:
        builder.timeline[row] = msgspec.structs.replace(builder.timeline[row], marks=kind)
    elif not timed:
        builder.row(ev.TimelineEntryAdded(occurred_at=at, actor=builder.actor, text=sentence,
                                          marks=kind,  # type: ignore[arg-type]
                                          source=builder.src(line)))
