"""A Markdown source: decoded and repaired text, front matter, and blocks with line numbers.

mistune's AST has no positions, so :func:`locate` walks the source with a cursor that only
moves forward, giving each top-level token the lines it came from. Headings split the
blocks into a tree of :class:`Section` objects whose exact source text can be kept.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import attrs
import mistune
from mistune import list_parser as _lp
from mistune.plugins import import_plugin

from incidentlog.errors import InputError
from incidentlog.render.emit import unescape_heading


@attrs.frozen
class Limits:
    """Sizes past which a document is refused rather than parsed (configurable)."""

    max_bytes: int = 5_000_000
    max_line_chars: int = 200_000
    max_lines: int = 200_000
    max_nesting: int = 64


DEFAULT_LIMITS = Limits()

_CP1252_CONT = "".join(
    ch for b in range(0x80, 0xC0) if (ch := bytes([b]).decode("cp1252", "ignore"))
)
_MOJIBAKE = re.compile(f"[\u00e2-\u00f4][{re.escape(_CP1252_CONT)}]{{1,3}}")
_UNDEFINED_CP1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_EVIDENCE = (*(ch.encode("utf-8").decode("cp1252", "ignore") for ch in "✅❌✔✖⚠•–—’‘“”…€™"),
             "ðŸ")
"""Misread forms of the marks and punctuation that reports use most: a document is repaired
only when it shows at least one, so text that merely looks like a misreading is left alone."""
_PREFERRED = set("✅❌🍀🔴🟢🟡⚠️•…–—’“”‘🚨📈📉🔥✔✖")


def repair_mojibake(text: str) -> str:
    """UTF-8 that was decoded as Windows-1252 and saved again, turned back (``âœ…`` -> ✅).

    Bytes Windows-1252 cannot show (0x81, 0x8D, 0x8F, 0x90, 0x9D) are often lost in that
    round trip (``âŒ`` for ❌); such a run is repaired when re-inserting one of them gives a
    single character, preferring common marks when more than one would. Only three- and
    four-byte characters (marks, punctuation, emoji) are repaired: a misread two-byte
    letter (``Ã©`` for é) reads too much like real text to touch, and a document is only
    repaired when it shows a common misreading (``âœ…``, ``â€™``, ``ðŸ``...).
    """
    if not any(sign in text for sign in _EVIDENCE):
        return text
    return _MOJIBAKE.sub(_repair_run, text)


def _repair_run(match: re.Match[str]) -> str:
    run = match.group(0)
    raw = run.encode("cp1252", "ignore")
    try:
        fixed = raw.decode("utf-8")
    except UnicodeDecodeError:
        fixed = ""
    if fixed and len(fixed) == 1:
        return fixed
    candidates = []
    for pos in range(1, len(raw) + 1):
        for b in _UNDEFINED_CP1252:
            try:
                ch = (raw[:pos] + bytes([b]) + raw[pos:]).decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1:
                candidates.append(ch)
    preferred = [c for c in candidates if c in _PREFERRED]
    if preferred:
        return preferred[0]
    return candidates[0] if len(set(candidates)) == 1 else run


def decode(data: bytes | str, *, file: str | None = None, limits: Limits = DEFAULT_LIMITS
           ) -> str:
    """Text of a document: UTF-8 checked, BOM dropped, line endings made ``\\n``, mojibake
    repaired. Binary, oversized or invalid input raises :class:`InputError` naming the place.
    """
    name = file or "<text>"
    size = len(data.encode() if isinstance(data, str) else data)
    if size > limits.max_bytes:
        raise InputError(f"{name}: {size:,} bytes is over the limit of {limits.max_bytes:,} "
                         "(Limits.max_bytes)")
    if isinstance(data, bytes):
        nul = data.find(b"\x00")
        if nul >= 0:
            raise InputError(f"{name}: binary data, not Markdown (NUL byte at offset {nul})")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            lineno = data[: exc.start].count(b"\n") + 1
            raise InputError(f"{name}:{lineno}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                             f"{exc.start})") from None
    else:
        text = data
        if "\x00" in text:
            raise InputError(f"{name}: binary data, not Markdown (NUL character at offset "
                             f"{text.index(chr(0))})")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if len(lines) > limits.max_lines:
        raise InputError(f"{name}: {len(lines):,} lines is over the limit of "
                         f"{limits.max_lines:,} (Limits.max_lines)")
    for n, line in enumerate(lines if len(text) > limits.max_line_chars else (), 1):
        if len(line) > limits.max_line_chars:
            raise InputError(f"{name}:{n}: a line of {len(line):,} characters is over the limit "
                             f"of {limits.max_line_chars:,} (Limits.max_line_chars)")
    return repair_mojibake(text)


# --------------------------------------------------------------------------- blocks


@attrs.define
class Block:
    """A top-level mistune token and the 0-based lines ``[start, end)`` it came from."""

    type: str
    token: dict[str, Any]
    start: int
    end: int


@attrs.define
class Section:
    """A heading (``None`` for what precedes the first one), its blocks and sub-sections.

    ``line`` is the heading's 0-based line; ``start``/``end`` span the section's body.
    """

    heading: str | None
    level: int
    line: int
    blocks: list[Block] = attrs.Factory(list)
    children: list[Section] = attrs.Factory(list)
    start: int = 0
    end: int = 0

    def walk(self) -> Iterator[Section]:
        """This section and every section below it, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@attrs.define
