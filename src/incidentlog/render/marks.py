"""How a report marks the author's words it keeps verbatim, and how the reader finds them.

A kept section (:class:`~incidentlog.incident.Section`) is written between two HTML
comments, which Markdown viewers do not show::

    <!-- kept {"heading": "Root causes", "level": 1, "anchor": "What happened"} -->
    # Root causes
    ...the author's Markdown...
    <!-- /kept -->

Reading a report back, :func:`extract` takes each marked span out before anything else
reads the document (its lines become blank, so line numbers stay), and gives it back as the
section it was: a ``Root causes`` heading or a ``Timeline`` of the author's inside it is
never read again as a role, and an ``All times PST`` inside it never sets the zone of the
report's own (UTC) times. Both sides use the one format defined here.

A rendered report ends with ``<!-- rendered by incidentlog -->``: every field it holds is
written in its template's place, so reading it back infers nothing from prose (a cue word
in the author's kept or summary words would otherwise become a cause it never had).

A figure the author stated in prose (``the outage lasted for about 1h50m``) has no line of
its own in a template; it is written as a mark too, ``<!-- stated {...} -->``, so it reads
back as stated when the prose it came from is kept.
"""

from __future__ import annotations

import json
import re

import attrs

OPEN = "<!-- kept "
CLOSE = "<!-- /kept -->"
STATED = "<!-- stated "
RENDERED = "<!-- rendered by incidentlog -->"
_OPEN = re.compile(r"^<!-- kept (\{.*\}) -->$")
_STATED = re.compile(r"^<!-- stated (\{.*\}) -->$")
_RULE = re.compile(r"^ {0,3}(?:-{3,}|\*{3,}|_{3,})\s*$")


@attrs.frozen
class Span:
    """A kept section read back from its marks: ``line`` is its opening mark's (0-based)."""

    heading: str
    level: int
    anchor: str | None
    markdown: str
    line: int
    end: int
    """The line of its closing mark."""


@attrs.frozen
class Stated:
    """A figure stated in prose, read back from its mark on 0-based ``line``."""

    figure: str
    value: float
    text: str
    line: int


@attrs.frozen
class Marked:
    """A report with its marks taken out: the text left to read, kept sections, figures."""

    text: str
    spans: list[Span]
    stated: list[Stated]
    rendered: bool = False
    """The report is one of ours: its fields are in their places, none is in prose."""


def _json(fields: dict[str, object]) -> str:
    # ``-->`` would end the comment; JSON may write ``>`` as an escape.
    return json.dumps(fields, ensure_ascii=False).replace(">", "\\u003e")


def stated(figure: str, value: float, text: str) -> str:
    """The mark of a figure stated in prose."""
    number = int(value) if float(value).is_integer() else value  # one way to write it
    return f"{STATED}{_json({'figure': figure, 'value': number, 'text': text})} -->"


def wrap(heading: str, level: int, anchor: str | None, shown: str, *, headed: bool) -> str:
    """``shown`` (the section as the report shows it) between its marks; ``headed`` when
    ``shown`` starts with the heading line, perhaps after a rule (a heading the template
    writes itself is not in it)."""
    fields = {"heading": heading, "level": level, "anchor": anchor}
    if not headed:
        fields["headed"] = False
    return "\n".join(part for part in (f"{OPEN}{_json(fields)} -->", shown.strip("\n"), CLOSE)
                     if part)


def extract(text: str) -> Marked:
    """``text`` with every mark and marked span blanked (lines kept as empty ones), and
    what they hold.

    A mark that does not parse, or an opening one never closed, is left as written.
    """
    if OPEN not in text and STATED not in text and RENDERED not in text:
        return Marked(text, [], [])
    lines = text.split("\n")
    spans: list[Span] = []
    figures: list[Stated] = []
    rendered = False
    n = 0
    while n < len(lines):
        if lines[n] == RENDERED:
            rendered, lines[n] = True, ""
        if lines[n].startswith(STATED) and (figure := _figure(lines[n], n)):
            figures.append(figure)
            lines[n] = ""
        match = _OPEN.match(lines[n]) if lines[n].startswith(OPEN) else None
        fields = _fields(match[1]) if match else None
        if fields is None:
            n += 1
            continue
        try:
            end = lines.index(CLOSE, n + 1)
        except ValueError:
            break
        body = lines[n + 1:end]
        heading, level, anchor, headed = fields
        if headed:  # the heading line (after the rule a template writes before it)
            while body and (not body[0].strip() or _RULE.match(body[0])):
                body = body[1:]
            body = body[1:]
        markdown = "\n".join(body).strip("\n")
        spans.append(Span(heading, level, anchor, markdown, n, end))
        lines[n:end + 1] = [""] * (end + 1 - n)
        n = end + 1
    return Marked("\n".join(lines), spans, figures, rendered)


def is_mark(line: str) -> bool:
    """True for a line that is one of the marks (not the author's words)."""
    line = line.strip()
    return line in (CLOSE, RENDERED) or _OPEN.match(line) is not None or \
        _STATED.match(line) is not None


def without_marks(text: str) -> str:
    """A report with its marks taken out (for a page that shows HTML comments as text)."""
    if "<!-- " not in text:
        return text
    return "\n".join(line for line in text.split("\n") if not is_mark(line))


def _figure(line: str, n: int) -> Stated | None:
    match = _STATED.match(line)
    try:
        fields = json.loads(match[1]) if match else None
    except ValueError:
        return None
    if not isinstance(fields, dict):
        return None
    figure, value, text = fields.get("figure"), fields.get("value"), fields.get("text")
    if not isinstance(figure, str) or not isinstance(text, str) or \
            not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return Stated(figure, float(value), text, n)


def _fields(data: str) -> tuple[str, int, str | None, bool] | None:
    try:
        fields = json.loads(data)
    except ValueError:
        return None
    if not isinstance(fields, dict):
        return None
    heading, level, anchor = fields.get("heading"), fields.get("level"), fields.get("anchor")
    if not isinstance(heading, str) or type(level) is not int or not (
            anchor is None or isinstance(anchor, str)):
        return None
    return heading, level, anchor, fields.get("headed", True) is not False
