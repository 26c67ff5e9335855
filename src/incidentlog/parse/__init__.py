"""Legacy Markdown postmortems into event streams, losslessly.

:func:`import_markdown` reads one report: both house templates, the SRE-book layout, bullet
or table timelines, YAML front matter, "Key events" bullets and stated times to repair or
resolve. What it understands becomes events marked with their source line; what it does not
is kept verbatim as :class:`~incidentlog.events.SectionNoted`, so rendering puts it back.
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
from incidentlog.parse import keyevents
from incidentlog.parse import timeline as tl
from incidentlog.parse.builder import IMPORT_ACTOR, Builder
from incidentlog.parse.house import SECTIONS, Reader
from incidentlog.parse.source import DEFAULT_LIMITS, Document, Limits, Section, decode, parse
from incidentlog.parse.text import find_date, norm, read_date, split_label, stated_zone
from incidentlog.render.emit import unescape_inline

TITLE_PREFIX = re.compile(r"^(?:incident\s+report|post-?mortem|postmortem|incident)\s*:\s*",
                          re.IGNORECASE)
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december"]
_LONG_DATE = re.compile(r"\b(" + "|".join(MONTHS) + r")\s+(\d{1,2}),\s+(\d{4})\b", re.I)


@attrs.frozen
class ImportResult:
    """What one document became: its events, the incident they fold to, and the findings."""

    incident: Incident
    events: list[ev.Event]
    findings: list[Finding]
    layout: str
    source: str | None


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
    try:
        doc = parse(decoded, file=source)
    except RecursionError:
        raise InputError(f"{name}: nested too deeply to parse") from None
    title_section = _title_section(doc)
    title = _title(doc, title_section)
    day = _report_day(doc, title_section, title, source)
    zone: tzinfo = stated_zone(decoded) or UTC
    builder = Builder(file=source, actor=actor, day=day, zone=zone)
    reader = Reader(doc, builder, tl.Clock(day, zone))
    builder.declared.update(title=title or "", severity=None, occurred_at=None, note="",
                            source=builder.src(title_section.line if title_section else 0))
    if doc.front_matter_end:
        builder.keep("", 0, None, "\n".join(doc.lines[: doc.front_matter_end]), 0)
    layout = _read_body(reader, doc, title_section)
    known = sum(1 for s in doc.sections() if norm(s.heading or "") in SECTIONS)
    has_id = "incident_id" in builder.declared
    if not title or not (reader.has_timeline or has_id or known >= 2):
        raise InputError(
            f"{name}: not an incident report (found "
            f"{'a title' if title else 'no title'}, {'a' if reader.has_timeline else 'no'} "
            f"timeline, {known} report section(s), {'an' if has_id else 'no'} incident id)")
    ident = incident_id or _incident_id(builder, doc, title, day, source)
    builder.declared["incident_id"] = ident
    if layout == "headed":
        layout = _layout_name(doc, builder)
    events, incident = builder.finish()
    return ImportResult(incident, events, [*builder.findings, *check(incident)], layout, source)


def _title_section(doc: Document) -> Section | None:
    for section in doc.root.children:
        if section.level == 1:
            return section
    return None


def _title(doc: Document, title_section: Section | None) -> str:
    if title_section is not None:
        return unescape_inline(TITLE_PREFIX.sub("", title_section.heading or "").strip())
    if doc.front_matter.get("title"):
        return doc.front_matter["title"]
    first = next(doc.sections(), None)
    return TITLE_PREFIX.sub("", first.heading or "").strip() if first else ""


def _report_day(doc: Document, title_section: Section | None, title: str,
                source: str | None) -> date | None:
    if title_section is not None:
        for block in title_section.blocks:
            for n in range(block.start, block.end):
                pair = split_label(doc.lines[n])
                if pair and norm(pair[0]) == "date" and (found := read_date(pair[1])):
                    return found
    for candidate in (doc.front_matter.get("date", ""), title,
                      Path(source).name if source else ""):
        if candidate and (found := find_date(candidate)):
            return found
    header_id = re.search(r"INC-(\d{4})(\d{2})(\d{2})-\d+", doc.text[:5000])
    if header_id:
        try:
            return date(int(header_id[1]), int(header_id[2]), int(header_id[3]))
        except ValueError:
            pass
    found = find_date(doc.text)
    long_date = _LONG_DATE.search(doc.text[:200_000])
    if long_date:
        try:
            written = date(int(long_date[3]), MONTHS.index(long_date[1].lower()) + 1,
                           int(long_date[2]))
        except ValueError:
            written = None
        if written and (found is None or doc.text.find(long_date[0]) < doc.text.find(
                found.isoformat())):
            return written
    return found


def _read_body(reader: Reader, doc: Document, title_section: Section | None) -> str:
    layout = "headed"
    own = list(doc.root.blocks)
    if title_section is not None:
        own += title_section.blocks
    for block in own:
        if keyevents.is_key_events_list(reader, block):
            keyevents.read_list(reader, title_section or doc.root, block, "")
            layout = "key-events"
        elif block.type == "paragraph" and title_section is not None and \
                block in title_section.blocks:
            reader.header(Section(title_section.heading, 1, title_section.line, [block]))
        elif block.type != "thematic_break":
            reader.b.keep("", 1, None, doc.raw(block.start, block.end), block.start)
    reader.read(title_section if title_section is not None else doc.root)
    if title_section is not None:
        # Sections after the title section but at its level (a second H1) are kept.
        later = [s for s in doc.root.children if s is not title_section]
        for section in later:
            reader.keep_all(section, title_section.heading or "")
    return layout


def _layout_name(doc: Document, builder: Builder) -> str:
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
    digest = hashlib.sha256(title.encode()).hexdigest()[:8]
    return f"{day.isoformat()}-{digest}" if day else f"INC-{digest}"


__all__ = ["DEFAULT_LIMITS", "ImportResult", "Limits", "import_markdown"]