class Document:
    """A located Markdown document."""

    text: str
    lines: list[str]
    file: str | None
    front_matter: dict[str, str]
    front_matter_end: int
    root: Section
    memo: dict[object, Any] = attrs.field(factory=dict, eq=False, repr=False)
    """Views derived from blocks (list items), computed once however many readers ask."""

    def raw(self, start: int, end: int) -> str:
        """The source lines ``[start, end)`` joined, surrounding blank lines trimmed."""
        return "\n".join(self.lines[start:end]).strip("\n")

    def sections(self) -> Iterator[Section]:
        """Every headed section in document order."""
        for section in self.root.walk():
            if section.heading is not None:
                yield section


class _BlockParser(mistune.BlockParser):
    """mistune's block parser, but a list item's content is not parsed.

    Where a list and each of its items end is settled by mistune's line collection before
    the item's content is parsed into child tokens; the readers take list items from the
    source lines (:mod:`incidentlog.parse.lists`) and never look at those child tokens,
    which cost about half of the whole block parse of a report full of lists. Block quotes
    are still parsed whole: where one ends depends on its content (lazy continuation).
    """

    def parse(self, state: mistune.BlockState, rules: list[str] | None = None) -> None:
        if rules is self.list_rules and state.parent is not None:
            return  # a list item's content: its lines are all the readers use
        super().parse(state, rules)

    def parse_list(self, m: re.Match[str], state: mistune.BlockState) -> int:
        if _LEAN_LISTS:
            return _parse_list(self, m, state)
        return super().parse_list(m, state)  # pragma: no cover - another mistune

    def break_sc(self, leading_width: int) -> re.Pattern[str]:
        """What ends a list item whose content starts ``leading_width`` columns in: the
        pattern mistune compiles afresh for every item, compiled once per width."""
        cache: dict[int, re.Pattern[str]] = self.__dict__.setdefault("_break_sc", {})
        found = cache.get(leading_width)
        if found is None:
            found = cache[leading_width] = _lp._compile_list_break_sc(self, leading_width)
        return found


# Where a list and its items end is mistune's own line collection (its helpers, called as
# its ``parse_list`` calls them); what is left out is what the readers never use: the
# source of each item's content and the child state it would be parsed in, and the
# patterns recompiled for every item. With a mistune that lacks these helpers, its own
# ``parse_list`` runs (tests compare the top-level blocks with a full parse either way).
_LEAN_LISTS = all(hasattr(_lp, name) for name in (
    "_create_list_marker", "_get_list_bullet", "_compile_continue_width",
    "_compile_list_item_pattern", "_compile_list_break_sc", "_collect_list_item_lines"))


