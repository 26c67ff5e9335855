"""A small Markdown emitter: escaping user text, tables, lists, code blocks, times.

Text in events is Markdown inline text. The emitter only escapes what would change a
report's structure: a pipe or line break inside a table cell, a line that would start a
heading, quote, list, table or rule, a fence inside a code block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeGuard

_BLOCK_START = re.compile(r"^( {0,3})(#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|\d{1,9}[.)](?=\s|$)|=+\s*$|"
                          r"(?:[-*_]\s*){3,}$|```|~~~|<|\|)")
_AN_ESCAPE = re.compile(r"^( {0,3})(\\(?=[\\#>+*\-=_`~<\d|]))")
"""A line that starts with the author's own escape (``\\#``): its backslash is escaped
too, so taking one escape off (:func:`unescape_inline`) gives the author's line back."""
_BACKSLASHES_BEFORE_PIPE = re.compile(r"\\+(?=\|)")


def has(text: str | None) -> TypeGuard[str]:
    """True when user text holds more than white space."""
    return bool(text and text.strip())


_TAG = re.compile(r"<(?=[A-Za-z/!?])")
_SCRIPT_LINK = re.compile(r"\]\((?=\s*(?:javascript|vbscript|data):)", re.IGNORECASE)
_BROKEN_LINK = re.compile(r"\]\\\((?=\s*(?:javascript|vbscript|data):)", re.IGNORECASE)
_ENTITY = re.compile(r"&(?=(?:lt|amp|#92);)")


def no_html(text: str) -> str:
    """Text whose ``<tag`` openings are written ``&lt;tag`` and whose script links are
    broken (``]\\(javascript:``): shown, never run.

    The importer reads ``&lt;``, ``&amp;``, ``&#92;`` and a broken script link back, so
    text that holds them already is escaped first (``&amp;lt;``, ``]&#92;(javascript:``)
    and reads back as written.
    """
    text = _BROKEN_LINK.sub("]&#92;(", _ENTITY.sub("&amp;", text))
    return _SCRIPT_LINK.sub("]\\(", _TAG.sub("&lt;", text))


def inline(text: str) -> str:
    """User text inside a line (after a label, in bold): line breaks folded to spaces, HTML
    shown as text."""
    return no_html(" ".join(part.strip() for part in text.split("\n") if part.strip()))


def mid_line(text: str) -> str:
    """User text inside a line, after a label or mark, that a reader takes one escape off
    (:func:`unescape_inline`): an escape of the author's at its start is escaped too."""
    return _AN_ESCAPE.sub(r"\1\\\2", inline(text))


def item(text: str) -> str:
    """User text that starts a line or a list item: folded, and never a block start."""
    return escape_start(inline(text))


def escape_start(line: str) -> str:
    """A line that can never start a block, nor lose an escape of its own when read."""
    shown = _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return shown if shown != line else _AN_ESCAPE.sub(r"\1\\\2", line)


def cell(text: str | None) -> str:
    """User text for a table cell: pipes escaped (a backslash before one as ``&#92;``), line
    breaks folded. :func:`unescape_cell` and the importer's reading of ``&#92;`` undo it."""
    if not text:
        return ""
    one_line = " ".join(part.strip() for part in text.split("\n") if part.strip())
    # A backslash before a pipe would escape the escape (``\\|`` ends the cell in GFM): it
    # is written as ``&#92;``, which the importer reads back as a backslash.
    shown = _BACKSLASHES_BEFORE_PIPE.sub(lambda m: "&#92;" * len(m[0]), no_html(one_line))
    return shown.replace("|", "\\|")


def heading(text: str) -> str:
    """User text for a heading line: one line, a trailing ``#`` run escaped (it would close
    the heading)."""
    one_line = _AN_ESCAPE.sub(r"\1\\\2", no_html(" ".join(text.split())))
    return re.sub(r"(^|\s)(#+)$", lambda m: m.group(1) + "\\" + m.group(2), one_line)


def unescape_heading(text: str) -> str:
    """The inverse of :func:`heading`."""
    return re.sub(r"(^|\s)\\(#+)$", r"\1\2", text)


_LINE_START_ESCAPE = re.compile(r"^( {0,3})\\(?=#|>|[-+*]|\d|=|_|`|~|<|\||\\)")


def unescape_inline(text: str) -> str:
    """The inverse of :func:`inline`'s escaping of a line start."""
    if "\\" not in text[:4]:
        return text
    return _LINE_START_ESCAPE.sub(r"\1", text)


def unescape_cell(text: str) -> str:
    """The inverse of :func:`cell` for a cell read back from a table."""
    return text.replace("\\|", "|").strip()


def block(text: str) -> str:
    """Verbatim Markdown (a kept section): blank lines trimmed, an open code fence closed.

    A fence left open would swallow the rest of the report, so it is closed where the kept
    text ends; the importer does the same, so a kept section reads back unchanged.
    """
    return balance_fences(text.strip("\n"))


_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def balance_fences(text: str) -> str:
    """``text`` with a code fence that is never closed closed at its end."""
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE_LINE.match(line)
        if not match:
            continue
        if fence is None:
            if not (match.group(1)[0] == "`" and "`" in match.group(2)):
                fence = match.group(1)
        elif match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not match.group(2).strip():
            fence = None
    return text if fence is None else f"{text}\n{fence}"


def paragraph(text: str) -> str:
    """User text as a paragraph: kept as written, but no line may start a heading or rule."""
    lines = [no_html(line.strip()) for line in text.strip("\n").split("\n") if line.strip()]
    return "\n".join(escape_start(line)
                     for line in lines)


def after_label(text: str) -> str:
    """User text that follows ``**Label**: ``: its first line is mid-line, the others are not
    (they must not start a block)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return ""
    rest = paragraph("\n".join(lines[1:])) if len(lines) > 1 else ""
    first = _AN_ESCAPE.sub(r"\1\\\2", no_html(lines[0]))  # mid-line: no block starts here
    return first + ("\n" + rest if rest else "")


def table(header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int] | None = None,
          *, written: Sequence[int] = ()) -> str:
    """A pipe table. ``widths`` sets the dashes of the delimiter row (the seeds' look);
    columns in ``written`` are already escaped with :func:`cell`."""
    dashes = widths or [max(3, len(h)) for h in header]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("-" * (w + 2) for w in dashes) + "|"]
    lines += ["| " + " | ".join(c if i in written else cell(c) for i, c in enumerate(row))
              + " |" for row in rows]
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
