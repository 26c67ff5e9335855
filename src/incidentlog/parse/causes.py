"""Why it happened: root causes, the five whys, trigger and contributing factors."""

from __future__ import annotations

import bisect
import itertools
import re
from typing import TYPE_CHECKING

import attrs

from incidentlog import events as ev
from incidentlog.parse.lists import Item, items
from incidentlog.parse.prose import paragraph_text
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    split_label,
    unparagraph,
)
from incidentlog.render.emit import unescape_inline
from incidentlog.vocabulary import (
    CAUSE_CUES,
    DETECTION_WORDS,
    FIGURE_WORDS,
    SEEKING_CAUSE,
    STRONG_CAUSE_CUES,
    THIS_CAUSED,
    UNKNOWN_CAUSE,
    WEAK_CAUSE_CUES,
    folded_pattern,
    heading_role,
)

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader


def five_whys(reader: Reader, s: Section) -> list[Block]:
    leftover = []
    for block in s.blocks:
        if block.type == "list" and (found := whys(reader, items(reader.doc, block))):
            reader.b.set_root(block.start, whys=found)
            continue
        pair = split_label(reader.raw(block)) if block.type == "paragraph" else None
        if pair and norm(pair[0]) == "root cause" and "\n" not in reader.raw(block):
            reader.b.set_root(block.start, summary=unparagraph(pair[1]))
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    if leftover:  # "**Immediate Cause**: ..." and "**Root Causes**:" a list, as B writes them
        leftover = why_it_happened(reader, attrs.evolve(s, blocks=leftover))
    return leftover


def whys(reader: Reader, lst: list[Item]) -> tuple[ev.Why, ...] | None:
    found = []
    for item in lst:
        question = re.fullmatch(r"\*\*(.+?)\*\*", item.text.strip())
        answer = re.fullmatch(r"[-*+]\s+(.+)", item.body.strip())
        if not item.ordered or not question or not answer:
            return None
        found.append(ev.Why(unescape_inline(question[1]), unescape_inline(answer[1])))
    return tuple(found)


def numbered_factors(reader: Reader, s: Section) -> list[Block]:
    leftover = []
    for block in s.blocks:
        lst = items(reader.doc, block) if block.type == "list" else []
        if lst and all(x.ordered and not x.body for x in lst):
            reader.b.set_root(block.start, contributing_factors=tuple(x.text for x in lst))
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    return leftover


def why_it_happened(reader: Reader, s: Section) -> list[Block]:
    leftover: list[Block] = []
    blocks = s.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        text = reader.raw(block)
        pair = split_label(text) if block.type == "paragraph" and "\n" not in text else None
        key = norm(pair[0]) if pair else ""
        if key == "immediate cause" and pair and pair[1]:
            reader.b.set_root(block.start, immediate_cause=unparagraph(pair[1]))
            if "summary" not in reader.b.root:
                reader.b.root["summary"] = unparagraph(pair[1])
            i += 1
            continue
        if key == "root cause" and pair and pair[1]:
            reader.b.set_root(block.start, summary=unparagraph(pair[1]))
            i += 1
            continue
        first = split_label(text.split("\n", 1)[0]) if block.type == "paragraph" else None
        if first and "\n" in text and norm(first[0]) == "root cause" and first[1] and \
                not reader.b.root.get("summary"):
            reader.b.set_root(block.start, summary=unparagraph(
                (first[1] + "\n" + text.split("\n", 1)[1]).strip()))
            i += 1
            continue
        if block.type == "paragraph" and re.fullmatch(r"\*\*Root Causes\*\*:\n(\d+\. .*\n?)+",
                                                      text):
            causes = [line.split(". ", 1)[1] for line in text.splitlines()[1:]]
            reader.b.set_root(block.start, causes=tuple(causes))
            i += 1
            continue
        labelled = reader.label_before_list(blocks, i)
        if labelled:
            key, after = labelled
            lst = items(reader.doc, after)
            plain = all(x.ordered and not x.body for x in lst)
            field = {"root causes": "causes", "contributing factors": "contributing_factors"}
            if key in field and plain and field[key] not in reader.b.root:
                reader.b.set_root(block.start, **{field[key]: tuple(x.text for x in lst)})
                i += 2
                continue
            if key == "five whys" and (found := whys(reader, lst)) and "whys" not in reader.b.root:
                reader.b.set_root(block.start, whys=found)
                i += 2
                continue
        leftover.append(block)
        i += 1
    return leftover