@functools.lru_cache(maxsize=64)
def _item_pattern(bullet: str, leading_width: int) -> re.Pattern[str]:
    return re.compile(_lp._compile_list_item_pattern(bullet, leading_width))


def _parse_list(block: _BlockParser, m: re.Match[str], state: mistune.BlockState) -> int:
    """mistune's ``parse_list``, each item's content left unparsed (its child tokens are
    empty, as :meth:`_BlockParser.parse` leaves them)."""
    item = _lp._create_list_marker(m, "list")
    if not item.text.strip():
        end_pos = state.append_paragraph()  # an empty item cannot interrupt a paragraph
        if end_pos:
            return int(end_pos)
    token: dict[str, Any] = {"type": "list", "children": [], "tight": True,
                             "bullet": item.bullet,
                             "attrs": {"depth": state.depth(), "ordered": item.ordered}}
    if item.ordered:
        start = int(item.marker[:-1])
        if start != 1:  # only a list starting with 1 may interrupt a paragraph
            end_pos = state.append_paragraph()
            if end_pos:
                return int(end_pos)
            token["attrs"]["start"] = start
    state.cursor = m.end() + 1
    bullet = _lp._get_list_bullet(item.bullet)
    current: Any = item
    while current:
        text, width = _lp._compile_continue_width(current.text, current.leading_width)
        lines = _lp._collect_list_item_lines(
            block, _item_pattern(bullet, current.leading_width),
            block.break_sc(current.leading_width), state, text, width)
        if lines.loose:
            token["tight"] = False
        token["children"].append({"type": "list_item", "children": []})
        if lines.end_pos:  # a block that ends the list was parsed already: the list goes
            state.tokens.insert(int(lines.token_index or 0), token)  # before it
            return int(lines.end_pos)
        current = lines.next_item
    state.append_token(token)
    return int(state.cursor)


_markdown = mistune.Markdown(renderer=None, block=_BlockParser(),
                             plugins=[import_plugin(name) for name in ("table", "task_lists")])
_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


class _FenceMatch:
    def __init__(self, mark: str) -> None:
        self.mark = mark

    def group(self, n: int) -> str:
        return self.mark


class _Fence:
    """Matches a code fence line; a backtick fence's info string may hold no backtick."""

    @staticmethod
    def match(line: str) -> _FenceMatch | None:
        found = _FENCE_RE.match(line)
        if not found or (found.group(1)[0] == "`" and "`" in found.group(2)):
            return None
        return _FenceMatch(found.group(1))


_FENCE = _Fence()
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_THEMATIC = re.compile(r"^ {0,3}((?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_LIST_MARKER = re.compile(r"^ {0,3}([-+*]|\d{1,9}[.)])(?:[ \t]|$)")


def parse(text: str, *, file: str | None = None) -> Document:
    """Locate a decoded document's front matter, blocks and sections."""
    lines = text.split("\n")
    front, body_start = _front_matter(lines)
    body = "\n".join(lines[body_start:])
    try:
        tokens = _block_tokens(body)
    except RecursionError:
        raise InputError(f"{file or '<text>'}: nested too deeply to parse") from None
    blocks = list(locate(lines, tokens, body_start))
    root = _outline(blocks, lines)
    return Document(text, lines, file, front, body_start, root)


def _block_tokens(text: str) -> list[dict[str, Any]]:
    """mistune's block tokens only: the readers take text from the source lines, so the
    inline parse (most of mistune's time, and its deepest recursion) is skipped."""
    state = _markdown.block.state_cls()
    state.process(text if text.endswith("\n") else text + "\n")
    _markdown.block.parse(state)
    return list(state.tokens)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for n in range(1, min(len(lines), 200)):
        if lines[n].strip() in ("---", "..."):
            fields = {}
            for line in lines[1:n]:
                key, sep, value = line.partition(":")
                if sep and key.strip() and not key.startswith((" ", "\t", "-", "#")):
                    fields[key.strip().lower()] = value.strip().strip("'\"")
            return fields, n + 1
    return {}, 0


