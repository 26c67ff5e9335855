"""Durations a report states in running text, as stated figures the checks compare.

Two shapes, each a general way of writing a figure:

- a figure's name followed by its value in a sentence, not as a label: "Total time to
  resolution approximately 49 minutes", "time to detect was 5 min";
- an amount of outage: "caused 40min of total outage", "20 minutes of downtime", and
  recovery in a time: "Recovery took ~20 minutes", "recovered itself in 20 minutes".

Every pattern is bounded, so no input makes one backtrack for long.
"""

from __future__ import annotations

import re

from incidentlog.parse.builder import Builder
from incidentlog.parse.source import Document
from incidentlog.parse.text import read_duration
from incidentlog.vocabulary import NUMBER_WORDS, heading_role

_NUMBER = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_VALUE = (rf"(?P<value>~?\s*{_NUMBER}\s*-?\s*(?:days?|hours?|hrs?|h|minutes?|mins?|m)\b"
          r"(?:\s*(?:and\s+)?\d+\s*(?:minutes?|mins?|m)\b)?|\d{1,3}h\s*\d{1,2}m\b)")
_ABOUT = r"(?:(?:approximately|approx\.?|about|around|roughly|just\s+over|just\s+under|" \
         r"nearly|almost|over|some|~)\s*)?"
# "\b(?:total\s+)?time" written to start with its first letter, in either case only (what
# "t" matches ignoring case): a search then skips to each "t" rather than trying every place.
_NAMED = re.compile(
    r"(?-i:[Tt])(?<!\w[Tt])(?:otal\s+t)?ime\s+to\s+(?P<what>resolution|resolve|recovery|recover|"
    r"repair|restore|mitigation|mitigate|detection|detect)\b\s*(?:was|is|of|:|=|-|\u2013)?\s*"
    + _ABOUT + _VALUE, re.IGNORECASE)
_FIGURE = {"resolution": "time_to_resolve_minutes", "resolve": "time_to_resolve_minutes",
           "recovery": "time_to_repair_minutes", "recover": "time_to_repair_minutes",
           "repair": "time_to_repair_minutes", "restore": "time_to_repair_minutes",
           "mitigation": "time_to_mitigate_minutes", "mitigate": "time_to_mitigate_minutes",
           "detection": "time_to_detect_minutes", "detect": "time_to_detect_minutes"}
_OUTAGE = re.compile(
    rf"(?<![\w.]){_ABOUT}{_VALUE}\s+of\s+(?:total\s+|complete\s+|full\s+)?(?:outage|downtime|"
    r"disruption|unavailability)\b", re.IGNORECASE)
_LASTED = re.compile(
    rf"\b(?:outage|downtime|disruption|unavailability|degradation|incident)\b[^.\n]{{0,40}}?"
    rf"\blast(?:ed|ing)\s+(?:for\s+)?{_ABOUT}{_VALUE}", re.IGNORECASE)
_BETWEEN = re.compile(rf"\bthe\s+time\s+(?:between|from)\b[^.]{{0,160}}?\b(?:took|was|lasted)"
                      rf"\s+{_ABOUT}{_VALUE}", re.IGNORECASE)
"""How long the outage lasted, said of it ("a complete outage lasting 45 minutes"), or the
time between two of its moments ("The time between the report and the verification took
approximately twenty-four hours")."""
_RECOVERY = re.compile(rf"\brecover(?:y|ed|s)?\b(?:\s+\w+){{0,2}}\s+(?:took|in)\s+{_ABOUT}{_VALUE}",
                       re.IGNORECASE)


_OUTAGE_WORDS = re.compile(r"outage|downtime|disruption|unavailability")


def _minutes(words: str) -> float | None:
    words = words.strip().lstrip("~").strip()
    amount = re.match(r"([a-z-]+)\s*(.*)$", words, re.IGNORECASE)
    if amount and amount[1].lower() in NUMBER_WORDS:
        words = f"{NUMBER_WORDS[amount[1].lower()]} {amount[2]}"
    return read_duration(words)


def stated_in_prose(builder: Builder, paragraphs: list[tuple[str, int]]) -> None:
    """Figures the report's prose ``paragraphs`` (each with its 0-based first line) state
    in running words, for those not stated already under a label."""
    have = {(f.figure, f.value) for f in builder.figures}
    prose_duration = any(f.figure == "duration_minutes" and not f.label
                         for f in builder.figures)
    outage: tuple[float, str, int] | None = None
    for text, first in paragraphs:
        low = text[:20_000].lower()
        # A cheap look for each shape's words first: most paragraphs state no figure.
        named = _NAMED.finditer(text[:20_000]) if "time to" in low else ()
        for match in named:
            figure = _FIGURE[match["what"].lower()]
            minutes = _minutes(match["value"])
            if minutes is None or (figure, minutes) in have:
                continue
            line = first + text.count("\n", 0, match.start())
            builder.figure(figure, minutes, match["value"].strip(), "", line)
            have.add((figure, minutes))
        found = None
        for word in _OUTAGE_WORDS.finditer(low) if outage is None else ():
            # The amount stands just before "of outage": looked for only there.
            found = _OUTAGE.search(text, max(0, word.start() - 60), word.end())
            if found:
                break
        if outage is None and found is None and "recover" in low:
            found = _RECOVERY.search(text[:20_000])
        if outage is None and found is None and ("lasted" in low or "lasting" in low
                                                  or "the time" in low):
            found = _LASTED.search(text[:20_000]) or _BETWEEN.search(text[:20_000])
        if outage is None and found and (minutes := _minutes(found["value"])) is not None:
            outage = minutes, found["value"].strip(), first + text.count("\n", 0, found.start())
    if outage is not None and not prose_duration:
        # A figure stated under a label too is checked against this one, not replaced (and
        # a label that says what the times derive anyway, as a rendered report's does, is
        # dropped: this one stays).
        builder.figure("duration_minutes", outage[0], outage[1], "", outage[2])


_NOT_PROSE = ("lessons", "went_well", "went_wrong", "lucky", "actions", "timeline")


def prose(doc: Document) -> list[tuple[str, int]]:
    """The paragraphs and lists of a report that state what happened (not its timeline,
    lessons or follow-ups, where a figure is a goal), each with its 0-based first line."""
    return [(_unquoted(doc.raw(block.start, block.end)) if block.type == "block_quote"
             else doc.raw(block.start, block.end), block.start) for section in doc.root.walk()
            if heading_role(section.heading or "") not in _NOT_PROSE
            for block in section.blocks if block.type in ("paragraph", "list", "block_quote")]


_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.MULTILINE)


def _unquoted(text: str) -> str:
    """A quoted summary's words without the ``>`` that starts each of its lines."""
    return _QUOTE.sub("", text)
