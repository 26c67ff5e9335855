"""Reports organised by headings: the two house templates, the SRE-book layout, and others.

Each known heading has a reader that turns the blocks it understands into events. A block
is taken only when the renderer would write it back the same way; everything else under a
heading is kept verbatim, so nothing the author wrote is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import ClassVar

import attrs

from incidentlog import events as ev
from incidentlog.parse import roles, when
from incidentlog.parse import timeline as tl
from incidentlog.parse.builder import Builder
from incidentlog.parse.lists import Item, items
from incidentlog.parse.source import Block, Document, Section
from incidentlog.parse.text import (
    norm,
    read_date,
    read_duration,
    read_number,
    split_label,
    stated_zone_name,
)
from incidentlog.render import template_a, template_b
from incidentlog.render.common import SEVERITY_WORDS, STATUS_LABELS
from incidentlog.render.emit import unescape_inline
from incidentlog.render.layout import verbatim_headings
from incidentlog.severity import rank
from incidentlog.vocabulary import FIGURE_WORDS, LESSON_ROLES, heading_role

SEVERITY = re.compile(r"^\s*(P[0-3])(?:\s*-\s*(Critical|High|Medium|Low))?\s*$", re.I)
ITEM_ID = re.compile(r"\s\((?P<id>[A-Za-z0-9][A-Za-z0-9._#:-]{0,39})\)(?P<extra>\s\[[^\]]*\])?$")
FIGURE_LABELS = FIGURE_WORDS
A_HORIZONS = {norm(v): k for k, v in template_a.HORIZONS.items()}
LESSON_HEADINGS = {
    **{norm(h): k for k, (h, _) in template_a.LESSON_KINDS.items()},
    **{norm(h): k for k, h in template_b.RESPONSE_KINDS.items()},
    **{norm(h): k for k, h in template_b.LESSON_KINDS.items()},
    "what went well": "went_well", "what went wrong": "went_wrong",
    "where we got lucky": "lucky",
}
MARKS = "✅❌🍀"


@attrs.define
class Reader:
    """Reads one headed document into a builder."""

    doc: Document
    b: Builder
    clock: tl.Clock
    has_timeline: bool = False
    pending_rows: dict[str, list[tl.RowText]] = attrs.Factory(dict)
    """Timeline rows held until the whole header is read (key events and a detailed
    timeline under another label, merged by :func:`incidentlog.parse.keyevents.finish`)."""
    deferred: list[tuple[Section, str, str | None]] = attrs.Factory(list)
    consumed: set[int] = attrs.Factory(set)
    """Lines of sub-headings a reader took whole (one timeline heading per event)."""

    # -------------------------------------------------------------- dispatch

    def read(self, root: Section) -> None:
        """Read every section under ``root`` (the document, or its title section).

        The house templates' own headings are read first; sections that only name a role
        (``Issue Summary``, ``Corrective and Preventative Measures``) are read after them,
        in document order, so they fill only what the house sections leave empty.
        """
        previous = ""
        for section in root.children:
            self.section(section, previous, None)
            previous = section.heading or ""
        while self.deferred:
            pending, self.deferred = self.deferred, []
            for section, anchor, parent in pending:
                self.by_role(section, anchor, parent)
        roles.from_prose(self)

    def section(self, s: Section, anchor: str, parent: str | None) -> None:
        key = norm(s.heading or "")
        reader = SECTIONS.get(key)
        role = heading_role(s.heading or "")
        if reader is None and (key in LESSON_HEADINGS or (
                parent in ("lessons", "detection") and role not in ("actions", "timeline"))):
            reader = Reader.lessons
        if reader is None and parent == "actions" and role is None:
            reader = Reader.horizon
        if reader is None and role is not None and role in _BY_ROLE and key not in HOUSE_VERBATIM:
            # Keep its place among kept sections; read it once the house sections are read.
            self.b.reserve(("section", s.line))
            self.deferred.append((s, anchor, parent))
            return
        if reader is None:
            self.keep_all(s, anchor)
            return
        self.run(reader, s, anchor, key if key in SECTIONS else role)

    def by_role(self, s: Section, anchor: str, parent: str | None) -> None:
        """A section read by the role its heading names."""
        role = heading_role(s.heading or "")
        if not s.blocks and not s.children:  # an empty heading stays, as written
            self.b.keep(s.heading or "", s.level, anchor, "", s.line, empty_ok=True,
                        key=("section", s.line))
            return
        self.run(_BY_ROLE[role or ""], s, anchor, role)

    def run(self, reader: Callable[[Reader, Section], list[Block]], s: Section, anchor: str,
            key: str | None) -> None:
        leftover = reader(self, s)
        self.keep_blocks(s, leftover, anchor)
        previous = s.heading or ""
        parent = _PARENT_ROLE.get(key or "", heading_role(key or ""))
        for child in s.children:
            if child.line in self.consumed:
                continue
            self.section(child, previous, parent)
            # A sub-section read whole leaves no heading to place the next one after.
            if self.b.keeps(("section", child.line)):
                previous = child.heading or ""

    def keep_all(self, s: Section, anchor: str) -> None:
        """Keep a whole section (sub-sections included) verbatim, even an empty one."""
        body = _strip_rules(self.doc.raw(s.start, s.end))
        self.b.keep(s.heading or "", s.level, anchor, body, s.line, empty_ok=True,
                    key=("section", s.line))

    def keep_blocks(self, s: Section, blocks: list[Block], anchor: str) -> None:
        """Keep blocks verbatim; neighbours in the source stay together as written."""
        runs: list[list[Block]] = []
        for block in blocks:
            if runs and s.blocks.index(block) == s.blocks.index(runs[-1][-1]) + 1:
                runs[-1].append(block)
            else:
                runs.append([block])
        text = "\n\n".join(self.doc.raw(run[0].start, run[-1].end) for run in runs)
        text = _strip_rules(text)
        if text.strip():
            self.b.keep(s.heading or "", s.level, anchor, text, blocks[0].start,
                        key=("section", s.line))

    def raw(self, block: Block) -> str:
        return self.doc.raw(block.start, block.end)

    def label_before_list(self, blocks: list[Block], i: int) -> tuple[str, Block] | None:
        """``**Label**:`` alone in paragraph ``i`` with a list right after it: the label,
        folded for comparison, and the list block."""
        block = blocks[i]
        if block.type != "paragraph" or i + 1 >= len(blocks) or blocks[i + 1].type != "list":
            return None
        pair = split_label(self.raw(block))
        return (norm(pair[0]), blocks[i + 1]) if pair and not pair[1] else None

    # -------------------------------------------------------------- header

    def header(self, title_section: Section) -> None:
        """The title and the ``**Field**: value`` lines under it."""
        for block in title_section.blocks:
            if block.type == "thematic_break":
                continue
            kept: list[str] = []
            for n in range(block.start, block.end):
                line = self.doc.lines[n]
                if block.type != "paragraph" or not self.header_line(line, n):
                    kept.append(line)
            if any(k.strip() for k in kept):
                self.b.keep("", 1, None, "\n".join(kept), block.start)

    def header_line(self, line: str, n: int) -> bool:
        pair = split_label(line)
        if pair is None:
            return False
        label, value = norm(pair[0]), pair[1]
        d = self.b.declared
        if label == "incident id" and value:
            return "incident_id" in d or bool(d.setdefault("incident_id", value.lstrip("#")))
        if label == "date":
            return read_date(value) is not None and value.strip() == str(read_date(value))
        if label == "severity":
            match = SEVERITY.match(value)
            if match and self.b.stated_severity is None and (
                    not match.group(2) or SEVERITY_WORDS[match.group(1).upper()].lower()
                    == match.group(2).lower()):
                severity = match.group(1).upper()
                self.b.stated_severity = severity
                return value == severity or value == f"{severity}-{SEVERITY_WORDS[severity]}"
            if self.b.stated_severity is None and rank(value) is not None and len(value) <= 40 \
                    and "*" not in value:
                self.b.stated_severity = value  # the team's own scale, as written
                return True
            return False
        if label in ("incident commander", "commander") and value and "commander" not in d:
            d["commander"] = value
            return True
        if label == "status" and value.lower() in {v.lower() for v in STATUS_LABELS.values()} \
                and self.b.stated_status is None:
            self.b.stated_status = (value, n)
            return True
        if label == "duration" and value:
            minutes = read_duration(value)
            if minutes is None:
                return False
            self.b.figure("duration_minutes", minutes, value, "Duration", n)
            return True
        return False

    # -------------------------------------------------------------- summary

    def executive_summary(self, s: Section) -> list[Block]:
        leftover: list[Block] = []
        blocks = [b for b in s.blocks if b.type != "thematic_break"]
        i = 0
        while i < len(blocks):
            block = blocks[i]
            text = self.raw(block)
            pair = split_label(text) if block.type == "paragraph" else None
            labelled = self.label_before_list(blocks, i)
            if labelled and labelled[0] == "impact":
                leftover += self.impact_bullets(labelled[1])
                i += 2
                continue
            first = split_label(text.split("\n", 1)[0]) if block.type == "paragraph" else None
            if first and norm(first[0]) == "one line summary" and \
                    "summary" not in self.b.declared:
                rest = text.split("\n", 1)[1] if "\n" in text else ""
                self.b.declared["summary"] = _unparagraph((first[1] + "\n" + rest).strip())
                i += 1
                continue
            if first and "\n" in text and norm(first[0]) in ("root cause", "resolution") and \
                    first[1] and self.summary_label(first[0], _unparagraph(
                        (first[1] + "\n" + text.split("\n", 1)[1]).strip()), block.start):
                i += 1
                continue
            if pair and "\n" not in text and self.summary_label(pair[0], pair[1], block.start):
                i += 1
                continue
            if block.type == "paragraph" and not pair and not self.b.declared.get("summary") \
                    and not leftover:
                self.b.declared["summary"] = _unparagraph(text)
                i += 1
                continue
            leftover.append(block)
            i += 1
        return leftover

    def summary_label(self, label: str, value: str, line: int) -> bool:
        key = norm(label)
        if key == "one line summary" and "summary" not in self.b.declared:
            self.b.declared["summary"] = _unparagraph(value)
            return True
        if key == "root cause" and value and "exec_root" not in self.b.root:
            self.b.set_root(line, summary=_unparagraph(value), exec_root=_unparagraph(value))
            return True
        if key == "resolution" and value and self.b.resolution is None:
            self.b.resolution = (_unparagraph(value), line)
            return True
        return False

    def impact_bullets(self, block: Block) -> list[Block]:
        for item in items(self.doc, block):
            pair = split_label(item.text) if not item.body else None
            if pair is None:
                self.b.fact("summary", "", item.text, item.line)
                continue
            label, value = pair
            key = norm(label)
            if key == "users affected" and "users_affected" not in self.b.impact:
                self.b.set_impact(item.line, users_affected=value)
            elif key == "revenue impact" and "revenue" not in self.b.impact:
                self.b.set_impact(item.line, revenue=value)
            elif key == "duration" and (minutes := read_duration(value)) is not None:
                self.b.figure("duration_minutes", minutes, value, "Impact Duration", item.line)
            elif key == "services impacted" and not self.b.declared.get("services") and (
                    names := _names(value)):
                self.b.declared["services"] = names
            else:
                self.b.fact("summary", label, value, item.line)
        return []

    # -------------------------------------------------------------- timeline

    def timeline(self, s: Section) -> list[Block]:
        """A timeline in any common shape: a table, bullets, lines starting with times, or
        one sub-heading per event; date lines and date sub-headings set the day."""
        if self.has_timeline:
            return list(s.blocks)
        # A zone the timeline's own heading or opening lines state holds for it.
        opening = "\n".join([s.heading or ""] + [self.raw(b) for b in s.blocks[:2]
                                                  if b.type == "paragraph"])
        if (name := stated_zone_name(opening)) and (zone := when.zone_named(name)):
            self.clock.zone = zone
        rows: list[tl.RowText] = []
        leftover = self.timeline_blocks(s.blocks, rows)
        self.timeline_headings(s, rows)
        if not rows and [b.type for b in leftover] == ["list"] and not s.children:
            # A list alone under a timeline heading, with no times: its items are entries.
            rows, leftover = tl.untimed_bullets(self.doc, leftover[0]), []
        if "key" in self.pending_rows:  # key events in the header: this is their detail
            rows = tl.merge_key_events(self.pending_rows.pop("key"), rows)
        if rows:
            tl.emit(self.b, rows)
            self.has_timeline = True
        return leftover

    def timeline_blocks(self, blocks: list[Block], rows: list[tl.RowText]) -> list[Block]:
        leftover = []
        from_list = False  # what follows a bullet timeline's item belongs to it
        for block in blocks:
            if block.type == "thematic_break":
                continue
            text = self.raw(block)
            if block.type == "paragraph" and re.fullmatch(r"All times in [A-Z]{1,5}\.", text):
                continue
            if block.type == "block_code" and text.startswith("```mermaid\ngantt"):
                continue  # a chart the renderer draws from the timeline: drawn again
            found = None
            if block.type == "table" or (block.type == "paragraph" and
                                         tl.looks_like_table(self.doc, block)):
                problems: list[tuple[int, str, str]] = []
                found = tl.read_table(self.doc, block, self.clock, problems)
                for line, code, message in problems:
                    self.b.problem(line, code, message)
            elif block.type == "list":
                found = tl.read_bullets(self.doc, block, self.clock)
            elif block.type == "paragraph" and not self.figure_lines(block):
                lines_problems: list[tuple[int, str, str]] | None = [] if rows else None
                found = tl.read_lines(self.doc, block, self.clock, lines_problems)
                for line, code, message in lines_problems or []:
                    self.b.problem(line, code, message)
            elif block.type == "paragraph":
                continue
            if found is not None:
                rows += found
                if found:
                    from_list = block.type == "list"
                    continue
                if not found and block.type == "paragraph":
                    leftover.append(block)  # a date line: kept as written
                    continue
            if rows and from_list and block.type in ("block_code", "list", "paragraph",
                                                     "block_quote") and not leftover \
                    and not stated_zone_name(text):
                last = rows[-1]
                rows[-1] = tl.RowText(last.at, last.text + "\n\n" + text, last.who, last.line)
                continue
            leftover.append(block)
        return leftover

    def timeline_headings(self, s: Section, rows: list[tl.RowText]) -> None:
        """Sub-headings that are times (one per event) or dates (a day's events)."""
        for child in s.children:
            heading = child.heading or ""
            stamp = self.clock.read(heading, whole=False)
            dated = when.read_date(heading.strip("*_ "), self.clock.order)
            if stamp is not None and stamp.at is not None:
                words = heading[stamp.end:].strip()
                body = self.doc.raw(child.start, child.end)
                rows.append(tl.RowText(stamp.at, (words + "\n\n" + body).strip(), "",
                                       child.line))
                self.consumed.add(child.line)
            elif dated is not None:
                self.clock.set_day(dated[0])
                inner: list[tl.RowText] = []
                left = self.timeline_blocks(child.blocks, inner)
                if inner and not left:
                    rows += inner
                    self.timeline_headings(child, rows)
                    self.consumed.add(child.line)
                    # The day's heading stays, as written, with nothing under it.
                    self.b.keep(heading, child.level, s.heading or "", "", child.line,
                                empty_ok=True, key=("section", child.line))
                elif not inner and tl.day_entry(self.doc, child, dated[0], rows):
                    self.consumed.add(child.line)

    def figure_lines(self, block: Block) -> bool:
        """``**Total Duration**: 27 minutes`` lines (all of the paragraph, or nothing)."""
        found = []
        for n in range(block.start, block.end):
            pair = split_label(self.doc.lines[n])
            if pair is None:
                return False
            label, value = pair
            figure = FIGURE_LABELS.get(norm(label))
            text = value.split(" — stated as: ", 1)[-1]
            minutes = read_duration(text) if figure else None
            if figure is None or minutes is None:
                return False
            found.append((figure, minutes, text, label, n))
        for figure, minutes, text, label, n in found:
            self.b.figure(figure, minutes, text, label, n)
        return True

    # -------------------------------------------------------------- impact

    def blast_radius(self, s: Section) -> list[Block]:
        leftover: list[Block] = []
        blocks = s.blocks
        i = 0
        while i < len(blocks):
            block = blocks[i]
            labelled = self.label_before_list(blocks, i)
            if labelled:
                key, after = labelled
                lst = items(self.doc, after)
                if key == "affected services" and all(not x.body for x in lst):
                    self.services(lst)
                    i += 2
                    continue
                if key in ("user impact", "slo impact") and all(not x.body for x in lst):
                    self.fact_list("user" if key == "user impact" else "slo", lst)
                    i += 2
                    continue
            leftover.append(block)
            i += 1
        return leftover

    def services(self, lst: list[Item]) -> None:
        found = []
        for item in lst:
            name, sep, effect = item.text.partition(": ")
            found.append(ev.ServiceImpact(name.strip(), effect.strip() if sep else ""))
        self.b.set_impact(lst[0].line, services=tuple(found))

    def fact_list(self, part: str, lst: list[Item]) -> None:
        generated = [self.generated_impact(part, x) for x in lst]
        if all(generated):
            return
        for item in lst:
            self.numbers_in(item.text, item.line)
            pair = split_label(item.text)
            label, value = pair if pair else ("", item.text)
            self.b.fact(part, label, value, item.line)

    _FAILED = re.compile(r"^([\d,]+) failed requests \(out of ([\d,]+) total\): [\d.]+% success "
                         r"rate$")
    _SLO = re.compile(r"^Monthly availability SLO: ([\d.]+)% \(target: ([\d.]+)%\) [✅❌]$")

    def generated_impact(self, part: str, item: Item) -> bool:
        """A line the renderer generates from numbers: read the numbers back, keep no fact."""
        text = item.text
        if part == "user" and (m := self._FAILED.match(text)):
            self.b.set_impact(item.line, failed_requests=int(m[1].replace(",", "")),
                              total_requests=int(m[2].replace(",", "")))
            return True
        if part == "user" and (m := re.match(r"^(Total|Failed) requests: ([\d,]+)$", text)):
            field = "total_requests" if m[1] == "Total" else "failed_requests"
            self.b.set_impact(item.line, **{field: int(m[2].replace(",", ""))})
            return True
        if part == "slo" and (m := self._SLO.match(text)):
            self.b.set_impact(item.line, slo_actual=float(m[1]), slo_target=float(m[2]))
            return True
        if part == "slo" and (m := re.match(r"^SLO target: ([\d.]+)% \(error budget [\d.]+ "
                                            r"min/month\)$", text)):
            self.b.set_impact(item.line, slo_target=float(m[1]))
            return True
        if part == "slo" and (m := re.match(r"^Downtime: ([\d.]+) minutes$", text)):
            self.b.set_impact(item.line, downtime_minutes=float(m[1]))
            return True
        return (part == "slo" and text in ("SLO breached", "No SLO breach")) or (
            part == "slo" and re.match(r"^Error budget consumed: [\d.]+%$", text) is not None)

    def numbers_in(self, text: str, line: int) -> None:
        """Counts, rates and SLO figures written in impact or supporting text."""
        lowered = text.lower()
        slo = re.search(r"slo:?\s*([\d.]+)%\s*\(target:?\s*([\d.]+)%\)", lowered)
        if slo:
            self.b.set_impact(line, slo_actual=float(slo[1]), slo_target=float(slo[2]))
        if re.search(r"\bno slo breach\b|\bslo not breached\b", lowered):
            self.b.figure("slo_breached", 0, text, "", line)
        elif re.search(r"\bslo breach(ed)?\b", lowered):
            self.b.figure("slo_breached", 1, text, "", line)
        used = re.search(r"error budget consumed:?\s*([\d.]+)%", lowered)
        if used:
            self.b.figure("error_budget_consumed_pct", float(used[1]), f"{used[1]}%", "", line)
        for figure, pattern in (("failed_requests", r"^failed requests:?\s*~?([\d,]+)\s*$"),
                                ("total_requests", r"^total requests[^:]*:\s*~?([\d,]+)\s*$"),
                                ("success_rate_pct", r"^success rate:?\s*([\d.]+)%\s*$")):
            match = re.match(pattern, lowered.strip())
            if match:
                value = read_number(match[1])
                if value is not None:
                    self.b.figure(figure, value, match[1], "", line)

    def impact_part(self, part: str) -> Callable[[Reader, Section], list[Block]]:
        def read(reader: Reader, s: Section) -> list[Block]:
            leftover = []
            for block in s.blocks:
                if block.type == "list" and all(not x.body for x in items(reader.doc, block)):
                    reader.facts_b(part, items(reader.doc, block))
                    continue
                leftover.append(block)
            return leftover

        return read

    def facts_b(self, part: str, lst: list[Item]) -> None:
        for item in lst:
            pair = split_label(item.text)
            label, value = pair if pair else ("", item.text)
            key = norm(label)
            if part == "user" and key == "affected users" and "users_affected" not in self.b.impact:
                self.b.set_impact(item.line, users_affected=value)
            elif part == "business" and key == "revenue impact" and "revenue" not in self.b.impact:
                self.b.set_impact(item.line, revenue=value)
            elif part == "business" and key == "sla impact" and self.sla(value, item.line):
                pass
            elif part == "business" and key == "availability" and (
                    m := re.match(r"^([\d.]+)% \(target: ([\d.]+)%\)$", value)):
                self.b.set_impact(item.line, slo_actual=float(m[1]), slo_target=float(m[2]))
            elif part == "technical" and key == "services affected" and (
                    found := _services(value)) is not None:
                impacts, names = found
                if impacts:
                    self.b.set_impact(item.line, services=impacts)
                if names:
                    self.b.declared["services"] = names
            elif part == "technical" and key in ("failed requests", "total requests") and (
                    re.fullmatch(r"[\d,]+", value)):
                field = "total_requests" if key == "total requests" else "failed_requests"
                self.b.set_impact(item.line, **{field: int(value.replace(",", ""))})
            elif part == "technical" and key == "failed requests" and (
                    m := re.match(r"^([\d,]+) of ([\d,]+) \([\d.]+% success rate\)$", value)):
                self.b.set_impact(item.line, failed_requests=int(m[1].replace(",", "")),
                                  total_requests=int(m[2].replace(",", "")))
            else:
                self.numbers_in(f"{label}: {value}" if label else value, item.line)
                self.b.fact(part, label, value, item.line)

    _SLA = re.compile(r"^~?([\d.]+) minutes against monthly error budget \(([\d.]+)% = "
                      r"([\d.]+) min/month\)$")

    def sla(self, value: str, line: int) -> bool:
        target = re.match(r"^SLO target ([\d.]+)% \(error budget [\d.]+ min/month\)$", value)
        if target:
            self.b.set_impact(line, slo_target=float(target[1]))
            return True
        match = self._SLA.match(value)
        if not match:
            return False
        self.b.set_impact(line, downtime_minutes=float(match[1]), slo_target=float(match[2]))
        self.b.figure("error_budget_minutes", float(match[3]), match[3], "", line)
        return True

    # -------------------------------------------------------------- root cause

    def five_whys(self, s: Section) -> list[Block]:
        leftover = []
        for block in s.blocks:
            if block.type == "list" and (whys := self.whys(items(self.doc, block))):
                self.b.set_root(block.start, whys=whys)
                continue
            pair = split_label(self.raw(block)) if block.type == "paragraph" else None
            if pair and norm(pair[0]) == "root cause" and "\n" not in self.raw(block):
                self.b.set_root(block.start, summary=_unparagraph(pair[1]))
                continue
            if block.type != "thematic_break":
                leftover.append(block)
        return leftover

    def whys(self, lst: list[Item]) -> tuple[ev.Why, ...] | None:
        found = []
        for item in lst:
            question = re.fullmatch(r"\*\*(.+?)\*\*", item.text.strip())
            answer = re.fullmatch(r"[-*+]\s+(.+)", item.body.strip())
            if not item.ordered or not question or not answer:
                return None
            found.append(ev.Why(unescape_inline(question[1]), unescape_inline(answer[1])))
        return tuple(found)

    def contributing(self, s: Section) -> list[Block]:
        leftover = []
        for block in s.blocks:
            lst = items(self.doc, block) if block.type == "list" else []
            if lst and all(x.ordered and not x.body for x in lst):
                self.b.set_root(block.start, contributing_factors=tuple(x.text for x in lst))
                continue
            if block.type != "thematic_break":
                leftover.append(block)
        return leftover

    def why_it_happened(self, s: Section) -> list[Block]:
        leftover: list[Block] = []
        blocks = s.blocks
        i = 0
        while i < len(blocks):
            block = blocks[i]
            text = self.raw(block)
            pair = split_label(text) if block.type == "paragraph" and "\n" not in text else None
            key = norm(pair[0]) if pair else ""
            if key == "immediate cause" and pair and pair[1]:
                self.b.set_root(block.start, immediate_cause=pair[1])
                if "summary" not in self.b.root:
                    self.b.root["summary"] = pair[1]
                i += 1
                continue
            if key == "root cause" and pair and pair[1]:
                self.b.set_root(block.start, summary=pair[1])
                i += 1
                continue
            first = split_label(text.split("\n", 1)[0]) if block.type == "paragraph" else None
            if first and "\n" in text and norm(first[0]) == "root cause" and first[1] and \
                    not self.b.root.get("summary"):
                self.b.set_root(block.start, summary=_unparagraph(
                    (first[1] + "\n" + text.split("\n", 1)[1]).strip()))
                i += 1
                continue
            if block.type == "paragraph" and re.fullmatch(r"\*\*Root Causes\*\*:\n(\d+\. .*\n?)+",
                                                          text):
                causes = [line.split(". ", 1)[1] for line in text.splitlines()[1:]]
                self.b.set_root(block.start, causes=tuple(causes))
                i += 1
                continue
            labelled = self.label_before_list(blocks, i)
            if labelled:
                key, after = labelled
                lst = items(self.doc, after)
                plain = all(x.ordered and not x.body for x in lst)
                field = {"root causes": "causes", "contributing factors": "contributing_factors"}
                if key in field and plain and field[key] not in self.b.root:
                    self.b.set_root(block.start, **{field[key]: tuple(x.text for x in lst)})
                    i += 2
                    continue
                if key == "five whys" and (whys := self.whys(lst)) and "whys" not in self.b.root:
                    self.b.set_root(block.start, whys=whys)
                    i += 2
                    continue
            leftover.append(block)
            i += 1
        return leftover

    # -------------------------------------------------------------- mitigation

    def mitigation(self, s: Section) -> list[Block]:
        leftover = []
        m = self.b.mitigation
        for block in s.blocks:
            text = self.raw(block)
            pair = split_label(text) if block.type == "paragraph" and "\n" not in text else None
            key = norm(pair[0]) if pair else ""
            if key == "action taken" and pair and "action" not in m:
                m.update(action=pair[1], line=block.start)
            elif key == "why it worked" and pair and "why_it_worked" not in m:
                m["why_it_worked"] = pair[1]
            elif key == "time to mitigation" and pair and self.figure_lines(block):
                pass
            elif block.type == "block_code" and "commands" not in m and text.startswith("```"):
                m["commands"] = str(block.token.get("raw", "")).rstrip("\n")
                m["commands_language"] = str((block.token.get("attrs") or {}).get("info") or "")
            elif block.type != "thematic_break":
                leftover.append(block)
        return leftover

    def resolution_steps(self, s: Section) -> list[Block]:
        """Template B's Resolution Steps Taken, in the shape the renderer writes it."""
        leftover = []
        m = self.b.mitigation
        mitigated = any(isinstance(r, ev.Mitigated) for r in self.b.timeline)
        for i, block in enumerate(s.blocks):
            text = self.raw(block)
            pair = split_label(text.split("\n", 1)[0]) if block.type == "paragraph" else None
            key = norm(pair[0]) if pair else ""
            rest = text.split("\n", 1)[1] if pair and "\n" in text else ""
            value = _unparagraph(((pair[1] if pair else "") + "\n" + rest).strip())
            if key == "resolution" and pair and self.b.resolution is None:
                self.b.resolution = (value, block.start)
            elif key == "why it worked" and pair and mitigated and "why_it_worked" not in m:
                m["why_it_worked"] = value
            elif block.type == "paragraph" and not pair and i == 0 and mitigated:
                m.update(action=_unparagraph(text), line=block.start)
            elif block.type == "block_code" and mitigated and "commands" not in m and \
                    text.startswith("```"):
                m["commands"] = str(block.token.get("raw", "")).rstrip("\n")
                m["commands_language"] = str((block.token.get("attrs") or {}).get("info") or "")
            elif block.type != "thematic_break":
                leftover.append(block)
        return leftover

    # -------------------------------------------------------------- action items

    def action_items(self, s: Section) -> list[Block]:
        return self.action_blocks(s.blocks, None)

    def action_blocks(self, blocks: list[Block], horizon: str | None) -> list[Block]:
        leftover = []
        for block in blocks:
            if block.type == "list" and self.task_items(items(self.doc, block), horizon):
                continue
            if block.type == "table" and self.action_table(block):
                continue
            if block.type != "thematic_break":
                leftover.append(block)
        return leftover

    def horizon(self, s: Section) -> list[Block]:
        label = s.heading or ""
        return roles.action_lists(self, s.blocks, A_HORIZONS.get(norm(label), label))

    def task_items(self, lst: list[Item], horizon: str | None) -> bool:
        parsed = []
        for n, item in enumerate(lst, 1):
            if item.body or item.checked is None:
                return False
            text = item.text
            owner = None
            match = re.match(r"^\*\*(?P<owner>[^*]+)\*\*: ", text)
            if match:
                owner, text = unescape_inline(match["owner"]), unescape_inline(text[match.end():])
            found = ITEM_ID.search(text)
            status = "done" if item.checked else "open"
            due = priority = None
            if found:
                item_id, text = found["id"], text[:found.start()]
                for extra in (found["extra"] or "").strip(" []").split(", "):
                    if extra == "in progress" and not item.checked:
                        status = "in_progress"
                    elif extra.startswith("due ") and (d := read_date(extra[4:])):
                        due = d
                    elif re.fullmatch(r"P[0-3]", extra):
                        priority = extra
                    elif extra:
                        return False
            else:
                item_id = str(len(self.b.others) + n)
            parsed.append(ev.ActionItemAdded(
                occurred_at=None, actor=self.b.actor, item_id=item_id, title=text, owner=owner,
                due=due, priority=priority, status=status, horizon=horizon,  # type: ignore[arg-type]
                source=self.b.src(item.line)))
        for event in parsed:
            self.b.add(self.b.unique_item(event))
        return True

    _STATUS: ClassVar[dict[str, str]] = {
        "not started": "open", "open": "open", "todo": "open", "to do": "open",
        "in progress": "in_progress", "started": "in_progress", "done": "done",
        "complete": "done", "completed": "done", "closed": "done"}

    def action_table(self, block: Block) -> bool:
        header, body = tl.table_rows(self.doc, block)
        cols = {name: tl.column(header, *names) for name, names in {
            "id": ("#", "id"), "title": ("action", "title", "item", "task"),
            "owner": ("owner", "assignee", "who"), "due": ("due", "due date", "deadline"),
            "priority": ("priority",), "status": ("status", "state"),
            "horizon": ("horizon", "timeframe", "term"),
        }.items()}
        if cols["title"] is None:
            return False
        if cols["id"] is None and header and header[0].strip() == "#":
            cols["id"] = 0
        parsed = []
        for n, (line, row) in enumerate(body, 1):
            if len(row) != len(header):
                return False

            def get(name: str, row: list[str] = row) -> str:
                i = cols[name]
                return row[i] if i is not None else ""

            status = self._STATUS.get(norm(get("status")).replace("✅", "").strip(), None)
            due = read_date(get("due")) if get("due") else None
            if (get("status") and status is None) or (get("due") and due is None):
                return False
            parsed.append(ev.ActionItemAdded(
                occurred_at=None, actor=self.b.actor, item_id=get("id") or str(n),
                title=get("title"), owner=get("owner") or None, due=due,
                priority=get("priority") or None, status=status or "open",  # type: ignore[arg-type]
                horizon=A_HORIZONS.get(norm(get("horizon")), get("horizon")) or None,
                source=self.b.src(line)))
        for event in parsed:
            self.b.add(self.b.unique_item(event))
        return True

    # -------------------------------------------------------------- lessons

    def lessons(self, s: Section) -> list[Block]:
        role = heading_role(s.heading or "")
        kind = LESSON_HEADINGS.get(norm(s.heading or "")) or (
            role if role in LESSON_ROLES else norm(s.heading or "").replace(" ", "_"))
        leftover = []
        for block in s.blocks:
            if block.type == "paragraph" and self.mark_lines(block, kind):
                continue
            if block.type == "list" and self.lesson_items(items(self.doc, block), kind):
                continue
            if block.type == "list" and roles.lesson_list(self, block, kind):
                continue
            if block.type != "thematic_break":
                leftover.append(block)
        return leftover

    def mark_lines(self, block: Block, kind: str) -> bool:
        found = []
        for n in range(block.start, block.end):
            line = self.doc.lines[n].strip()
            if not line or line[0] not in MARKS:
                return False
            lesson = self.lesson_text(line[1:].strip(), kind, n)
            if lesson is None:
                return False
            found.append(lesson)
        for lesson in found:
            self.b.add(lesson)
        return bool(found)

    def lesson_items(self, lst: list[Item], kind: str) -> bool:
        found = []
        for item in lst:
            lesson = self.lesson_text(item.text, kind, item.line) if not item.body else None
            if lesson is None:
                return False
            found.append(lesson)
        for lesson in found:
            self.b.add(lesson)
        return bool(found)

    def lesson_text(self, text: str, kind: str, line: int) -> ev.LessonRecorded | None:
        pair = split_label(text)
        if (m := re.fullmatch(r"\*\*([^*]+)\*\*", text)):
            title, body = unescape_inline(m[1]), ""
        elif pair:
            title, body = pair
        else:
            return None
        return ev.LessonRecorded(occurred_at=None, actor=self.b.actor, kind=kind, title=title,
                                 text=body, source=self.b.src(line))

    # -------------------------------------------------------------- sign-off

    def sign_off(self, s: Section) -> list[Block]:
        leftover = []
        for block in s.blocks:
            if block.type == "paragraph" and self.sign_lines(block):
                continue
            if block.type == "table" and self.sign_table(block):
                continue
            if block.type != "thematic_break":
                leftover.append(block)
        return leftover

    _SIGN = re.compile(r"^\*\*(?P<role>[^*]+)\*\*: (?P<name>.+?) \((?P<verdict>approved|not "
                       r"approved)(?:, (?P<date>\d{4}-\d{2}-\d{2}))?\)$")

    def sign_lines(self, block: Block) -> bool:
        found = []
        for n in range(block.start, block.end):
            match = self._SIGN.match(self.doc.lines[n].strip())
            if not match:
                return False
            found.append(ev.SignedOff(
                occurred_at=_day(match["date"]), actor=self.b.actor,
                role=unescape_inline(match["role"]), name=unescape_inline(match["name"]),
                approved=match["verdict"] == "approved",
                source=self.b.src(n)))
        for event in found:
            self.b.add(event)
        return bool(found)

    def sign_table(self, block: Block) -> bool:
        header, body = tl.table_rows(self.doc, block)
        role, name = tl.column(header, "role"), tl.column(header, "name")
        verdict, when = tl.column(header, "sign off", "signoff", "approval", "status"), \
            tl.column(header, "date")
        if role is None or name is None or verdict is None:
            return False
        found = []
        for line, row in body:
            if len(row) != len(header):
                return False
            word = row[verdict].replace("✅", "").replace("❌", "").strip().lower()
            if word not in ("approved", "not approved"):
                return False
            date_text = row[when] if when is not None else ""
            if date_text and read_date(date_text) is None:
                return False
            found.append(ev.SignedOff(
                occurred_at=_day(date_text or None), actor=self.b.actor, role=row[role],
                name=row[name], approved=word == "approved", source=self.b.src(line)))
        for event in found:
            self.b.add(event)
        return bool(found)

    def container(self, s: Section) -> list[Block]:
        """A heading whose content is its sub-headings (Detailed Description...)."""
        return [b for b in s.blocks if b.type != "thematic_break"]


def _names(value: str) -> tuple[str, ...] | None:
    """``a, b, c`` as names, when writing them back gives the same words."""
    names = tuple(value.split(", "))
    if all(n.strip() == n and n for n in names):
        return names
    return None


_SERVICE = re.compile(r"^(?P<name>[^(),]+?)(?: \((?P<effect>[^()]+)\))?$")


def _services(value: str) -> tuple[tuple[ev.ServiceImpact, ...], tuple[str, ...]] | None:
    """``a (effect), b`` as impacts (with an effect) and plain names, if written that way."""
    impacts, names = [], []
    for part in value.split(", "):
        match = _SERVICE.match(part)
        if not match:
            return None
        if match["effect"]:
            impacts.append(ev.ServiceImpact(match["name"], match["effect"]))
        else:
            names.append(match["name"])
    return tuple(impacts), tuple(names)


def _day(text: str | None) -> datetime | None:
    found = read_date(text) if text else None
    return datetime.combine(found, time(0), UTC) if found else None


def _unparagraph(text: str) -> str:
    """Paragraph text as the renderer's ``paragraph()`` would give it back: escapes undone."""
    return "\n".join(re.sub(r"^( {0,3})\\(?=[#>+*\-=_`~<\d])", r"\1", line)
                     for line in text.splitlines())


def _strip_rules(text: str) -> str:
    lines = text.strip("\n").split("\n")
    while lines and re.fullmatch(r" {0,3}(-{3,}|\*{3,}|_{3,})\s*", lines[-1]):
        lines.pop()
        while lines and not lines[-1].strip():
            lines.pop()
    return "\n".join(lines)


SECTIONS: dict[str, Callable[[Reader, Section], list[Block]]] = {
    "executive summary": Reader.executive_summary,
    "timeline": Reader.timeline,
    "incident timeline": Reader.timeline,
    "detailed description": Reader.container,
    "blast radius": Reader.blast_radius,
    "impact assessment": Reader.container,
    "user impact": lambda r, s: r.impact_part("user")(r, s),
    "business impact": lambda r, s: r.impact_part("business")(r, s),
    "technical impact": lambda r, s: r.impact_part("technical")(r, s),
    "root cause analysis": Reader.container,
    "the five whys": Reader.five_whys,
    "five whys": Reader.five_whys,
    "contributing factors": Reader.contributing,
    "why it happened": Reader.why_it_happened,
    "resolution": roles.resolution,  # house A: a parent heading; elsewhere: how it ended
    "immediate mitigation": Reader.mitigation,
    "resolution steps taken": Reader.resolution_steps,
    "action items": roles.actions,
    "immediate 24 hours": Reader.horizon,
    "short term 1 week": Reader.horizon,
    "long term 1 month": Reader.horizon,
    "lessons learned": Reader.container,
    "detection and response": Reader.container,
    "sign off": Reader.sign_off,
}

_BY_ROLE: dict[str, Callable[[Reader, Section], list[Block]]] = {
    **roles.GENERIC,
    "summary": Reader.executive_summary,
    "timeline": Reader.timeline,
}
"""Readers of sections the house templates do not head, by the role their heading names."""

HOUSE_VERBATIM = {norm(h) for h in verbatim_headings(template_a.OUTLINE + template_b.OUTLINE)
                  } - set(SECTIONS)
"""Headings the house templates write only what the author wrote under (Follow-Up Actions,
Verification): kept as written, never read by role."""

_PARENT_ROLE = {"lessons learned": "lessons", "detection and response": "detection",
                "action items": "actions"}
"""House headings whose sub-sections are read as parts of them."""
