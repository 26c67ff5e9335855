"""Reports written as labelled bullets with "Key events" (the layout of the MoJ corpus).

```
- **Key events**
  - First detected 2023-09-18 13:42
  - Incident declared: 2023-09-18 15:12
  - Resolved 2023-09-20 19:18
- **Time to repair**: 4h 12m
- **Impact**: ...
- **Review actions**:
  - Update runbook ...
```
Key events become timeline rows (and lifecycle events, by their words); stated times
become figures the checker compares; impact, resolution and review actions become events;
every other labelled bullet is kept verbatim under its label.
"""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import attrs

from incidentlog import events as ev
from incidentlog.parse import actions
from incidentlog.parse import timeline as tl
from incidentlog.parse.house import FIGURE_LABELS, Reader
from incidentlog.parse.lists import Item, items
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import find_stamp, norm, read_duration, split_label
from incidentlog.vocabulary import heading_role

_LABEL_ONLY = re.compile(r"^\*\*(?P<label>[^*\n]{1,120}?)\*\*:?$|^\*\*(?P<label2>[^*\n]{1,120}?):"
                         r"\*\*$")


def is_key_events_list(reader: Reader, block: Block) -> bool:
    """True for a top-level list with a ``**Key events**`` item."""
    return block.type == "list" and any(
        norm(_label(item)[0] or "") == "key events" for item in items(reader.doc, block))


def is_labelled_list(reader: Reader, block: Block) -> bool:
    """True for a top-level list of ``**Label**:`` items, one of them naming a role (the
    rest of a key-events report, after a paragraph split its list in two)."""
    if block.type != "list":
        return False
    found = items(reader.doc, block)
    labels = [_label(item)[0] for item in found]
    filled = all(_label(item)[1] or item.body for item in found)
    return bool(found) and filled and all(labels) and any(heading_role(x or "") for x in labels)


def _label(item: Item) -> tuple[str | None, str]:
    pair = split_label(item.text)
    if pair:
        return pair
    match = _LABEL_ONLY.match(item.text.strip())
    if match:
        return (match["label"] or match["label2"]).strip(), ""
    return None, item.text


def read_list(reader: Reader, section: Section, block: Block, anchor: str) -> None:
    """Read a key-events report's top-level bullets."""
    b = reader.b
    anchor = anchor or "Timeline"
    listed = False  # after "- **Review actions**:" alone, unlabelled items are its items
    for item in items(reader.doc, block):
        label, value = _label(item)
        key = norm(label or "")
        if listed and label is None and actions.action_item(reader, item):
            continue
        listed = label is not None and not value and not item.body.strip() and \
            heading_role(label) == "actions"
        if key == "key events" and not value and _key_events(reader, item):
            continue
        figure = FIGURE_LABELS.get(key)
        minutes = read_duration(value) if figure and not item.body else None
        if figure and minutes is not None and label:
            b.figure(figure, minutes, value, label, item.line)
            continue
        if key == "impact" and value and not item.body:
            b.fact("summary", label or "Impact", value, item.line)
            continue
        role = heading_role(label or "") if key != "resolved by" else "resolution"
        said = value if not item.body else (value + "\n" + item.body).strip("\n")
        if role == "resolution" and said and b.resolution is None:
            b.resolution = (said, item.line)
            continue
        if role in ("root_cause", "trigger") and said and not b.root.get("summary"):
            b.set_root(item.line, summary=said)
            continue
        if heading_role(label or "") == "actions" and not value and item.body \
                and _actions(reader, item):
            continue
        if item.body and not value and key != "key events" and label and _detail(
                reader, item.line + 1, item.line + 2 + item.body.count("\n")):
            # Its entries join the timeline; its label stays where it was, as written.
            b.keep(label, 2, anchor, "", item.line, empty_ok=True, key=("item", item.line))
            anchor = label
            continue
        if heading_role(label or "") == "actions" and (value or item.body) and \
                not re.search(r"^\s*(?:[-+*]|\d{1,9}[.)])\s", item.body, re.M):
            # Review actions written as prose: an item per paragraph (or per task line).
            actions.prose_items(reader, _paragraphs(reader, item))
            continue
        if label is not None:
            text = value if not item.body else (value + "\n" + item.body).strip("\n")
            b.keep(label, 2, anchor, text, item.line, empty_ok=True, key=("item", item.line))
            anchor = label
        else:
            b.keep(section.heading or "", section.level, anchor,
                   reader.doc.raw(item.line, item.line + 1 + item.body.count("\n") + 1),
                   item.line)