def _plain(token: dict[str, Any]) -> str:
    """The text of a token (its unparsed inline source, or its children's), markup kept."""
    if "text" in token and isinstance(token["text"], str):
        return str(token["text"])
    if "raw" in token and isinstance(token["raw"], str):
        return str(token["raw"])
    return "".join(_plain(child) for child in token.get("children", ()) or ())


def locate(lines: list[str], tokens: list[dict[str, Any]], cursor: int) -> Iterator[Block]:
    """Give each top-level token its source lines, moving a cursor forward only.

    Headings are found first, each by its own line (outside code fences), so a token whose
    shape was misjudged can never shift a heading. Between two headings, tokens start at the
    next non-blank line and the blocks tile the region: lines a token's shape did not account
    for stay with the block before them, so no line of the source is ever dropped.
    """
    real = [t for t in tokens if t.get("type") != "blank_line"]
    heading_at: dict[int, int] = {}
    scan = cursor
    code = _code_lines(lines, cursor)
    for i, token in enumerate(real):
        if token["type"] == "heading":
            heading_at[i] = _find_heading(lines, scan, token, code)
            scan = heading_at[i] + 1
    region = cursor
    i = 0
    while i < len(real):
        if i in heading_at:
            line = heading_at[i]
            end = line + (2 if real[i].get("style") == "setext" else 1)
            yield Block("heading", real[i], line, end)
            region = end
            i += 1
            continue
        j = i
        while j < len(real) and j not in heading_at:
            j += 1
        limit = heading_at[j] if j < len(real) else len(lines)
        yield from _locate_region(lines, real[i:j], region, limit)
        i = j


def _code_lines(lines: list[str], start: int) -> set[int]:
    """Lines inside top-level fenced code blocks (where a ``#`` line is no heading)."""
    inside: set[int] = set()
    fence: str | None = None
    for n in range(start, len(lines)):
        match = _FENCE.match(lines[n])
        if fence is None:
            if match:
                fence = match.group(1)
                inside.add(n)
        else:
            inside.add(n)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not lines[n].strip()[len(match.group(1)):].strip():
                fence = None
    return inside


def _locate_region(lines: list[str], tokens: list[dict[str, Any]], cursor: int, limit: int
                   ) -> Iterator[Block]:
    found: list[Block] = []
    for i, token in enumerate(tokens):
        while cursor < limit and not lines[cursor].strip():
            cursor += 1
        if cursor >= limit:
            break
        nxt = tokens[i + 1]["type"] if i + 1 < len(tokens) else None
        end = min(_block_end(lines, cursor, token["type"], token, nxt), limit)
        found.append(Block(token["type"], token, cursor, max(end, cursor + 1)))
        cursor = found[-1].end
    if found:
        found[-1].end = max(found[-1].end, limit)
    for block in found:
        block.end = _trim(lines, block.start, block.end)
    yield from found


def _find_heading(lines: list[str], cursor: int, token: dict[str, Any], code: set[int]) -> int:
    level = int(token.get("attrs", {}).get("level", 1))
    text = _plain_line(_plain(token))
    setext = token.get("style") == "setext"
    for n in range(cursor, len(lines)):
        if n in code:
            continue
        line = lines[n]
        if setext:
            if n + 1 < len(lines) and _SETEXT.match(lines[n + 1]) and line.strip() and \
                    _plain_line(line) == text:
                return n
            continue
        match = _ATX.match(line)
        if match and len(match.group(1)) == level and _plain_line(match.group(2) or "") == text:
            return n
    for n in range(cursor, len(lines)):
        match = _ATX.match(lines[n])
        if n not in code and match and len(match.group(1)) == level:
            return n
    return cursor