def root_cause(reader: Reader, s: Section) -> list[Block]:
    """Every prose paragraph under a root-cause heading states the cause, as written
    (``**Root cause**: ...`` labels too); lists, code and tables are kept as written."""
    b = reader.b
    if b.root.get("summary"):
        return list(s.blocks)
    taken: list[str] = []
    rest: list[Block] = []
    for block in s.blocks:
        text = paragraph_text(reader, block) if block.type == "paragraph" else ""
        pair = split_label(text.split("\n", 1)[0]) if text else None
        if not text or (pair and not pair[1]):
            if block.type != "thematic_break":
                rest.append(block)
            continue
        if pair:
            text = pair[1] + text[len(text.split("\n", 1)[0]):]
        taken.append(text.strip())
    lists = [x for x in rest if x.type == "list"]
    if not taken and len(lists) == 1 and not b.root.get("causes"):
        # A root-cause heading with only a list under it: each item is a cause.
        found = tuple(x.text for x in items(reader.doc, lists[0]) if x.text.strip())
        if found and all(not x.body for x in items(reader.doc, lists[0])):
            b.set_root(s.line, causes=found)
            return [x for x in rest if x is not lists[0]]
    if not taken:
        return rest
    b.set_root(s.line, summary="\n\n".join(taken))
    return rest


def contributing(reader: Reader, s: Section) -> list[Block]:
    """Each item of the first list (one line each) is a contributing factor."""
    if reader.b.root.get("contributing_factors"):
        return list(s.blocks)
    leftover = []
    for block in s.blocks:
        lst = items(reader.doc, block) if block.type == "list" else []
        if lst and all(not x.body for x in lst) and \
                not reader.b.root.get("contributing_factors"):
            reader.b.set_root(block.start, contributing_factors=tuple(x.text for x in lst))
            continue
        leftover.append(block)
    return leftover


# ------------------------------------------------------------------ the cause in prose

_NOT_NARRATIVE = frozenset({
    "timeline", "actions", "lessons", "went_well", "went_wrong", "lucky", "authors",
    "severity", "status", "date", "stats", "contributing", "references"})
"""Roles whose words are not the story of what went wrong (a timeline row that says
"caused by" is an event, an action item a plan)."""


_STORY = ("summary", "narrative", "root_cause", "trigger", None)
"""Roles of the units that tell what happened (``None``: under no heading that names one)."""


@attrs.frozen
class Unit:
    """A piece of a report's prose: what names it (heading or label), its role, its text."""

    role: str | None
    name: str
    text: str
    line: int
    labelled: bool = False
    """Named by a run-in label (``**Resolution**: ...``), not by a heading."""


