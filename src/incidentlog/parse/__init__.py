"""Legacy Markdown postmortems into event streams, losslessly.

:func:`import_markdown` reads one report by meaning, whatever its layout: sections by the
role their heading or label names (:mod:`incidentlog.vocabulary`, shared with the
renderers), timelines in every common shape with dates, clocks and zones as people write
them (:mod:`~incidentlog.parse.when`), lifecycle moments from the words of the rows, and
both house templates exactly. What it understands becomes events marked with their source
line; what it does not is kept verbatim as :class:`~incidentlog.events.SectionNoted`, so
rendering puts it back; what it cannot read (a bad time) degrades only its row, with a
finding.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, tzinfo
from pathlib import Path

import attrs

from incidentlog import events as ev
from incidentlog.checks import Finding, check
from incidentlog.errors import InputError
from incidentlog.incident import INCIDENT_ID, Incident
from incidentlog.parse import (
    acceptance,
    actions,
    front_header,
    header,
    keyevents,
    resolution,
    timeline_section,
    when,
)
from incidentlog.parse import timeline as tl
from incidentlog.parse.builder import IMPORT_ACTOR, Builder
from incidentlog.parse.frontmatter import split as split_front_matter
from incidentlog.parse.house import Reader
from incidentlog.parse.lists import items
from incidentlog.parse.roles import SECTIONS
from incidentlog.parse.source import DEFAULT_LIMITS, Document, Limits, Section, decode, parse
from incidentlog.parse.text import norm, split_label, stated_zone_name
from incidentlog.parse.titles import html_title
from incidentlog.render import marks
from incidentlog.render.emit import unescape_inline
from incidentlog.vocabulary import (
    HOUSE_TITLE_PREFIX,
    NOT_REPORT_ROLES,
    PLACEHOLDERS,
    heading_role,
    names_a_part,
)

TITLE_LABEL = re.compile(r"^title\s*:\s*", re.IGNORECASE)
"""A label before a title heading (``# Title: Checkout errors``)."""


@attrs.frozen
class ImportResult:
    """What one document became: its events, the incident they fold to, and the findings."""

    incident: Incident
    events: list[ev.Event]
    findings: list[Finding]
    layout: str
    source: str | None
    stated: tuple[ev.FigureStated, ...] = ()
    """Every figure the document states, those its events derive anyway included (the
    incident keeps only the others)."""


def import_markdown(text: str | bytes, *, source: str | None = None, actor: str = IMPORT_ACTOR,
                    limits: Limits = DEFAULT_LIMITS, incident_id: str | None = None
                    ) -> ImportResult:
    """Read one legacy Markdown report into events.

    ``source`` names the file in findings and event sources. Raises
    :class:`~incidentlog.errors.InputError` for input that is not a report (empty, binary,
    not UTF-8, over the size limits, or Markdown with no incident in it); findings never
    raise: a legacy document is history, and they say what is wrong in it.
    """
    name = source or "<text>"
    decoded = decode(text, file=source, limits=limits)
    if not decoded.strip():
        raise InputError(f"{name}: empty document, not an incident report")
    marked = marks.extract(decoded)  # a report's kept sections: read as they were
    decoded, spans = marked.text, marked.spans
    try:
        doc = parse(decoded, file=source)
    except RecursionError:
        raise InputError(f"{name}: nested too deeply to parse") from None
    title_section = _title_section(doc)
    title = _title(doc, title_section)
    order = when.DateOrder(decoded)
    front = split_front_matter(doc.lines)
    day = front_header.day(front, order) or _report_day(doc, title_section, title, source, order)
    zone_name = stated_zone_name(decoded)
    zone: tzinfo = (when.zone_named(zone_name) if zone_name else None) or UTC
    builder = Builder(file=source, actor=actor, day=day, zone=zone)
    if zone_name and when.zone_named(zone_name) is None:
        builder.problem(_line_of(doc, zone_name), "unknown-zone",
                        f"unknown time zone {zone_name!r}: times read as UTC")
    reader = Reader(doc, builder, tl.Clock(day, zone, order),
                    kept_at=sorted(span.line for span in spans), rendered=marked.rendered)
    builder.declared.update(title=title or "", severity=None, occurred_at=None, note="",
                            source=builder.src(title_section.line if title_section else 0))
    if doc.front_matter_end:
        builder.keep("", 0, None, "\n".join(doc.lines[: doc.front_matter_end]), 0)
    for span in spans:
        builder.keep(span.heading, span.level, span.anchor, span.markdown, span.line,
                     empty_ok=True, key=("kept", span.line))
    layout = _read_body(reader, doc, title_section)
    front_header.header(builder, front)
    front_header.times(builder, front, "\n".join(doc.lines[doc.front_matter_end:]), order, zone)
    for figure in marked.stated:  # figures the kept prose states, unless read again
        if not any(f.figure == figure.figure and f.text == figure.text and not f.label
                   for f in builder.figures):
            builder.figure(figure.figure, figure.value, figure.text, "", figure.line)
    known = sum(1 for s in doc.sections() if norm(s.heading or "") in SECTIONS
                or heading_role(s.heading or "") not in (None, *NOT_REPORT_ROLES))
    known += len(_labelled_roles(doc, title_section))
    has_id = "incident_id" in builder.declared
    stated_root = builder.root and not builder.root_inferred
    read_something = reader.has_timeline or bool(builder.others or stated_root or builder.timeline
                                                  or builder.resolution)
    if (PLACEHOLDERS.search(title or "") or re.search(r"\btemplate\b", title or "", re.I)) \
            and _filled_words(doc) < 40:
        raise InputError(f"{name}: a template: the title is a placeholder ({title[:40]})")
    prompt = _PROMPT.search(doc.text)
    if prompt and _unfilled(doc):
        raise InputError(f"{name}: a template: its sections hold only prompts such as "
                         f"{prompt[0][:40]!r}")
    headless = next(doc.sections(), None) is None
    index = None if reader.has_timeline else acceptance.indexes_files(doc)
    if index:
        raise InputError(f"{name}: not an incident report ({index})")
    # A report is what it holds: a title alone is not one, and a report need not state a
    # title (a wiki page whose first heading is "Issue Summary").
    if not (reader.has_timeline or has_id or known >= 2 or (known and read_something)
            or (headless and read_something) or acceptance.narrates_incident(doc, title, front)):
        raise InputError(
            f"{name}: not an incident report (found "
            f"{'a title' if title else 'no title'}, {'a' if reader.has_timeline else 'no'} "
            f"timeline, {known} report section(s), {'an' if has_id else 'no'} incident id)")
    if not title:
        builder.problem(0, "no-title", "the report states no title; the incident has none")
    ident = incident_id or _incident_id(builder, doc, title, day, source)
    builder.declared["incident_id"] = ident
    if layout == "headed":
        layout = _layout_name(doc)
    events, incident = builder.finish()
    return ImportResult(incident, events, [*builder.findings, *check(incident)], layout, source,
                        tuple(builder.figures))


_LABEL_OR_MARK = re.compile(r"\*\*[^*\n]{1,80}\*\*:?|^\s*(?:#{1,6}|[-+*>|]|\d+[.)])|\|")
_BLANK = re.compile(r"\[[^\]\n]{0,60}\](?!\()|\b[A-Z]{1,4}(?:[-/:][A-Z#]{1,8})+\b")


def _labelled_roles(doc: Document, title_section: Section | None) -> set[str]:
    """The report roles that bold run-in labels of top-level bullets name
    (``- **Root cause**: ...``): a report told in labelled items has sections too."""
    blocks = list(doc.root.blocks) + (title_section.blocks if title_section else [])
    found: set[str] = set()
    for block in blocks:
        if block.type != "list":
            continue
        for item in items(doc, block):
            pair = split_label(item.text)
            role = heading_role(pair[0]) if pair else None
            if role is not None and role not in NOT_REPORT_ROLES:
                found.add(role)
    return found


# Each branch starts with its character (a word's start checked behind it), so a search
# skips to those characters rather than trying every place: ``\bX{3,}`` as ``X(?<!\wX)X{2,}``.
_PROMPT = re.compile(r"<[A-Z][^<>]{3,600}>|X(?<!\wX)X{2,}\b|Y(?<!\wY)Y{2,}\b|Z(?<!\wZ)Z{2,}\b")
"""A template's prompts: ``<Short description of what happened ...>``, ``XXX``."""


def _unfilled(doc: Document) -> bool:
    """True when a document's report sections (two or more) hold nothing but prompts."""
    sections = [s for s in doc.sections() if heading_role(s.heading or "") not in (
        None, *NOT_REPORT_ROLES)]
    if len(sections) < 2:
        return False
    for s in sections:
        if not s.blocks:
            continue
        said = _PROMPT.sub(" ", doc.raw(s.blocks[0].start, s.blocks[-1].end))
        if len(re.findall(r"[A-Za-z]{2,}", said)) > 3:
            return False
    return True


def _filled_words(doc: Document) -> int:
    """Words a template's user wrote: not headings, labels, placeholders, prompts or table
    rules."""
    count = 0
    body = _PROMPT.sub(" ", "\n".join(doc.lines[doc.front_matter_end:]))
    for line in body.split("\n"):
        if line.lstrip().startswith("#"):
            continue
        text = _BLANK.sub(" ", PLACEHOLDERS.sub(" ", _LABEL_OR_MARK.sub(" ", line)))
        count += len(re.findall(r"[A-Za-z]{2,}", text))
    return count


_BARE_PLACEHOLDER = re.compile(r"(?:ISSUE|INCIDENT|REPORT|EVENT)?\s*(?:NAME|TITLE)",
                               re.IGNORECASE)
"""A title heading that is only a template's label (``ISSUE NAME``, ``Incident Title``)."""


def _title_section(doc: Document) -> Section | None:
    for section in doc.root.children:
        if section.level == 1:
            return section
    return None


def _title(doc: Document, title_section: Section | None) -> str:
    """The report's title as written: its H1, else front matter, else its first heading or
    an opening line that reads as one; ``""`` when the report states none (a heading that
    only names a part, ``Overview``, is not a title). The house templates' own
    ``Incident Report:`` is taken off; another team's words are kept."""
    title = _title_as_written(doc, title_section)
    return "" if names_a_part(title) else title


def _title_as_written(doc: Document, title_section: Section | None) -> str:
    if title_section is not None:
        title = unescape_inline(_without_prefix(doc, title_section.heading or ""))
        under = next((b for b in title_section.blocks if b.type == "paragraph"), None)
        if _BARE_PLACEHOLDER.fullmatch(title) and under is not None:
            # A template's label left in place ("ISSUE NAME", "Incident Title"): the line
            # under it names the incident.
            line = doc.lines[under.start].strip()
            if 0 < len(line) <= 150:
                return unescape_inline(line)
        return title
    if doc.front_matter.get("title"):
        return doc.front_matter["title"]
    if heading := html_title(doc.lines, doc.front_matter_end):
        return heading
    first = next(doc.sections(), None)
    if first is None:
        # No headings at all: an opening line that reads as a title names the incident.
        opening = next((b for b in doc.root.blocks if b.type == "paragraph"), None)
        line = doc.lines[opening.start].strip().strip("*_ ").rstrip(":") if opening else ""
        return line if 0 < len(line) <= 100 and not line.endswith(".") and "://" not in line \
            else ""
    return _without_prefix(doc, first.heading or "")


def _without_prefix(doc: Document, heading: str) -> str:
    """A title heading without a label before it (``Title:``), and without the house
    templates' ``Incident Report:`` in a house report (any other team's is its own words)."""
    heading = heading.strip()
    prefix = HOUSE_TITLE_PREFIX.strip()
    if heading.startswith(prefix) and _house_header(doc):
        return heading[len(prefix):].strip()
    return TITLE_LABEL.sub("", heading).strip()


def _house_header(doc: Document) -> bool:
    """Whether the report opens as the house templates do: the H1, then its incident id."""
    lines = (line.strip() for line in doc.lines[doc.front_matter_end:])
    body = [line for line, _ in zip((line for line in lines if line), range(2), strict=False)]
    return len(body) > 1 and body[0].startswith("# ") and body[1].startswith("**Incident ID**")


def _report_day(doc: Document, title_section: Section | None, title: str,
                source: str | None, order: when.DateOrder) -> date | None:
    """The report's day: its Date line (in any common format), title, file name or
    incident id, else the first date it writes, else its front matter's ``date`` (a post's
    day, often days after the incident)."""
    head = doc.lines[doc.front_matter_end:doc.front_matter_end + 40]
    for line in head:
        low = line.lower()
        if "date" not in low and "when" not in low:
            continue
        pair = split_label(line) or _plain_label(line)
        if pair and heading_role(pair[0]) == "date" and (
                found := when.find_date(pair[1], order, 200)):
            return found[0]
    for candidate in (title, Path(source).stem if source else ""):
        if candidate and (found := when.find_date(candidate, order, 500)):
            return found[0]
    header_id = re.search(r"INC-(\d{4})(\d{2})(\d{2})-\d+", doc.text[:5000])
    if header_id:
        try:
            return date(int(header_id[1]), int(header_id[2]), int(header_id[3]))
        except ValueError:
            pass
    body = "\n".join(doc.lines[doc.front_matter_end:])
    found = when.find_date(body, order, 20_000) or when.find_date(
        doc.front_matter.get("date", ""), order, 200)
    return found[0] if found else None


def _plain_label(line: str) -> tuple[str, str] | None:
    """``Date: 12 February 2025`` (a label without bold), or ``None``."""
    match = re.match(r"^\s*(?:[-*]\s+)?([A-Za-z][A-Za-z ]{0,30}):\s+(.+)$", line)
    return (match[1], match[2]) if match else None


def _line_of(doc: Document, words: str) -> int:
    """The 0-based line where ``words`` first appear (0 if nowhere)."""
    at = doc.text.find(words)
    return doc.text.count("\n", 0, at) if at >= 0 else 0


def _read_body(reader: Reader, doc: Document, title_section: Section | None) -> str:
    layout = "headed"
    own = list(doc.root.blocks)
    if title_section is not None:
        own += title_section.blocks
    for n, block in enumerate(own):
        if block.type == "list" and n and own[n - 1].type == "list" and \
                actions.introduces_actions(reader, own[n - 1]) and \
                not actions.action_lists(reader, [block], None):
            continue  # "- **Review actions**:" closing one list, the items in the next
        if n and resolution.after_label(reader, own[n - 1], block):
            continue  # "- **Resolution**:" closing one list, what was done after it
        if keyevents.is_key_events_list(reader, block):
            keyevents.read_list(reader, title_section or doc.root, block, "")
            layout = "key-events"
        elif layout == "key-events" and (part := keyevents.continues_detail(reader, block))[0]:
            if part[1] is not None:  # labelled bullets after the timeline's last entry
                keyevents.read_list(reader, title_section or doc.root, part[1], "")
        elif keyevents.is_labelled_list(reader, block):
            # "- **Root cause**: ..." bullets: a report told in labelled items
            keyevents.read_list(reader, title_section or doc.root, block, "")
        elif block.type in ("paragraph", "list", "table") and title_section is not None and \
                block in title_section.blocks:
            header.header(reader, Section(title_section.heading, 1, title_section.line, [block]))
        elif block.type != "thematic_break":
            reader.b.keep("", 1, None, doc.raw(block.start, block.end), block.start)
    keyevents.finish(reader)
    if next(doc.sections(), None) is None:
        # No headings at all: the paragraphs and lists are the report; read their times.
        rows: list[tl.RowText] = []
        timeline_section.timeline_blocks(reader, list(doc.root.blocks), rows)
        if rows:
            tl.emit(reader.b, rows)
            reader.has_timeline = True
    # Sections beside the title section, at its level (a document sectioned by H1s), are
    # read by role after it.
    later = [s for s in doc.root.children if s is not title_section] if title_section else []
    reader.read(title_section if title_section is not None else doc.root, later)
    keyevents.finish(reader, final=True)
    return layout


def _layout_name(doc: Document) -> str:
    headings = {norm(s.heading or "") for s in doc.sections()}
    if {"impact assessment", "incident timeline"} & headings:
        return "template-b"
    if {"executive summary", "the five whys", "blast radius"} & headings:
        return "template-a"
    return "headed"


def _incident_id(builder: Builder, doc: Document, title: str, day: date | None,
                 source: str | None) -> str:
    # What the report says, never its bare file name: one folder per incident gives many
    # files called postmortem.md or index.md, and they are different incidents.
    candidates = [str(builder.declared.get("incident_id", "")), doc.front_matter.get("id", "")]
    for candidate in candidates:
        cleaned = re.sub(r"[^A-Za-z0-9._:#-]+", "-", candidate.strip()).strip("-")[:100]
        if cleaned and INCIDENT_ID.fullmatch(cleaned):
            return cleaned
    # An untitled report is named by its file (its day alone would merge a day's reports).
    named = title or Path(source or "").name
    digest = hashlib.sha256(named.encode()).hexdigest()[:8]
    return f"{day.isoformat()}-{digest}" if day else f"INC-{digest}"


__all__ = ["DEFAULT_LIMITS", "ImportResult", "Limits", "import_markdown"]
