"""Titles written outside Markdown's own headings: an HTML ``<h1>`` opening the document."""

from __future__ import annotations

import html
import re

_H1 = re.compile(r"^\s{0,3}<h1(?:\s[^>]*)?>(.*?)</h1>\s*$", re.IGNORECASE)
_TAG = re.compile(r"<[^>\n]+>")


def html_title(lines: list[str], start: int) -> str:
    """The text of an ``<h1>`` on the document's first non-blank line from ``start`` (tags
    inside it dropped, entities read), else ``""``."""
    for line in lines[start:start + 20]:
        if not line.strip():
            continue
        found = _H1.match(line)
        if found is None:
            return ""
        return " ".join(html.unescape(_TAG.sub("", found[1])).split())
    return ""