def narrative(reader: Reader) -> list[Unit]:
    """The prose of the report in document order, each paragraph or list item one unit,
    with the role of the heading or run-in label it sits under (inherited from parents)."""
    units: list[Unit] = []
    summary = str(reader.b.declared.get("summary") or "")
    if summary:
        units.append(Unit("summary", "summary", summary, 0))

    def visit(section: Section, inherited: str | None) -> None:
        role = heading_role(section.heading or "") or inherited
        if section.heading is not None and role in _NOT_NARRATIVE:
            return
        over: str | None = None  # the role a label alone gives the list after it
        blocks = section.blocks
        for i, block in enumerate(blocks):
            if block.type == "paragraph":
                text = paragraph_text(reader, block)
                pair = split_label(text.split("\n", 1)[0])
                over = None
                if text.endswith(":") and not pair and i + 1 < len(blocks) and \
                        blocks[i + 1].type == "list":
                    # "the following issues were the root cause:" and the list of them
                    units.append(Unit(role, section.heading or "", text + "\n" + "\n".join(
                        x.text for x in items(reader.doc, blocks[i + 1])), block.start))
                    over = "taken"
                    continue
                if pair:
                    label_role = heading_role(pair[0])
                    if not pair[1] and "\n" not in text:
                        over = label_role or "label"
                    if label_role in _NOT_NARRATIVE or norm(pair[0]) in FIGURE_WORDS:
                        continue
                    text = (pair[1] + text[len(text.split("\n", 1)[0]):]).strip()
                    units.append(Unit(label_role or role, pair[0], text, block.start, True))
                elif text != summary:
                    units.append(Unit(role, section.heading or "", text, block.start))
            elif block.type == "list" and over not in (*_NOT_NARRATIVE, "taken"):
                for item in items(reader.doc, block):
                    pair = split_label(item.text) or _label_alone(item.text)
                    label_role = heading_role(pair[0]) if pair else None
                    if label_role == "detection" and pair and pair[1] and \
                            not DETECTION_WORDS.search(pair[1]):
                        label_role = "narrative"  # what was identified, not how
                    if label_role in _NOT_NARRATIVE or (pair and norm(pair[0]) in (
                            "key events", *FIGURE_WORDS)):
                        continue
                    first = pair[1] if pair else item.text
                    for n, text in enumerate([first, *_bullets(item.body)]):
                        plain = _PLAIN_LABEL.match(text) if n else None
                        own = heading_role(plain[1]) if plain else None
                        if not text or own in _NOT_NARRATIVE:
                            continue
                        if plain and own:  # "- **Resolution**: ..." nested under a label
                            units.append(Unit(own, plain[1], text[plain.end():].strip(),
                                              item.line + 1, True))
                            continue
                        units.append(Unit(label_role or role, pair[0] if pair else "", text,
                                          item.line + (n > 0), bool(pair)))
        for child in section.children:
            visit(child, role)

    visit(reader.doc.root, None)
    return [u for u in units if u.text]


_PLAIN_LABEL = re.compile(r"^\**([A-Za-z][A-Za-z /]{0,30}?)\**:\s")


def _bullets(body: str) -> list[str]:
    """The nested bullets of a list item's body, each with its wrapped lines joined (code,
    tables and quotes left out)."""
    found: list[str] = []
    fence = False
    for line in body.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            fence = not fence
            continue
        if fence or not stripped or stripped.startswith(("|", ">", "<")):
            continue
        if _MARKER.match(line) or not found:
            found.append(_MARKER.sub("", line).strip())
        else:
            found[-1] += " " + stripped
    return found


_LABEL_ALONE = re.compile(r"^\*\*(?P<label>[^*\n]{1,80}?):?\*\*:?$")


def _label_alone(text: str) -> tuple[str, str] | None:
    found = _LABEL_ALONE.match(text.strip())
    return (found["label"], "") if found else None


_MARKER = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'`*_\[])")


def sentences(text: str) -> list[str]:
    """The sentences of a unit's text, white space collapsed, as written."""
    return [s.strip() for s in _SENTENCE.split(" ".join(text.split())) if s.strip()]


def from_prose(reader: Reader, units: list[Unit]) -> None:
    """The root cause no section or label states, as a careful reader finds it: the
    sentence that says why ("was caused by", "the cause of", "due to"; with the sentence
    before it when it begins "This caused"), else the report's account of what went wrong
    (its summary, context or analysis) when that is all the report says about it. A cause
    the report says is unknown is no cause."""
    b = reader.b
    house = _house_made(reader)
    if b.root.get("summary") and not house:
        _summary_says_why(reader, units)
    if any(b.root.get(k) for k in ("summary", "causes", "immediate_cause", "whys")):
        return
    if house:
        # Our own templates say the cause where they put it; a summary may say it too.
        found = _cue_sentence([u for u in units if u.role == "summary"], CAUSE_CUES)
        if found is not None:
            b.set_root(found[1], summary=found[0])
            b.root_inferred = True
        return
    # A row of a timeline told as bullets ("2023-07-25 15:20: Team found that ...") is an
    # event: its plainer cue words say what was seen then, not why it happened.
    story = [u for u in units if u.role in _STORY and not _DATED.match(u.text)]
    found = _cue_sentence(units, STRONG_CAUSE_CUES) or _cue_sentence(story, CAUSE_CUES) or \
        _cue_sentence(story, WEAK_CAUSE_CUES, weak=True) or _cue_sentence(units, CAUSE_CUES)
    account = _account(units)
    if found is not None and account is not None:
        # The sentence that says why, with the account it belongs to (or stands beside).
        found = account if found[0] in " ".join(account[0].split()) else (
            found[0] + "\n" + account[0], found[1])
    found = found or account
    if found is not None:
        text, line = found
        b.set_root(line, summary=text)
        b.root_inferred = True


