"""The incident archive as a web site: static files that work offline, or served live.

``build_site(log, out)`` writes an index (filters and search), a page and a history page
per incident, pages per service and team, and a metrics page with charts. Needs the
``site`` extra (Jinja2, matplotlib): ``pip install 'incidentlog[site]'``.
"""

from __future__ import annotations

from incidentlog.site.build import CSP, Built, build_site

EXTRA_HINT = "pip install 'incidentlog[site]'"

__all__ = ["CSP", "EXTRA_HINT", "Built", "build_site"]
