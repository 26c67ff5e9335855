"""Action items in every shape: plain, numbered and task lists, lists under
sub-headings (a category), and tables with any header names."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from incidentlog import events as ev
from incidentlog.parse import timeline as tl
from incidentlog.parse.lists import Item, items
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    read_date,
    split_label,
)
from incidentlog.render import template_a
from incidentlog.render.emit import unescape_inline
from incidentlog.vocabulary import (
    ACTION_COLUMNS,
    ACTION_STATES,
    DONE_MARKS,
    NO_VALUE,
    SEVERITY_WORDS,
    TASK_VERBS,
    heading_role,
)

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader

ITEM_ID = re.compile(r"\s\((?P<id>[A-Za-z0-9][A-Za-z0-9._#:-]{0,39})\)"
                     r"(?P<extra>\s\[(?:[^\[\]]|\[[^\[\]]*\]\([^()\s]*\))*\])?$")
"""An item's ``(id)`` and ``[extras]`` at its end, where a ticket may be a Markdown link."""
A_HORIZONS = {norm(v): k for k, v in template_a.HORIZONS.items()}
_MARKER = re.compile(r"^\s*(?:[-+*]|\d{1,9}[.)])\s+")
_NO_TASK = frozenset({"nothing", "no action", "no actions", "no action items"})


def says_nothing(text: str) -> bool:
    """An item that holds no task (``N/A``, ``None``, ``TBD``, ``-``)."""
    words = norm(text)
    return words in NO_VALUE or words in _NO_TASK


def names_actions(text: str) -> bool:
    """A line alone that names the action items (``Action Items``, ``**Next steps:**``,
    ``- **Review actions**:``), with nothing after it."""
    line = _MARKER.sub("", text.strip(), count=1)
    if not line or "\n" in line or len(line) > 60 or line[0] == "#":
        return False
    bare = line.strip("*_ ").rstrip(":").strip("*_ ").rstrip(":")
    return bool(bare) and heading_role(bare) == "actions"


def introduces_actions(reader: Reader, block: Block) -> bool:
    """A paragraph that only names the action items, or a list whose last item does (a
    report told in labelled bullets): the list after it holds them."""
    if block.type == "paragraph":
        return names_actions(reader.raw(block))
    if block.type == "list":
        found = items(reader.doc, block)
        return bool(found) and not found[-1].body.strip() and names_actions(found[-1].text)
    return False


def _introduced(reader: Reader, blocks: list[Block], i: int) -> bool:
    """Block ``i`` is a line naming the action items, with a list of them after it."""
    return blocks[i].type == "paragraph" and i + 1 < len(blocks) and \
        blocks[i + 1].type == "list" and names_actions(reader.raw(blocks[i])) and \
        not all(says_nothing(x.text) for x in items(reader.doc, blocks[i + 1]))


def has_labelled_list(reader: Reader, blocks: list[Block]) -> bool:
    """Whether :func:`labelled_lists` would read action items from ``blocks``."""
    return any(b.type == "list" for b in blocks) and any(
        _introduced(reader, blocks, i) for i in range(len(blocks) - 1))


def labelled_lists(reader: Reader, blocks: list[Block]) -> list[Block]:
    """Lists of action items a line naming them introduces, in a section of another role
    (``Action Items`` as a plain line, then the list): read as action items; the rest of
    ``blocks`` is left, as written."""
    if len(blocks) < 2 or not any(b.type == "list" for b in blocks):
        return blocks
    leftover = []
    taken = -1
    for i, block in enumerate(blocks):
        if i == taken:
            continue
        if _introduced(reader, blocks, i) and \
                _plain_items(reader, items(reader.doc, blocks[i + 1]), None):
            taken = i + 1
            continue
        leftover.append(block)
    return leftover


def action_items(reader: Reader, s: Section) -> list[Block]:
    """The house templates' action items: task lists and tables (plain lists are kept)."""
    return action_lists(reader, s.blocks, None, plain=False)


def is_status(heading: str) -> bool:
    """True for a heading that names where items stand ("Completed", "In progress")."""
    return norm(heading) in ACTION_STATES


def horizon(reader: Reader, s: Section) -> list[Block]:
    """A sub-heading of action items: its name is the items' horizon or category."""
    label = s.heading or ""
    category: str | None = A_HORIZONS.get(norm(label), label)
    # Prose beside a category's listed items is a note about them, not another item.
    listed = any(isinstance(e, ev.ActionItemAdded) and e.horizon == category
                 for e in reader.b.others)
    status = ACTION_STATES.get(norm(label))
    if status is not None:  # "Completed", "In progress": the items' status, not a category
        category = None
    if listed or s.children or any(b.type in ("list", "table") or _table(reader, b)
                                   for b in s.blocks):
        return action_lists(reader, s.blocks, category, status)
    return _prose_items(reader, s.blocks, category)