_HOUSE_HEADINGS = frozenset({"executive summary", "impact assessment", "incident timeline",
                             "root cause analysis"})


def _house_made(reader: Reader) -> bool:
    """A report in one of our own templates: its header names the incident id, and it has
    the templates' headings."""
    return "incident_id" in reader.b.declared and any(
        norm(s.heading or "") in _HOUSE_HEADINGS for s in reader.doc.root.children[:1]
        for s in s.walk())


def _summary_says_why(reader: Reader, units: list[Unit]) -> None:
    """The summary's sentence that says why goes with a root cause stated elsewhere: the
    author's own short statement of the cause ("... failed due to a change that ...")."""
    b = reader.b
    story = [u for u in units if u.role == "summary"]
    found = _cue_sentence(story, STRONG_CAUSE_CUES) or _cue_sentence(story, CAUSE_CUES) or \
        _cue_sentence(story, WEAK_CAUSE_CUES, weak=True)
    stated = str(b.root["summary"])
    if found is not None and found[0] not in " ".join(stated.split()):
        b.root["summary"] = found[0] + "\n\n" + stated


def _cue_sentence(units: list[Unit], cues: re.Pattern[str], *, weak: bool = False
                  ) -> tuple[str, int] | None:
    """The first sentence the cues find (with the one before it when it says "This
    caused"); a weak cue in a sentence that says how it was noticed does not count."""
    # One scan of all the prose finds the units worth splitting into sentences.
    starts = list(itertools.accumulate((len(u.text) + 1 for u in units), initial=0))
    seen = -1
    joined = "\n".join(u.text for u in units)
    lowered = joined.lower()
    scan = folded_pattern(cues).finditer(lowered) if len(lowered) == len(joined) else \
        cues.finditer(joined)
    for found in scan:
        n = bisect.bisect_right(starts, found.start()) - 1
        if n <= seen:
            continue
        seen = n
        said = sentences(units[n].text)
        for k, sentence in enumerate(said):
            if not cues.search(sentence) or UNKNOWN_CAUSE.search(sentence) or \
                    SEEKING_CAUSE.search(sentence) or (weak and DETECTION_WORDS.search(sentence)):
                continue
            if k and THIS_CAUSED.match(sentence):
                sentence = said[k - 1] + " " + sentence
            return sentence, units[n].line
    return None


_DATED = re.compile(r"^\W{0,3}(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[:.]\d{2}\b|\d{1,2}/\d{1,2}/)")

ACCOUNT_SENTENCES = 3
"""The fewest sentences of a summary that can stand for the cause (one line of what
happened is not an account of why)."""


def _account(units: list[Unit]) -> tuple[str, int] | None:
    """The report's own account of what went wrong: its summary, else the units it heads
    as context, background, analysis or findings."""
    for roles in (("summary",), ("narrative", "root_cause", "trigger")):
        taken = [u for u in units if u.role in roles]
        if taken:
            text = "\n".join(u.text for u in taken)
            if "summary" in roles and \
                    sum(max(1, len(sentences(u.text))) for u in taken) < ACCOUNT_SENTENCES:
                return None  # a line of what happened, not an account of why
            return text, taken[0].line
    return None
