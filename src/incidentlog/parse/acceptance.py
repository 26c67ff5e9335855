"""Whether a document reads as an incident report, beyond the sections the reader knows.

A status page's entry is all front matter; a blog post tells the incident as a story under
headings of its own; a team's running log lists dated incidents under one title. Each is a
report: a title and words of something going wrong, with a date, or a front matter that
describes an incident. What is not: a README or roll-up that indexes other files, or speaks
of its folder rather than of an incident.
"""

from __future__ import annotations

import re

from incidentlog.parse import when
from incidentlog.parse.front_header import describes_incident
from incidentlog.parse.frontmatter import FrontMatter
from incidentlog.parse.source import Document
from incidentlog.vocabulary import ABOUT_FILES, INCIDENT_WORDS, NOT_REPORT_TITLES

_FILE_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\((?![a-z][a-z0-9+.-]*:|#)([^)\s]*)[^)]*\)",
                        re.IGNORECASE)
"""A link to a file beside the document (not a URL, an anchor or an image)."""
_FILE_TARGET = re.compile(r"(?:\.(?:md|markdown|mdx|rst|txt|html?)|/)$", re.IGNORECASE)
_ENTRY = re.compile(r"^\s*(?:[-+*]|\d{1,3}[.)]|\|)")
"""A list item or table row."""
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def narrates_incident(doc: Document, title: str, fm: FrontMatter) -> bool:
    """A titled document that reads as an incident report though no heading names a part
    of one: front matter describing an incident, or a title and words of an incident (at
    least three, or two with a date beside them)."""
    if not title or NOT_REPORT_TITLES.search(title.lower()):
        return False
    if describes_incident(fm):
        return True
    body = "\n".join(doc.lines[doc.front_matter_end:])
    words = {m[0] for m in INCIDENT_WORDS.finditer(f"{title}\n{body}".lower())}
    if len(words) >= 3:
        return not speaks_of_files(doc)
    return len(words) >= 2 and when.find_date(body, None, 20_000) is not None and \
        not speaks_of_files(doc)


def indexes_files(doc: Document) -> str | None:
    """Why a document is an index of other files rather than a report (most of its list
    items and table rows link to files beside it), or ``None``."""
    entries = linked = 0
    for line in doc.lines[doc.front_matter_end:]:
        if not _ENTRY.match(line) or _TABLE_RULE.match(line):
            continue
        entries += 1
        if any(_FILE_TARGET.search(m[1]) for m in _FILE_LINK.finditer(line)):
            linked += 1
    if linked >= 2 and linked * 2 >= entries:
        return f"an index: {linked} of its {entries} entries link to other files"
    return None


def speaks_of_files(doc: Document) -> bool:
    """Whether the document's opening speaks of its folder or files (a README)."""
    return ABOUT_FILES.search(_opening(doc).lower()) is not None


def _opening(doc: Document) -> str:
    """The paragraphs before the first section under the title."""
    blocks = list(doc.root.blocks)
    first = next(iter(doc.root.children), None)
    if first is not None and first.level == 1:
        blocks += first.blocks
    return "\n".join(doc.raw(b.start, b.end) for b in blocks if b.type == "paragraph")
