"""Where each page of the site lives: file names made safe from any id or name.

Incident ids may hold ``:`` and ``#``, and service or team names anything a person typed;
none of that may reach a path or a URL as it is (``#`` starts a fragment, ``a:b`` reads as
a scheme, ``..`` climbs). A name keeps its safe characters and, when it had others, gains
a short hash of the original, so two names never share a file.
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def slug(name: str) -> str:
    """A file-name-safe form of ``name``: itself when already safe, else its safe
    characters and a hash of the original (``api/v2`` -> ``api_v2-3f1c0a2b``)."""
    cleaned = _UNSAFE.sub("_", name).strip("._")[:80]
    if cleaned == name and cleaned:
        return cleaned
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned or 'x'}-{digest}"


def incident_page(incident_id: str) -> str:
    """The incident's page, relative to the site's root."""
    return f"incidents/{slug(incident_id)}.html"


def history_page(incident_id: str) -> str:
    """The incident's history page, relative to the site's root."""
    return f"incidents/{slug(incident_id)}.history.html"


def service_page(service: str, page: int = 1) -> str:
    """A page of a service's incidents."""
    return _numbered(f"services/{slug(service)}", page)


def team_page(team: str, page: int = 1) -> str:
    """A page of a team's incidents."""
    return _numbered(f"teams/{slug(team)}", page)


def index_page(page: int = 1) -> str:
    """A page of the index of every incident, newest first."""
    return _numbered("index", page)


def _numbered(stem: str, page: int) -> str:
    return f"{stem}.html" if page == 1 else f"{stem}-{page}.html"
