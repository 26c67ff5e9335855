"""Write the whole archive as a static site: files that work offline, from disk.

Every incident is read in one pass over the log, its events kept for its history page.
The site is written to a folder beside the target and swapped in whole at the end, so a
reader (or ``serve``) never sees half a site, and pages of incidents that are gone do not
linger. A folder is only ever replaced if it is empty or a site this module wrote.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import jinja2

from incidentlog import audit
from incidentlog import events as ev
from incidentlog.checks import check
from incidentlog.incident import Folding, Incident
from incidentlog.render import marks, render_markdown
from incidentlog.render.rows import timeline_rows
from incidentlog.site import charts, facts, history, listing, markup, paths, timeline
from incidentlog.store import IncidentLog

MARKER = ".incidentlog-site"
"""The file that marks a folder as a site this module wrote (and may replace)."""

PAGE_SIZE = 100
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'self'")
"""The pages' Content-Security-Policy: nothing but the site's own files, no inline code."""


@attrs.frozen
class Built:
    """What a build wrote."""

    out: Path
    incidents: int
    pages: int


def _iso(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S") if at else ""


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "-"


def environment() -> jinja2.Environment:
    """The templates, autoescaped, strict about undefined names."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("incidentlog.site", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(short=listing.short_minutes, when=_when, iso=_iso,
                       safe_url=markup.safe_url)
    env.globals.update(paths=paths, CSP=CSP)
    return env


class _Writer:
    """Pages written under one root, each knowing its way back to the root."""

    def __init__(self, root: Path, env: jinja2.Environment, title: str) -> None:
        self.root = root
        self.env = env
        self.title = title
        self.pages = 0
        self._made: set[Path] = set()

    def text(self, rel: str, content: str) -> None:
        target = self.root / rel
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        target.write_text(content, encoding="utf-8")

    def page(self, rel: str, template_name: str, **context: Any) -> None:
        root = "../" * rel.count("/")
        html = self.env.get_template(template_name).render(root=root, here=rel,
                                                      site_title=self.title, **context)
        self.text(rel, html)
        self.pages += 1


def read_all(log: IncidentLog) -> tuple[list[Incident], dict[str, list[ev.Event]]]:
    """Every incident's state and events, in one pass over the log."""
    events: dict[str, list[ev.Event]] = defaultdict(list)
    folding = Folding()
    for _, incident_id, version, event in log.changes():
        events[incident_id].append(event)
        folding.add(incident_id, event, version)
    return folding.states(), events