def _key_events(reader: Reader, item: Item) -> bool:
    rows = []
    lines = [n for n in range(item.line + 1, item.line + 1 + item.body.count("\n") + 2)
             if n < len(reader.doc.lines) and reader.doc.lines[n].strip()]
    for n in lines:
        text = re.sub(r"^\s*[-+*]\s+", "", reader.doc.lines[n]).strip()
        found = find_stamp(text, day=reader.clock.day, zone=reader.clock.zone)
        if found is None:
            rows.append(tl.RowText(None, text, "", n))
            continue
        stamp, start = found
        label = text[:start].strip().rstrip(":").strip()
        after = text[stamp.end + start:].strip()
        words = (label + (" " + after if after else "")).strip() or text
        rows.append(tl.RowText(stamp.at, words, "", n))
    if not rows:
        return False
    reader.pending_rows["key"] = _year_slips(reader, rows)
    reader.has_timeline = True
    return True


def _year_slips(reader: Reader, rows: list[tl.RowText]) -> list[tl.RowText]:
    """Key events with the year before the report's typed (``Resolved 2022-02-01`` in a
    report of 2023-01-05): a moment of the incident cannot come months before the report's
    day and before the key events listed ahead of it. Read in the report's year when that
    puts it on or after the report's day and in order, with a finding."""
    day = reader.clock.anchor
    if day is None:
        return rows
    out: list[tl.RowText] = []
    for row in rows:
        at = row.at
        if at is not None and at.year == day.year - 1 and (day - at.date()).days > 60 and \
                not (at.month == 2 and at.day == 29):
            meant = at.replace(year=day.year)
            before = [r.at for r in out if r.at is not None]  # only for a row that slipped
            if meant.date() >= day - timedelta(days=7) and all(b <= meant for b in before):
                reader.b.problem(row.line, "date-typo",
                                 f"{at:%Y-%m-%d} is months before the report's day "
                                 f"{day.isoformat()}: read as {meant:%Y-%m-%d}")
                # The date as typed stays in the row's words: nothing written is lost.
                row = tl.RowText(meant, f"{row.text} (typed {at:%Y-%m-%d})", row.who,
                                 row.line)
        out.append(row)
    return out


_ENTRY = re.compile(r"^\s*(?:[-+*\u2013\u2014\u2022]|\d{1,4}[.)])\s+(?P<text>.*)$")


def _detail(reader: Reader, start: int, end: int) -> bool:
    """Bullets of lines ``start`` to ``end`` (0-based, end excluded) as a detailed
    timeline, when most of them start with a time (``2023-07-25 14:09: ...``): one row per
    stamped bullet, other lines wrapped into the row before. Bullets may be typed with a
    dash of any width. A detailed timeline under any label (``Context``, ``Notes``)
    counts, and what follows it (code, more stamped bullets) belongs to it."""
    lines = [(n, reader.doc.lines[n]) for n in range(start, min(end, len(reader.doc.lines)))]
    clock = copy.copy(reader.clock)  # read on a copy: kept only if this is a timeline
    read = [(n, line, match, clock.read(match["text"], whole=False) if match else None)
            for n, line in lines if (match := _ENTRY.match(line)) or line.strip()]
    bullets = sum(1 for _, _, match, _ in read if match)
    stamped = sum(1 for _, _, _, stamp in read if stamp is not None and stamp.at is not None)
    if not stamped or stamped * 2 <= bullets:
        return False
    reader.clock.__dict__.update(clock.__dict__)
    rows = reader.pending_rows.setdefault("detail", [])
    for n, line, match, stamp in read:
        if match and stamp is not None and stamp.at is not None:
            words = re.sub(r"^\s*(?:[-\u2013\u2014:|]\s*)?", "", match["text"][stamp.end:])
            rows.append(tl.RowText(stamp.at, words.strip(), "", n))
        elif rows and line.strip():
            last = rows[-1]
            text = match["text"] if match else line.strip()
            rows[-1] = tl.RowText(last.at, last.text + "\n" + text, last.who, last.line)
        elif line.strip():
            rows.append(tl.RowText(None, (match["text"] if match else line).strip(), "", n))
    reader.has_timeline = True
    return True


