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

import re

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
    for item in items(reader.doc, block):
        label, value = _label(item)
        key = norm(label or "")
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
    tl.emit(reader.b, rows)
    reader.has_timeline = True
    return True


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