def build_site(log: IncidentLog, out: Path, *, template: str = "a", today: date | None = None,
               page_size: int = PAGE_SIZE, title: str = "Incident archive",
               workers: int | None = None) -> Built:
    """Write the site of every incident in ``log`` to folder ``out``.

    ``template``: the house format reports are shown in; ``today``: the day follow-ups are
    overdue against; ``workers``: processes writing incident pages (default: one per CPU;
    archives under :data:`PARALLEL_FROM` incidents are written by this process alone).
    """
    if template not in ("a", "b"):
        raise ValueError(f"unknown template {template!r}; use 'a' or 'b'")
    if page_size < 1:
        raise ValueError(f"page size must be at least 1, not {page_size}")
    _check_target(out)
    today = today or datetime.now(UTC).date()
    incidents, events = read_all(log)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        writer = _Writer(staging, environment(), title)
        _write_site(writer, incidents, events, template=template, today=today,
                    page_size=page_size, workers=_workers() if workers is None else workers)
        (staging / MARKER).write_text("built by incidentlog site\n", encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Built(out, len(incidents), writer.pages)


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise ValueError(f"{out}: folder is not empty and holds no site built by incidentlog; "
                         "give an empty or new folder")


def _swap(staging: Path, out: Path) -> None:
    staging.chmod(0o755)
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        if old.exists():
            shutil.rmtree(old)
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


def _write_site(w: _Writer, incidents: list[Incident], events: dict[str, list[ev.Event]], *,
                template: str, today: date, page_size: int, workers: int) -> None:
    static = resources.files("incidentlog.site") / "static"
    for name in ("site.css", "site.js"):
        w.text(f"static/{name}", static.joinpath(name).read_text(encoding="utf-8"))
    rows = listing.newest_first(listing.row(i, today) for i in incidents)
    options = _options(rows)
    _index(w, rows, options, page_size)
    _search(w, rows, options)
    _groups(w, rows, page_size)
    _incident_pages(w, incidents, events, template=template, today=today, workers=workers)
    _metrics(w, incidents, rows, today)


def _options(rows: list[listing.Row]) -> dict[str, list[str]]:
    """The values each filter offers, from the rows themselves."""
    return {
        "severity": sorted({r.severity for r in rows if r.severity}),
        "status": sorted({r.status for r in rows}),
        "service": sorted({s for r in rows for s in r.services}),
        "team": sorted({r.team for r in rows if r.team}),
    }


def _paged(w: _Writer, rows: list[listing.Row], page_size: int,
           page_name: Callable[[int], str], template: str, **context: Any) -> None:
    chunks = listing.pages(rows, page_size)
    for n, chunk in enumerate(chunks, 1):
        w.page(page_name(n), template, rows=chunk, page=n, page_count=len(chunks),
               page_name=page_name, total=len(rows), **context)


def _index(w: _Writer, rows: list[listing.Row], options: dict[str, list[str]],
           page_size: int) -> None:
    years: dict[str, int] = {}
    for n, r in enumerate(rows):
        years.setdefault(r.year, n // page_size + 1)
    _paged(w, rows, page_size, paths.index_page, "index.html", options=options, years=years,
           show_team=bool(options["team"]))


def _search(w: _Writer, rows: list[listing.Row], options: dict[str, list[str]]) -> None:
    data = [[r.id, r.page, r.date, r.severity or "", r.status, r.duration, list(r.services),
             r.team or "", r.title] for r in rows]
    w.text("static/search-data.js", "window.incidentlogIndex = "
           + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + ";\n")
    w.page("search.html", "search.html", options=options, total=len(rows),
           show_team=bool(options["team"]))


def _numbered(page: Callable[[str, int], str], name: str) -> Callable[[int], str]:
    def numbered(n: int) -> str:
        return page(name, n)
    return numbered


def _groups(w: _Writer, rows: list[listing.Row], page_size: int) -> None:
    by_service: dict[str, list[listing.Row]] = defaultdict(list)
    by_team: dict[str, list[listing.Row]] = defaultdict(list)
    for r in rows:
        for s in r.services:
            by_service[s].append(r)
        if r.team:
            by_team[r.team].append(r)
    pages: tuple[tuple[str, dict[str, list[listing.Row]], Callable[[str, int], str]], ...] = (
        ("service", by_service, paths.service_page), ("team", by_team, paths.team_page))
    for kind, groups, page in pages:
        for name, members in sorted(groups.items()):
            _paged(w, members, page_size, _numbered(page, name), "group.html",
                   kind=kind, name=name, show_team=bool(by_team))
        w.page(f"{kind}s.html", "groups.html", kind=kind,
               groups=[(name, len(m), page(name, 1)) for name, m in sorted(groups.items())])


PARALLEL_FROM = 500
"""Incidents from which their pages are written by several processes."""

_Job = tuple[_Writer, list[Incident], dict[str, list[ev.Event]], str, date]
_job: _Job | None = None
"""What the forked workers write: set before they fork, so it is theirs without pickling."""


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _incident_pages(w: _Writer, incidents: list[Incident], events: dict[str, list[ev.Event]],
                    *, template: str, today: date, workers: int) -> None:
    """The pages of every incident: here, or by ``workers`` forked processes at once (the
    pages are independent files, and rendering them is most of a build's time)."""
    global _job
    if workers <= 1 or len(incidents) < PARALLEL_FROM or sys.platform != "linux":
        # Forking is safe on Linux; elsewhere (macOS system libraries) it may not be.
        for incident in incidents:
            _incident(w, incident, events[incident.id], template=template, today=today)
        return
    size = -(-len(incidents) // (workers * 4))
    _job = (w, incidents, events, template, today)
    # What the workers inherit is never collected by them: frozen, the collector neither
    # scans it (time) nor touches it (copy-on-write pages).
    gc.collect()
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            w.pages += sum(pool.map(_incident_chunk, [
                (first, first + size) for first in range(0, len(incidents), size)], chunksize=1))
    finally:
        _job = None
        gc.unfreeze()


def _incident_chunk(bounds: tuple[int, int]) -> int:
    """Write the pages of incidents ``bounds[0]`` up to ``bounds[1]``; return how many."""
    assert _job is not None
    w, incidents, events, template, today = _job
    before = w.pages
    for incident in incidents[bounds[0]:bounds[1]]:
        _incident(w, incident, events[incident.id], template=template, today=today)
    return w.pages - before


def _incident(w: _Writer, incident: Incident, events: list[ev.Event], *, template: str,
              today: date) -> None:
    findings = check(incident)
    item_fields = ("timeline", "action_items")
    shown, by_field, other = facts.place(facts.facts(incident), findings, extra=item_fields)
    # Without the events: its Document History is the history page, one link away.
    report = markup.to_html(marks.without_marks(render_markdown(incident, template)))
    w.page(paths.incident_page(incident.id), "incident.html", incident=incident,
           facts=shown, findings=findings, item_findings=by_field, other_findings=other,
           picture=timeline.picture(incident), rows=timeline_rows(incident),
           items=[(a, listing.is_overdue(a, today)) for a in incident.action_items],
           report=report, summary=markup.to_html(incident.summary),
           house_format=template.upper(), events=len(events))
    past = history.past(events)
    w.page(paths.history_page(incident.id), "history.html", incident=incident, past=past,
           blame=history.concise(past.blame), changes=history.changes_data(past))


def _metrics(w: _Writer, incidents: list[Incident], rows: list[listing.Row],
             today: date) -> None:
    by_month = audit.stats(incidents, by="month")
    known = {g.group: g for g in by_month}
    empty = audit.Metric(0, None, None, ())
    months = [known.get(m) or audit.GroupStats(m, 0, empty, empty, empty, empty)
              for m in charts.month_range(list(known))]
    by_severity = audit.stats(incidents, by="severity")
    by_service = audit.stats(incidents, by="service")
    top_services = sorted(by_service, key=lambda g: (-g.incidents, g.group))[:12]
    charts_written = {
        "count": charts.counts([g.group for g in months], [g.incidents for g in months],
                               title="Incidents per month"),
        "month": charts.metric_panels(months, line=True, title="By month (median and p90)"),
        "severity": charts.metric_panels(by_severity, line=False,
                                         title="By severity (median and p90)"),
        "service": charts.metric_panels(top_services, line=False,
                                        title="By service, the 12 with most incidents"),
    }
    for name, svg in charts_written.items():
        w.text(f"charts/{name}.svg", svg)
    overdue = sorted(((i, a) for i in incidents for a in i.action_items
                      if listing.is_overdue(a, today)),
                     key=lambda pair: (pair[1].due or today, pair[0].id))
    total = audit.stats(incidents)
    w.page("metrics.html", "metrics.html", overall=total[0] if total else None,
           tables=[("month", by_month), ("severity", by_severity), ("service", by_service)],
           incidents=len(incidents),
           unresolved=sum(r.status not in ("resolved", "closed") for r in rows),
           open_items=sum(r.open_items for r in rows),
           overdue_items=sum(r.overdue_items for r in rows),
           overdue=overdue[:50], today=today)
