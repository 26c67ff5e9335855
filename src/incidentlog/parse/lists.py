"""List items as written: their lines, checkboxes, and what is nested under them."""

from __future__ import annotations

import re

import attrs

from incidentlog.parse.source import Block, Document
from incidentlog.render.emit import unescape_inline

_ITEM = re.compile(r"^(?P<indent> {0,3})(?P<marker>[-+*]|\d{1,9}[.)])(?P<space>[ \t]+|$)"
                   r"(?P<rest>.*)$")
_TASK = re.compile(r"^\[(?P<mark>[ xX])\][ \t]+")


@attrs.frozen
class Item:
    """A top-level list item: its first line's text, what follows (dedented), its line."""

    line: int
    marker: str
    text: str
    body: str
    checked: bool | None

    @property
    def ordered(self) -> bool:
        """True for ``1.`` items."""
        return self.marker[0].isdigit()


def items(doc: Document, block: Block) -> list[Item]:
    """The top-level items of a list block (read once per block, however often asked)."""
    key = ("items", block.start, block.end)
    found = doc.memo.get(key)
    if found is None:
        found = doc.memo[key] = _items(doc, block)
    return list(found)


def _items(doc: Document, block: Block) -> list[Item]:
    out: list[Item] = []
    current: dict[str, object] | None = None
    body: list[str] = []
    width = 2

    def close() -> None:
        if current is not None:
            text = str(current["text"])
            task = _TASK.match(text)
            checked = None
            if task:
                checked = task.group("mark") != " "
                text = text[task.end():]
            out.append(Item(int(str(current["line"])), str(current["marker"]),
                            unescape_inline(text.rstrip()),
                            "\n".join(body).strip("\n"), checked))

    for n in range(block.start, block.end):
        line = doc.lines[n]
        match = _ITEM.match(line)
        if match and (current is None or len(line) - len(line.lstrip()) < width):
            close()
            body = []
            current = {"line": n, "marker": match["marker"], "text": match["rest"]}
            width = len(match["indent"]) + len(match["marker"]) + max(1, len(match["space"]))
            continue
        if current is None:
            continue
        body.append(line[width:] if line[:width].strip() == "" else line.lstrip())
    close()
    return out