def task_items(reader: Reader, lst: list[Item], horizon: str | None) -> bool:
    parsed = []
    for n, item in enumerate(lst, 1):
        if item.body or item.checked is None:
            return False
        text = item.text
        owner = None
        match = re.match(r"^\*\*(?P<owner>[^*]+)\*\*: ", text)
        if match and not re.search(r"\]\s+\\\*", reader.doc.lines[item.line]):
            owner, text = unescape_inline(match["owner"]), unescape_inline(text[match.end():])
        found = ITEM_ID.search(text)
        status = "done" if item.checked else "open"
        due = priority = ticket = None
        if found:
            item_id, text = found["id"], text[:found.start()]
            for extra in (found["extra"] or "").strip(" []").split(", "):
                if extra == "in progress" and not item.checked:
                    status = "in_progress"
                elif extra.startswith("due ") and (d := read_date(extra[4:])):
                    due = d
                elif re.fullmatch(r"P[0-5]", extra) or extra in SEVERITY_WORDS.values():
                    priority = extra
                elif extra.startswith(template_a.PRIORITY_LABEL):
                    priority = template_a.read_extra(extra[len(template_a.PRIORITY_LABEL):])
                elif extra.startswith("ticket ") and extra[7:].strip() and ticket is None:
                    ticket = template_a.read_extra(extra[7:])
                elif extra:
                    return False
        else:
            item_id = str(len(reader.b.others) + n)
        parsed.append(ev.ActionItemAdded(
            occurred_at=None, actor=reader.b.actor, item_id=item_id, title=text, owner=owner,
            due=due, priority=priority, status=status, horizon=horizon,  # type: ignore[arg-type]
            ticket=ticket, source=reader.b.src(item.line)))
    for event in parsed:
        reader.b.add(reader.b.unique_item(event))
    return True


def cell_status(cell: str) -> str | None:
    """The state a status cell means (``Done ✅``, ``WIP``, a lone ``✔``), or None."""
    if any(mark in cell for mark in DONE_MARKS):
        return "done"
    return ACTION_STATES.get(norm(cell))


def action_table(reader: Reader, block: Block) -> bool:
    """A table of action items under any header names. A cell that cannot be read (a status
    or due date incidentlog does not know) degrades alone, with a finding naming it; a
    column that is no field of an item is kept in the item's title."""
    header, body = tl.table_rows(reader.doc, block)
    cols = {name: tl.column(header, *names) for name, names in ACTION_COLUMNS.items()}
    if cols["title"] is None:
        return False
    if cols["id"] is None and header and header[0].strip() == "#":
        cols["id"] = 0
    if any(len(row) > len(header) for _, row in body):
        return False  # cells beyond the header: not a table this reader can place
    extra = [i for i in range(len(header)) if i not in cols.values() and header[i].strip()]
    parsed = []
    for n, (line, row) in enumerate(body, 1):
        row = row + [""] * (len(header) - len(row))

        def get(name: str, row: list[str] = row) -> str:
            i = cols[name]
            return row[i].strip() if i is not None else ""

        notes = [f"{header[i].strip()}: {row[i].strip()}" for i in extra if row[i].strip()]
        status = cell_status(get("status"))
        if status is None and norm(get("status")) not in NO_VALUE:
            notes.append(f"{header[cols['status'] or 0].strip()}: {get('status')}")
            reader.b.problem(line, "action-status", f"status {get('status')!r} of action "
                             f"item {get('title')!r} is not one incidentlog knows (open, in "
                             "progress, done); kept in the item's title, the item as open")
        due = read_date(get("due")) if norm(get("due")) not in NO_VALUE else None
        if due is None and norm(get("due")) not in NO_VALUE:
            notes.append(f"{header[cols['due'] or 0].strip()}: {get('due')}")
            reader.b.problem(line, "action-due", f"due date {get('due')!r} of action item "
                             f"{get('title')!r} is not a date; kept in the item's title")
        title = get("title")
        if notes:
            title = f"{title} ({'; '.join(notes)})" if title else "; ".join(notes)
        parsed.append(ev.ActionItemAdded(
            occurred_at=None, actor=reader.b.actor, item_id=get("id") or str(n),
            title=title, owner=get("owner") or None, due=due,
            priority=get("priority") or None, status=status or "open",  # type: ignore[arg-type]
            horizon=A_HORIZONS.get(norm(get("horizon")), get("horizon")) or None,
            ticket=get("ticket") or None, source=reader.b.src(line)))
    for event in parsed:
        reader.b.add(reader.b.unique_item(event))
    return True


