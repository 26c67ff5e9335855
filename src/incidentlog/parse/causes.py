"""Why it happened: root causes, the five whys, trigger and contributing factors."""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from incidentlog import events as ev
from incidentlog.parse.lists import Item, items
from incidentlog.parse.prose import paragraph_text
from incidentlog.parse.prose_units import STORY, asides, label_alone, sentences
from incidentlog.parse.prose_units import Unit as Unit
from incidentlog.parse.prose_units import narrative as narrative
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    split_label,
    unparagraph,
)
from incidentlog.render.emit import unescape_inline
from incidentlog.vocabulary import (
    CAUSE_CUES,
    CAUSE_FOUND,
    CAUSE_NOUNS,
    DETECTION_WORDS,
    HEDGED,
    NAMED_CAUSE_CUES,
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
    factors = _labelled_factors(reader, s)
    for block in s.blocks:
        if block in factors:
            continue
        text = paragraph_text(reader, block) if block.type == "paragraph" else ""
        pair = split_label(text.split("\n", 1)[0]) if text else None
        if not text or (pair and not pair[1]):
            if block.type != "thematic_break":
                rest.append(block)
            continue
        if pair:
            text = pair[1] + text[len(text.split("\n", 1)[0]):]
        if _only_unknown(text):  # "The cause is still unknown.": kept as written, no cause
            rest.append(block)
            continue
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


def _labelled_factors(reader: Reader, s: Section) -> list[Block]:
    """``**Contributing factors**:`` alone and the list after it, under a root-cause
    heading: each item (one line each) is a factor. The two blocks taken, or none."""
    blocks = s.blocks
    for i, block in enumerate(blocks[:-1]):
        if block.type != "paragraph" or blocks[i + 1].type != "list":
            continue
        text = reader.raw(block).strip()
        pair = split_label(text) or label_alone(text)
        if not pair or pair[1] or heading_role(pair[0]) != "contributing" or \
                reader.b.root.get("contributing_factors"):
            continue
        lst = items(reader.doc, blocks[i + 1])
        if lst and all(not x.body for x in lst):
            reader.b.set_root(block.start, contributing_factors=tuple(x.text for x in lst))
            return [block, blocks[i + 1]]
    return []


def _only_unknown(text: str) -> bool:
    """A paragraph that says the cause is not known and names none."""
    if not UNKNOWN_CAUSE.search(text):
        return False
    said = sentences(text)
    rest = [x for x in said if not UNKNOWN_CAUSE.search(x)]
    return len(rest) < len(said) and not any(
        CAUSE_CUES.search(x) or WEAK_CAUSE_CUES.search(x) for x in rest)


def contributing(reader: Reader, s: Section) -> list[Block]:
    """Under a contributing-factors heading, each item of the first list (one line each,
    numbered as template B writes them, or bulleted) is a factor; where the heading has
    only prose under it, each paragraph is one."""
    b = reader.b
    if b.root.get("contributing_factors"):
        return list(s.blocks)
    blocks = [x for x in s.blocks if x.type != "thematic_break"]
    for block in blocks:
        lst = items(reader.doc, block) if block.type == "list" else []
        if lst and all(not x.body for x in lst):
            b.set_root(block.start, contributing_factors=tuple(x.text for x in lst))
            return [x for x in blocks if x is not block]
    if blocks and all(x.type == "paragraph" for x in blocks):
        said = tuple(" ".join(paragraph_text(reader, x).split("\n")) for x in blocks)
        b.set_root(blocks[0].start, contributing_factors=said)
        return []
    return blocks


# ------------------------------------------------------------------ the cause in prose

def from_prose(reader: Reader, units: list[Unit]) -> None:
    """The root cause no section or label states, as a careful reader finds it: the
    sentence that names the cause outright ("the root cause is", "the primary cause of"),
    wherever the report makes it (a timeline row, a note under the action items); else the
    sentence of the report's story that says why, the surer cue first ("caused by", "due to"
    before "because"; with the sentence before it when it begins "This caused"); else what
    the report heads as its context or findings. A report that says its cause is unknown
    states none, and a summary that only tells what happened is not a cause."""
    b = reader.b
    house = _house_made(reader)
    if b.root.get("summary"):
        _summary_says_why(reader, units, house=house)
    if any(b.root.get(k) for k in ("summary", "causes", "immediate_cause", "whys")):
        return
    if house:
        # Our own templates say the cause where they put it; a summary may say it too.
        if _says_unknown(units):
            return
        found = _cue_sentence([u for u in units if u.role == "summary"], CAUSE_CUES)
        if found is not None:
            b.set_root(found[1], summary=found[0])
            b.root_inferred = True
        return
    # A row of a timeline told as bullets ("2023-07-25 15:20: Team found that ...") is an
    # event: its plainer cue words say what was seen then, not why it happened.
    story = [u for u in units if u.role in STORY and not _DATED.match(u.text)]
    told = [u for u in units if u.role not in (*STORY, "impact") and not _DATED.match(u.text)]
    others = asides(reader)
    labelled = next(((u.text, u.line) for u in others if u.labelled), None)
    found = _cue_sentence(story, NAMED_CAUSE_CUES, sure=True) or \
        _cue_sentence(story, NAMED_CAUSE_CUES) or labelled or \
        _announced([u for u in units if _DATED.match(u.text)] + others)
    aside = None if found else _cue_sentence(others, NAMED_CAUSE_CUES)
    if found is None and aside is None and _says_unknown(units + others):
        return
    # The surer cue first; the story before what the report says of the fix or impact.
    found = found or _cue_sentence(units, STRONG_CAUSE_CUES) or \
        _cue_sentence(story, CAUSE_CUES) or aside or \
        _cue_sentence(story, WEAK_CAUSE_CUES, weak=True) or _cue_sentence(told, CAUSE_CUES) or \
        _cue_sentence(told, WEAK_CAUSE_CUES, weak=True) or _cue_sentence(units, CAUSE_CUES)
    account = _account(units, alone=found is None)
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


def _summary_says_why(reader: Reader, units: list[Unit], *, house: bool) -> None:
    """The summary's sentences that say why go with a root cause stated elsewhere: the
    author's own short statement of the cause ("... failed due to a change that ..."; in
    our own templates, only one that names it: "The root cause was ...")."""
    b = reader.b
    story = [u for u in units if u.role == "summary"]
    if house:
        found = _cue_sentence(story, NAMED_CAUSE_CUES)
    else:
        found = _cue_sentence(story, STRONG_CAUSE_CUES, every=True) or \
            _cue_sentence(story, CAUSE_CUES, every=True) or \
            _cue_sentence(story, WEAK_CAUSE_CUES, weak=True, every=True)
    stated = str(b.root["summary"])
    if found is not None and found[0] not in " ".join(stated.split()):
        b.root["summary"] = found[0] + "\n\n" + stated


def _announced(units: list[Unit]) -> tuple[str, int] | None:
    """The cause a timeline row states after announcing it was found ("14:51 Explanation
    revealed. The password was changed as part of ..."; "Root cause identified: ...")."""
    for unit, said, k in _hits(units, CAUSE_FOUND):
        found = CAUSE_FOUND.search(said[k])
        after = said[k][found.end():].strip() if found else ""
        if len(after.split()) >= _FEWEST_WORDS:
            return after, unit.line
        if k + 1 < len(said):
            return said[k + 1], unit.line
    return None


_FEWEST_WORDS = 3
"""Fewest words after "Root cause identified:" that can state a cause."""


def _says_unknown(units: list[Unit]) -> bool:
    """Whether the report says its cause is not known ("The root cause is still unknown",
    or any such sentence under a root-cause heading)."""
    for unit, said, k in _hits(units, UNKNOWN_CAUSE):
        if unit.role in ("root_cause", "trigger") or CAUSE_NOUNS.search(said[k]):
            return True
    return False


def _hits(units: list[Unit], cues: re.Pattern[str]) -> Iterator[tuple[Unit, tuple[str, ...], int]]:
    """Each sentence the cues find, in document order: its unit, the unit's sentences and
    its index among them. One scan of all the prose finds the units worth splitting."""
    joined = "\n".join(u.text for u in units)
    lowered = joined.lower()
    needles = _NEEDLES.get(cues)
    if needles is not None and not any(x in lowered for x in needles):
        return  # none of the words every match holds: no need to scan
    starts = list(itertools.accumulate((len(u.text) + 1 for u in units), initial=0))
    seen = -1
    folded = len(lowered) == len(joined)
    if folded and needles is not None:
        scan = _within(starts, lowered, needles, folded_pattern(cues))
    else:
        scan = folded_pattern(cues).finditer(lowered) if folded else cues.finditer(joined)
    for found in scan:
        n = bisect.bisect_right(starts, found.start()) - 1
        if n <= seen:
            continue
        seen = n
        said = sentences(units[n].text)
        for k, sentence in enumerate(said):
            if cues.search(sentence):
                yield units[n], said, k


_NEEDLES: dict[re.Pattern[str], tuple[str, ...]] = {
    NAMED_CAUSE_CUES: ("caus", "culprit", "problem was", "problem is", "issue was",
                       "issue is", "bug was", "bug is", "trigger"),
    STRONG_CAUSE_CUES: ("caus", "culprit", "problem was", "problem is", "issue was",
                        "issue is", "bug was", "bug is"),
    CAUSE_FOUND: ("cause", "explanation", "reason", "culprit"),
    UNKNOWN_CAUSE: ("unknown", "unclear", "investigat", "no root", "not yet", "not been",
                    "not known", "not determined", "not identified", "not understood",
                    "not found", "tbd", "tbc", "to be"),
}
"""Words (lowered) one of which every match of a pattern holds: prose without any is not
scanned for it, and in the rest only the units that hold one are."""


def _within(starts: list[int], lowered: str, needles: tuple[str, ...],
            pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """The first match of ``pattern`` in each unit (starting at ``starts``) that holds one
    of the needles: the few words find the units worth reading faster than the pattern."""
    last = -1
    for x in _needle_pattern(needles).finditer(lowered):
        n = bisect.bisect_right(starts, x.start()) - 1
        if n != last:
            last = n
            if found := pattern.search(lowered, starts[n], starts[n + 1] - 1):
                yield found


@functools.lru_cache(maxsize=8)
def _needle_pattern(needles: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(x) for x in needles))


def _cue_sentence(units: list[Unit], cues: re.Pattern[str], *, weak: bool = False,
                  every: bool = False, sure: bool = False) -> tuple[str, int] | None:
    """The first sentence the cues find (with the one before it when it says "This
    caused"; with ``every``, all of its unit's that they find; with ``sure``, only one that
    is not a guess); a weak cue in a sentence that says how it was noticed does not count."""
    taken: list[str] = []
    line = 0
    for unit, said, k in _hits(units, cues):
        if taken and (not every or unit.line != line):
            break
        sentence = said[k]
        if UNKNOWN_CAUSE.search(sentence) or SEEKING_CAUSE.search(sentence) or (
                weak and _about_noticing(sentence, cues)) or (sure and HEDGED.search(sentence)):
            continue
        if k and THIS_CAUSED.match(sentence):
            sentence = said[k - 1] + " " + sentence
        taken.append(sentence)
        line = unit.line
        if not every:
            break
    return (" ".join(taken), line) if taken else None


_CLAUSE = re.compile(r"[,;:]")


def _about_noticing(sentence: str, cues: re.Pattern[str]) -> bool:
    """Whether a weak cue gives the reason something was noticed ("we noticed because an
    alert fired"): a word of noticing in the clause of the cue or before it."""
    cue = cues.search(sentence)
    if cue is None:
        return False
    after = _CLAUSE.search(sentence, cue.end())
    return bool(DETECTION_WORDS.search(sentence, 0, after.start() if after else len(sentence)))


_DATED = re.compile(r"^\W{0,3}(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[:.]\d{2}\b|\d{1,2}/\d{1,2}/)")

def _account(units: list[Unit], *, alone: bool = False) -> tuple[str, int] | None:
    """The report's own account of what went wrong: its summary, beside a sentence that
    says why (``alone``, with none: a summary only tells what happened), else the units it
    heads as context, background, analysis or findings."""
    kinds: list[tuple[str, ...]] = [("narrative", "root_cause", "trigger")]
    if not alone:
        kinds.insert(0, ("summary",))
    for roles in kinds:
        taken = [u for u in units if u.role in roles]
        if taken:
            text = "\n".join(u.text for u in taken)
            if "summary" in roles and \
                    sum(max(1, len(sentences(u.text))) for u in taken) < ACCOUNT_SENTENCES:
                return None  # a line of what happened, not an account of why
            return text, taken[0].line
    return None


ACCOUNT_SENTENCES = 3
"""The fewest sentences of a summary that can stand for the cause (one line of what
happened is not an account of why)."""
