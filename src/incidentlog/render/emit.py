"""A small Markdown emitter: escaping user text, tables, lists, code blocks, times.

Text in events is Markdown inline text. The emitter only escapes what would change a
report's structure: a pipe or line break inside a table cell, a line that would start a
heading, quote, list or rule, a fence inside a code block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

_BLOCK_START = re.compile(r"^( {0,3})(#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|\d{1,9}[.)](?=\s|$)|=+\s*$|"
                          r"(?:[-*_]\s*){3,}$|```|~~~|<)")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def inline(text: str) -> str:
    """User text for one line of a paragraph or list item: no line breaks, no block start."""
    one_line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), one_line)


def cell(text: str | None) -> str:
    """User text for a table cell: pipes escaped, line breaks folded."""
    if not text:
        return ""
    one_line = " ".join(part.strip() for part in text.splitlines() if part.strip())
    return _UNESCAPED_PIPE.sub(r"\\|", one_line)


def unescape_cell(text: str) -> str:
    """The inverse of :func:`cell` for a cell read back from a table."""
    return text.replace("\\|", "|").strip()


def block(text: str) -> str:
    """Verbatim Markdown (a kept section) with surrounding blank lines trimmed."""
    return text.strip("\n")


def paragraph(text: str) -> str:
    """User text as a paragraph: kept as written, but no line may start a heading or rule."""
    lines = [line.strip() for line in text.strip("\n").splitlines() if line.strip()]
    return "\n".join(_BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
                     for line in lines)


def table(header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int] | None = None
          ) -> str:
    """A pipe table. ``widths`` sets the dashes of the delimiter row (the seeds' look)."""
    dashes = widths or [max(3, len(h)) for h in header]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("-" * (w + 2) for w in dashes) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def code_block(code: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{code.rstrip()}\n{fence}"


def when(at: datetime | None, *, seconds: bool, with_date: bool) -> str:
    """A timeline time: ``14:23`` / ``14:23:00``, with the date when the timeline spans days.

    Unknown times print as ``--:--`` (``--:--:--``).
    """
    if at is None:
        return "--:--:--" if seconds else "--:--"
    fmt = "%H:%M:%S" if seconds else "%H:%M"
    return at.strftime(f"%Y-%m-%d {fmt}" if with_date else fmt)


def spans_days(times: Iterable[datetime | None], report_date: str | None) -> bool:
    """True when any known time falls on another day than the report's."""
    days = {t.date().isoformat() for t in times if t is not None}
    if report_date:
        days.add(report_date)
    return len(days) > 1


def join_blocks(blocks: Iterable[str]) -> str:
    """Blocks separated by one blank line, empty ones dropped."""
    return "\n\n".join(b for b in blocks if b.strip())