def _plain_line(text: str) -> str:
    return "".join(re.sub(r"[^\w]+", "", text).split()).lower()


def _block_end(lines: list[str], start: int, kind: str, token: dict[str, Any],
               nxt: str | None) -> int:
    n = len(lines)
    if kind == "heading":
        setext = token.get("style") == "setext"
        return start + (2 if setext else 1)
    if kind == "thematic_break":
        return start + 1
    if kind == "block_code":
        fence = _FENCE.match(lines[start])
        if fence:
            mark = fence.group(1)
            for j in range(start + 1, n):
                close = _FENCE.match(lines[j])
                if close and close.group(1)[0] == mark[0] and len(close.group(1)) >= len(mark) \
                        and not lines[j].strip()[len(close.group(1)):].strip():
                    return j + 1
            return n
        j = start
        while j < n and (lines[j].startswith(("    ", "\t")) or not lines[j].strip()):
            j += 1
        return _trim(lines, start, j)
    j = start + 1
    while j < n:
        line = lines[j]
        if not line.strip():
            k = j
            while k < n and not lines[k].strip():
                k += 1
            if k >= n:
                return _trim(lines, start, j)
            following = lines[k]
            continues = kind in ("list", "block_quote") and (
                following.startswith((" ", "\t")) or
                (kind == "list" and _LIST_MARKER.match(following) is not None
                 and nxt != "list"))
            if not continues:
                return _trim(lines, start, j)
            j = k
            continue
        if kind in ("paragraph", "table", "block_html") and _interrupts(line, kind, nxt):
            return j
        if kind == "list" and not line.startswith((" ", "\t")) and _interrupts(line, kind, nxt) \
                and not _LIST_MARKER.match(line):
            return j
        j += 1
    return _trim(lines, start, j)


def _interrupts(line: str, kind: str, nxt: str | None) -> bool:
    if _ATX.match(line) or _FENCE.match(line):
        return True
    if _THEMATIC.match(line) and not (kind == "paragraph" and _SETEXT.match(line)):
        return True
    if nxt == "list" and _LIST_MARKER.match(line):
        return True
    if nxt == "block_quote" and line.lstrip().startswith(">"):
        return True
    if nxt == "block_html" and line.lstrip().startswith("<"):
        return True
    return nxt == "table" and line.lstrip().startswith("|")


def _trim(lines: list[str], start: int, end: int) -> int:
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def heading_text(block: Block, lines: list[str]) -> str:
    """A heading's text as written in the source (inline Markdown kept)."""
    if block.token.get("style") == "setext":
        return lines[block.start].strip()
    match = _ATX.match(lines[block.start])
    text = (match.group(2) or "").strip() if match else _plain(block.token).strip()
    return unescape_heading(text)


def _outline(blocks: list[Block], lines: list[str]) -> Section:
    root = Section(None, 0, -1, start=blocks[0].start if blocks else 0)
    stack = [root]
    for block in blocks:
        if block.type == "heading":
            level = int(block.token.get("attrs", {}).get("level", 1))
            while len(stack) > 1 and stack[-1].level >= level:
                stack.pop().end = block.start
            section = Section(heading_text(block, lines), level, block.start,
                              start=block.end, end=block.end)
            stack[-1].children.append(section)
            stack.append(section)
        else:
            stack[-1].blocks.append(block)
            stack[-1].end = block.end
    end = blocks[-1].end if blocks else 0
    for section in stack[1:]:
        section.end = max(section.end, end)
    root.end = end
    _fix_ends(root, len(lines))
    return root


def _fix_ends(section: Section, limit: int) -> None:
    """Each section's body ends where its next sibling (or its parent) ends."""
    for i, child in enumerate(section.children):
        nxt = section.children[i + 1].line if i + 1 < len(section.children) else section.end
        child.end = max(child.start, nxt if i + 1 < len(section.children) else section.end)
        _fix_ends(child, limit)


def plain(token: dict[str, Any]) -> str:
    """The text of a token with inline markup dropped."""
    return _plain(token)
