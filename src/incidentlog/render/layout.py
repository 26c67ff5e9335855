"""A report's outline: template headings in order, generated bodies, kept sections placed.

A template is a tree of :class:`Node` objects. Each renders its generated body (empty when
the events hold nothing for it: the heading is left out). Verbatim sections
(:class:`~incidentlog.incident.Section`) go where they stood in their source: level 0 (front
matter) before everything, level 1 without anchor (text before the first heading) after the
header, anchor ``""`` right after the header; a section with a template heading's name joins
that heading; one anchored to a heading follows it (or opens it, when it is a sub-heading
of it); a sub-heading of a heading this template does not write goes under the template's
first heading of the same role (``Resolution`` in one template is ``Resolution Steps Taken``
in the other); the rest follow at the end.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import attrs

from incidentlog.incident import Incident, Section
from incidentlog.render import marks
from incidentlog.render.emit import block, heading, join_blocks
from incidentlog.vocabulary import heading_role

Body = Callable[[Incident], str]


def _nothing(incident: Incident) -> str:
    return ""


@attrs.frozen
class Node:
    """A heading of the template, with its generated body and sub-headings."""

    heading: str
    level: int
    body: Body = _nothing
    children: tuple[Node, ...] = ()


def verbatim_headings(nodes: tuple[Node, ...]) -> set[str]:
    """Headings under which a template writes only what the author wrote there."""
    found = set()
    for node in nodes:
        if node.body is _nothing and not node.children:
            found.add(node.heading)
        found |= verbatim_headings(node.children)
    return found


def _key(text: str | None) -> str:
    return " ".join((text or "").lower().replace("-", " ").split())


@attrs.define
class _Frame:
    """A kept section being emitted: sections still to emit under it, and what is done."""

    section: Section
    todo: list[Section]
    done: list[str]
    following: bool = False
    text: str = ""


class _Placer:
    """Kept sections not placed yet, found by anchor in time linear in their number, and
    emitted without recursion (a chain of 10,000 anchored sections is only a long list)."""

    def __init__(self, sections: Sequence[Section],
                 named: set[tuple[str, int]] | None = None) -> None:
        self.named = named or set()
        """The template's own headings: a kept section under one of them goes there."""
        self._order = list(sections)
        self._taken: set[int] = set()
        self._by_anchor: dict[str, list[Section]] = {}
        for s in self._order:
            if s.anchor is not None:
                self._by_anchor.setdefault(_key(s.anchor), []).append(s)
        written = {key for key, _ in self.named} | {_key(s.heading) for s in self._order}
        self._by_role: dict[str, list[str]] = {}
        """Anchors no heading of the report will have, by the role they name."""
        for key in self._by_anchor:
            if key and key not in written and (role := heading_role(key)) is not None:
                self._by_role.setdefault(role, []).append(key)

    def take(self, match: Callable[[Section], bool]) -> list[Section]:
        taken = [s for s in self._order if id(s) not in self._taken and match(s)]
        self._taken.update(id(s) for s in taken)
        return taken

    def remaining(self) -> Iterator[Section]:
        """Sections not placed yet, in their order, each taken as it is reached (so one
        emitted before takes those anchored to it)."""
        for s in self._order:
            if id(s) not in self._taken:
                self._taken.add(id(s))
                yield s

    def _take_anchored(self, heading: str, *, deeper: bool, level: int) -> list[Section]:
        key = _key(heading)
        candidates = self._by_anchor.get(key)
        if not candidates:
            return []
        taken: list[Section] = []
        keep: list[Section] = []
        for s in candidates:
            if id(s) in self._taken:
                continue
            if (_key(s.heading), s.level) in self.named:
                keep.append(s)  # placed under the template's heading of that name
                continue
            (taken if (s.level > level) == deeper else keep).append(s)
        self._by_anchor[key] = keep
        self._taken.update(id(s) for s in taken)
        return taken

    def anchored(self, heading: str, *, deeper_than: int | None, level: int) -> list[str]:
        """Kept sections anchored to ``heading`` (and, in turn, to those), as blocks."""
        found = self._take_anchored(heading, deeper=deeper_than is not None, level=level)
        return [self.emit(s) for s in found]

    def under_role(self, heading: str, level: int) -> list[str]:
        """Kept sub-sections of a heading not written here that names the same role as the
        template's ``heading``, as blocks (what follows such a heading stays at the end:
        placed before the template's own section of its role, it would be read as that)."""
        role = heading_role(heading)
        if role is None or role not in self._by_role:
            return []
        return [block for key in self._by_role[role]
                for block in self.anchored(key, deeper_than=level, level=level)]

    def _frame(self, section: Section) -> _Frame:
        below = self._take_anchored(section.heading, deeper=True, level=section.level)
        return _Frame(section, below[::-1], [])

    def emit(self, section: Section) -> str:
        """A kept section with what is anchored below it, then what follows it."""
        stack = [self._frame(section)]
        while True:
            frame = stack[-1]
            if frame.todo:
                stack.append(self._frame(frame.todo.pop()))
                continue
            s = frame.section
            if not frame.following:
                own = join_blocks([_heading(s.heading, s.level), block(s.markdown)])
                frame.text = join_blocks([
                    marks.wrap(s.heading, s.level, s.anchor, _rule(s.level) + own,
                              headed=bool(s.heading)), *frame.done])
                frame.following, frame.done = True, []
                frame.todo = self._take_anchored(s.heading, deeper=False, level=s.level)[::-1]
                continue
            result = join_blocks([frame.text, *frame.done])
            stack.pop()
            if not stack:
                return result
            stack[-1].done.append(result)