def continues_detail(reader: Reader, block: Block) -> tuple[bool, Block | None]:
    """Whether ``block`` carries on a detailed timeline read just before it (code shown
    under its last entry, more stamped bullets or lines), and the part of it that does not:
    top-level labelled bullets after the nested entries (``- **Resolution**:``)."""
    rows = reader.pending_rows.get("detail")
    if block.type == "paragraph" and "key" in reader.pending_rows:
        found = tl.read_lines(reader.doc, block, reader.clock)
        if found and any(r.at is not None for r in found):
            # Lines that start with times (``15:35 – Plan pushed``): entries too.
            reader.pending_rows.setdefault("detail", []).extend(found)
            return True, None
    if not rows or block.type not in ("block_code", "list", "paragraph"):
        return False, None
    if block.type == "list":
        lines = reader.doc.lines
        top = next((n for n in range(block.start + 1, block.end)
                    if re.match(r"[-+*]\s", lines[n])), block.end)
        if not lines[block.start][:1].isspace() or not _detail(reader, block.start, top):
            return False, None
        return True, (attrs.evolve(block, start=top) if top < block.end else None)
    text = reader.doc.raw(block.start, block.end)
    if block.type == "paragraph" and not text.lstrip().startswith(("```", "~~~")):
        return False, None
    last = rows[-1]
    rows[-1] = tl.RowText(last.at, last.text + "\n\n" + text, last.who, last.line)
    return True, None


def finish(reader: Reader, *, final: bool = False) -> None:
    """Emit the rows held while reading the header: the key events, merged with a detailed
    timeline when the report has one (:func:`timeline.merge_key_events`). When a timeline
    section follows, the key events wait for it."""
    key = reader.pending_rows.pop("key", [])
    detail = reader.pending_rows.pop("detail", [])
    if not detail and key and not final and any(
            heading_role(s.heading or "") == "timeline" for s in reader.doc.sections()):
        reader.pending_rows["key"] = key
        reader.has_timeline = False  # so that the timeline section is read
        return
    rows = tl.merge_key_events(key, detail)
    if rows:
        tl.emit(reader.b, rows)
        reader.has_timeline = True


def _actions(reader: Reader, item: Item) -> bool:
    """The items nested under a review-actions label; details nested deeper fold into
    their item's title."""
    found: list[tuple[int, str]] = []
    for n, line in enumerate(item.body.splitlines(), 1):
        if not line.strip():
            continue
        match = re.match(r"^(?:[-+*]|\d{1,9}[.)])\s+(.+)$", line)
        if match:
            found.append((n, match[1]))
        elif found and line.startswith((" ", "\t")):
            detail = re.sub(r"^\s*(?:[-+*]|\d{1,9}[.)])\s+", "", line).strip()
            found[-1] = (found[-1][0], found[-1][1] + "\n" + detail)
        else:
            return False
    if all(actions.says_nothing(title) for _, title in found):
        return False  # "N/A": no action items, kept as written
    for n, (offset, title) in enumerate(found, 1):
        reader.b.add(ev.ActionItemAdded(occurred_at=None, actor=reader.b.actor, item_id=str(n),
                                        title=title, source=reader.b.src(item.line + offset)))
    return bool(found)


def _paragraphs(reader: Reader, item: Item) -> list[list[tuple[str, int]]]:
    """The paragraphs of a labelled item's text (after its label), lines with their lines."""
    found: list[list[tuple[str, int]]] = [[]]
    last = item.line + 1 + item.body.count("\n") + 1
    for n in range(item.line, min(last, len(reader.doc.lines))):
        line = reader.doc.lines[n]
        text = _label(item)[1].strip() if n == item.line else line.strip()
        if text:
            found[-1].append((text, n))
        elif found[-1]:
            found.append([])
    return [p for p in found if p]