def section(reader: Reader, s: Section) -> list[Block]:
    """Every list under the heading: one action item per top-level item. A section written
    only as prose has an item per paragraph, or per line where each line is a task
    ("Hire a SecOps person", "Add a feature ...")."""
    if s.children or any(b.type in ("list", "table") or _table(reader, b) for b in s.blocks):
        return action_lists(reader, s.blocks, None)
    return _prose_items(reader, s.blocks)


def _table(reader: Reader, block: Block) -> bool:
    """A table, or one Markdown refused (a row with a cell too few or too many)."""
    return block.type == "table" or (block.type == "paragraph" and
                                     tl.looks_like_table(reader.doc, block))


def _prose_items(reader: Reader, blocks: list[Block], horizon: str | None = None
                 ) -> list[Block]:
    leftover = []
    paragraphs: list[list[tuple[str, int]]] = []
    for block in blocks:
        lines = [(line.strip(), n) for n, line in enumerate(
            reader.doc.lines[block.start:block.end], block.start) if line.strip()]
        if block.type != "paragraph" or not lines or lines[-1][0].endswith(":") or \
                split_label(lines[0][0]) or _POINTER.match(" ".join(x for x, _ in lines)):
            leftover.append(block)
            continue
        paragraphs.append(lines)
    prose_items(reader, paragraphs, horizon)
    return leftover


_POINTER = re.compile(r"(?:see|for (?:more )?details|more details|details)\b(?:(?!\.\s).){0,80}"
                      r"\]\([^)]*\)\.?\s*$", re.IGNORECASE)
"""A paragraph that only points to more (``See the full diff [here](...)``): a note."""


def prose_items(reader: Reader, paragraphs: list[list[tuple[str, int]]],
                horizon: str | None = None) -> None:
    """Action items written as prose: one per paragraph, or one per line where every line
    of the paragraph is a task ("Hire a SecOps person", "Add a feature ...")."""
    found: list[tuple[str, int]] = []
    for lines in paragraphs:
        if len(lines) > 1 and all(TASK_VERBS.match(line) for line, _ in lines):
            found += lines
        elif lines:
            found.append((" ".join(line for line, _ in lines), lines[0][1]))
    known = {e.item_id for e in reader.b.others if isinstance(e, ev.ActionItemAdded)}
    n = len(known)
    for title, line in found:
        n += 1
        while str(n) in known:
            n += 1
        reader.b.add(ev.ActionItemAdded(occurred_at=None, actor=reader.b.actor, item_id=str(n),
                                        title=title, horizon=horizon,
                                        source=reader.b.src(line)))


def action_item(reader: Reader, item: Item) -> bool:
    """One plain item (what is nested under it folded into its title) as an action item;
    ``False`` for one that holds no task."""
    return _plain_items(reader, [item], None)


def action_lists(reader: Reader, blocks: list[Block], horizon: str | None,
                 status: str | None = None, *, plain: bool = True) -> list[Block]:
    """Action items from lists in any shape (task lists; with ``plain``, plain and numbered
    lists too) and tables."""
    leftover = []
    for block in blocks:
        if block.type == "list" and task_items(reader, items(reader.doc, block), horizon):
            continue
        if _table(reader, block) and action_table(reader, block):
            continue
        if plain and block.type == "list" and _plain_items(
                reader, items(reader.doc, block), horizon, status):
            continue
        if block.type != "thematic_break":
            leftover.append(block)
    return leftover


def action_category(reader: Reader, s: Section) -> list[Block]:
    """A sub-heading of an action items section: its name is the items' category."""
    return action_lists(reader, s.blocks, s.heading or None)


def _plain_items(reader: Reader, lst: list[Item], horizon: str | None,
                 status: str | None = None) -> bool:
    """Items without checkboxes or ids: their text (nested details folded in) is the title.
    A list of empty bullets (a template's "-") holds no item."""
    if all(says_nothing(item.text) and not item.body.strip() for item in lst):
        return False  # empty bullets (a template's "-"), or "N/A": no item
    known = {e.item_id for e in reader.b.others if isinstance(e, ev.ActionItemAdded)}
    start = len(known) + 1
    for n, item in enumerate(lst):
        title = item.text
        if item.body:
            title += "\n" + "\n".join(_MARKER.sub("", line).strip()
                                      for line in item.body.splitlines() if line.strip())
        item_id = str(start + n)
        while item_id in known:
            item_id += "a"
        reader.b.add(ev.ActionItemAdded(
            occurred_at=None, actor=reader.b.actor, item_id=item_id, title=title.strip(),
            status="done" if item.checked else status or "open",  # type: ignore[arg-type]
            horizon=horizon,
            source=reader.b.src(item.line)))
    return True