def _headings(nodes: Sequence[Node]) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for node in nodes:
        found.add((_key(node.heading), node.level))
        found |= _headings(node.children)
    return found


def _as_written(section: Section) -> str:
    """A kept section's Markdown, marked as kept, under a heading it does not write."""
    return marks.wrap(section.heading, section.level, section.anchor, block(section.markdown),
                     headed=False)


def _heading(text: str, level: int) -> str:
    return f"{'#' * level} {heading(text)}" if text else ""


def _rule(level: int) -> str:
    return "---\n\n" if level == 2 else ""


def assemble(incident: Incident, preamble: Body, outline: Sequence[Node],
             footer: Sequence[Node] = (), tail: Body = _nothing) -> str:
    """The whole report: preamble, the outline's headings in order, kept sections placed,
    then ``tail`` (marks no heading holds)."""
    named = _headings((*outline, *footer))
    placer = _Placer(list(incident.sections), named)
    front = placer.take(lambda s: s.level == 0)
    top = placer.take(lambda s: s.level == 1 and s.anchor is None)
    blocks = [*(_as_written(s) for s in front), preamble(incident)]
    blocks += [_as_written(s) for s in top]
    blocks += [placer.emit(s) for s in placer.take(
        lambda s: s.anchor == "" and (_key(s.heading), s.level) not in named)]
    for node in outline:
        blocks.append(_render(node, incident, placer))
    for section in placer.remaining():
        blocks.append(placer.emit(section))
    for node in footer:
        blocks.append(_render(node, incident, placer))
    blocks.append(tail(incident))
    return join_blocks(blocks).rstrip() + "\n"


def _render(node: Node, incident: Incident, placer: _Placer) -> str:
    own = placer.take(lambda s: _key(s.heading) == _key(node.heading) and s.level == node.level)
    body = node.body(incident)
    written = [_as_written(s) for s in own]
    # What the author wrote under this heading stays under it, not under a sub-heading
    # the body ends with (action items grouped by horizon).
    parts = [*written, body] if re.search(r"^#{1,6} ", body, re.MULTILINE) else [body, *written]
    for s in own:
        parts += placer.anchored(s.heading, deeper_than=s.level, level=s.level)
    parts += placer.anchored(node.heading, deeper_than=node.level, level=node.level)
    parts += placer.under_role(node.heading, node.level)
    parts += [_render(child, incident, placer) for child in node.children]
    after = placer.anchored(node.heading, deeper_than=None, level=node.level)
    for s in own:
        after += placer.anchored(s.heading, deeper_than=None, level=s.level)
    content = join_blocks(parts)
    here = _rule(node.level) + join_blocks([_heading(node.heading, node.level), content]) \
        if content.strip() else ""
    return join_blocks([here, *after])
