"""Markdown a person wrote, as HTML that can only ever be text, links and formatting.

Reports carry raw HTML kept verbatim from legacy documents: it is shown as text, never
emitted live (mistune's ``escape``). Links keep only ``http``, ``https``, ``mailto`` and
relative targets; anything else (``javascript:``, ``data:``, ``vbscript:``...) becomes an
inert ``#unsafe-link``. Images would load at view time from wherever they point, so they
are written as links to their target instead.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import unquote

import mistune
from markupsafe import Markup, escape
from mistune.util import safe_entity

SAFE_SCHEMES = ("http", "https", "mailto")
UNSAFE_LINK = "#unsafe-link"
_IGNORED = re.compile(r"[\x00-\x20\x7f-\x9f]+")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def safe_url(url: str) -> str:
    """``url`` when it is http(s), mailto or relative, else :data:`UNSAFE_LINK`.

    Browsers ignore control characters and whitespace inside a scheme (``java\\tscript:``)
    and decode entities and percent-escapes, so the scheme is read after all of that.
    """
    seen = _IGNORED.sub("", unquote(html.unescape(url)))
    before_path = re.split(r"[/?#]", seen, maxsplit=1)[0]
    match = _SCHEME.match(before_path)
    if match is None:
        return url if ":" not in before_path else UNSAFE_LINK
    return url if match.group(1).lower() in SAFE_SCHEMES else UNSAFE_LINK


class _Renderer(mistune.HTMLRenderer):
    """mistune's HTML renderer, raw HTML escaped, links filtered, images as links."""

    def __init__(self) -> None:
        super().__init__(escape=True)

    def safe_url(self, url: str) -> str:
        return str(escape(safe_url(url)))

    def text(self, text: str) -> str:
        # Entity references the Markdown writer used for ``<`` stay references (escaping
        # their ``&`` again would show ``&lt;`` to the reader); every bare ``<`` is escaped.
        return safe_entity(text)

    def image(self, text: str, url: str, title: str | None = None) -> str:
        label = text or "image"
        return f'<a class="image-link" href="{self.safe_url(url)}">[image: {label}]</a>'

    def link(self, text: str, url: str, title: str | None = None) -> str:
        href = self.safe_url(url)
        rel = ' rel="noopener noreferrer"' if href.startswith(("http:", "https:", "//")) else ""
        extra = f' title="{escape(title)}"' if title else ""
        return f'<a href="{href}"{rel}{extra}>{text}</a>'

    def heading(self, text: str, level: int, **attrs: Any) -> str:
        # Reports start at h1; on a page under the site's own heading they go one down.
        level = min(level + 1, 6)
        return f"<h{level}>{text}</h{level}>\n"


_markdown = mistune.create_markdown(renderer=_Renderer(),
                                    plugins=["table", "strikethrough", "task_lists"])


_MARKUP = re.compile(r"[*_`\[\]<>&#|~!\\:]|\n|^\s*(?:[-+>]|\d+[.)])\s")
"""What could make a line more than a plain paragraph in Markdown."""


def to_html(text: str) -> Markup:
    """Markdown as safe HTML (raw HTML shown as text, unsafe links disabled)."""
    if not text.strip():
        return Markup("")
    if not _MARKUP.search(text):  # one plain line: a paragraph, without parsing it
        return Markup(f"<p>{escape(text.strip())}</p>\n")
    html = _markdown(text)
    assert isinstance(html, str)
    return Markup(html)
