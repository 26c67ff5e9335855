"""The web site, read as files: every incident has its pages, text stays text, links are
safe, the timeline crosses midnight, charts are SVG, history composes, the CLI is bounded."""

from __future__ import annotations

import io
import re
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")

import site_archive
from incidentlog import IncidentLog, audit
from incidentlog import events as ev
from incidentlog.blame import ITEM_KEYS, SCALARS
from incidentlog.cli import main
from incidentlog.site import CSP, build_site, history, listing, markup, paths, timeline
from incidentlog.site.serve import serve
from incidentlog.urls import redact


@pytest.fixture(scope="module")
def archive() -> IncidentLog:
    log = IncidentLog()
    site_archive.record(log)
    return log


@pytest.fixture(scope="module")
def site(archive: IncidentLog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "public"
    build_site(archive, out, today=site_archive.TODAY, page_size=10)
    return out


class _Page(HTMLParser):
    """Tags, attributes and text of a page, and whether it parsed as balanced."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def links(self) -> list[str]:
        return [a["href"] or "" for t, a in self.tags if "href" in a]


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_incident_is_listed_once_across_the_index_pages(archive: IncidentLog,
                                                              site: Path) -> None:
    listed = []
    for page in sorted(site.glob("index*.html")):
        listed += re.findall(r'<tr data-severity[^>]*>\s*<td><a href="([^"]+)"', page.read_text())
    expected = {paths.incident_page(i) for i in archive.ids()}
    assert len(listed) == len(expected) == len(list(archive.ids()))
    assert set(listed) == expected
    assert len(list(site.glob("index*.html"))) == -(-len(expected) // 10)


def test_index_is_newest_first(archive: IncidentLog, site: Path) -> None:
    dates = re.findall(r'<td class="num">(\d{4}-\d\d-\d\d)</td>', (site / "index.html").read_text())
    assert dates and dates == sorted(dates, reverse=True)


def test_each_incident_has_a_page_and_a_history_page(archive: IncidentLog, site: Path) -> None:
    for incident_id in archive.ids():
        page = (site / paths.incident_page(incident_id)).read_text()
        assert (site / paths.history_page(incident_id)).exists()
        assert paths.history_page(incident_id).split("/")[-1] in page


def test_every_page_has_the_csp_and_no_script_but_the_sites_own(site: Path) -> None:
    for page in _pages(site):
        parsed = _Page(page.read_text())
        metas = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
        assert metas and metas[0]["content"] == CSP, page
        scripts = [a for t, a in parsed.tags if t == "script"]
        for attrs in scripts:
            assert attrs.get("type") == "application/json" or \
                (attrs.get("src") or "").endswith(("static/site.js", "static/search-data.js"))
        assert not any(name.startswith("on") for _, a in parsed.tags for name in a), page


def test_hostile_text_stays_text(site: Path) -> None:
    page = (site / paths.incident_page(site_archive.EVIL_ID)).read_text()
    parsed = _Page(page)
    tags = {t for t, _ in parsed.tags}
    assert not tags & {"iframe", "img", "object", "embed"}
    assert [a.get("src") for t, a in parsed.tags if t == "script"] == ["../static/site.js"]
    text = "".join(parsed.text)
    assert site_archive.EVIL_TITLE in text          # shown, as text, where it was typed
    assert '<script>alert("section")</script>' in text
    assert "&lt;" not in text                       # not escaped twice
    for href in parsed.links():
        assert markup.safe_url(href) == href and not href.lower().startswith(
            ("javascript", "data", "vbscript")), href
    assert 'href="https://example.com/runbook"' in page


def test_links_are_http_mailto_or_relative() -> None:
    for bad in ("javascript:alert(1)", "JAVASCRIPT:x", "java\tscript:x", "java%0ascript:x",
                "&#106;avascript:x", "data:text/html,x", "vbscript:x", "file:///etc/passwd",
                " javascript:x", "x:y"):
        assert markup.safe_url(bad) == markup.UNSAFE_LINK, bad
    for good in ("https://a.example/x", "http://b", "mailto:a@b.c", "../x.html", "#t",
                 "page?a=b:c", "/abs/path:1"):
        assert markup.safe_url(good) == good


def test_markdown_escapes_raw_html_and_turns_images_into_links() -> None:
    html = markup.to_html('<b onclick="x">hi</b>\n\n<div>block</div>\n\n![alt](https://x/y.png)'
                          " [a](javascript:alert(1))")
    assert "<b" not in html and "<div" not in html and "<img" not in html
    assert "&lt;b onclick=" in html and '<a class="image-link" href="https://x/y.png">' in html
    assert 'href="#unsafe-link"' in html


def test_file_names_are_safe_and_distinct() -> None:
    names = ["EVIL:1#x", "EVIL_1_x", "../../etc", "a/b", "a_b", "", "..", "ok-1.2"]
    slugs = [paths.slug(n) for n in names]
    assert len(set(slugs)) == len(slugs)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", s) for s in slugs)
    assert paths.slug("ok-1.2") == "ok-1.2"


def test_service_pages_list_their_incidents(archive: IncidentLog, site: Path) -> None:
    queue = (site / paths.service_page("queue")).read_text()
    assert site_archive.NIGHT_ID in queue
    evil = site / paths.service_page(site_archive.EVIL_SERVICE)
    assert evil.resolve().is_relative_to(site.resolve()) and evil.exists()
    api = [i for i in archive.list() if "api" in i.services]
    pages = sorted(site.glob("services/api*.html"))
    assert sum(p.read_text().count("<tr data-severity") for p in pages) == len(api)


def test_team_is_read_from_the_record_when_it_has_one() -> None:
    class WithTeam:
        team = "payments"

    class WithTeams:
        teams = ("search", "infra")

    assert listing.team_of(WithTeam()) == "payments"  # type: ignore[arg-type]
    assert listing.team_of(WithTeams()) == "search"  # type: ignore[arg-type]


def test_timeline_picture_crosses_midnight(archive: IncidentLog) -> None:
    pic = timeline.picture(archive.get(site_archive.NIGHT_ID))
    assert pic is not None
    assert [p.name for p in pic.phases] == ["undetected", "acknowledging", "mitigating",
                                           "resolving"]
    assert [m.label for m in pic.midnights] == ["Sun Mar 2"]
    days = [t.day for t in pic.ticks if t.day]
    assert days == ["Mar 1", "Mar 2"]
    midnight = pic.midnights[0].x
    assert next(t for t in pic.ticks if t.label == "00:00").x == midnight
    xs = [m.x for m in pic.markers]
    assert xs == sorted(xs) and all(0 < x < pic.width for x in xs)
    assert pic.phases[-1].end - pic.phases[0].start == timedelta(minutes=97)


def test_timeline_over_days_ticks_by_day() -> None:
    log = IncidentLog()
    t = datetime(2025, 1, 30, 22, 0, tzinfo=UTC)
    log.declare(ev.IncidentDeclared(incident_id="LONG-1", title="slow", severity="P3",
                                    occurred_at=t, detected_at=t, actor="@a"))
    log.append("LONG-1", ev.Resolved(occurred_at=t + timedelta(days=9), actor="@a"))
    pic = timeline.picture(log.get("LONG-1"))
    assert pic is not None and not pic.midnights
    labels = [tick.label for tick in pic.ticks]
    assert labels == ["Feb 1", "Feb 3", "Feb 5", "Feb 7", "Feb 9"]  # two-day steps, by date
    assert all(t.day is None for t in pic.ticks)


def test_no_times_no_picture() -> None:
    log = IncidentLog()
    log.append("NT-1", ev.IncidentDeclared(incident_id="NT-1", title="x", severity=None,
                                           occurred_at=None, actor="@a"), validate=False)
    assert timeline.picture(log.get("NT-1")) is None


def test_charts_are_svg_drawn_by_matplotlib(site: Path) -> None:
    for name in ("count", "month", "severity", "service"):
        root = ET.fromstring((site / "charts" / f"{name}.svg").read_text())
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "Matplotlib" in ET.tostring(root, encoding="unicode")
    metrics = (site / "metrics.html").read_text()
    assert metrics.count('<img src="charts/') == 4


def test_metrics_page_counts(archive: IncidentLog, site: Path) -> None:
    page = (site / "metrics.html").read_text()
    incidents = archive.list()
    overdue = sum(listing.is_overdue(a, site_archive.TODAY)
                  for i in incidents for a in i.action_items)
    assert f"<b>{len(incidents)}</b> incidents" in page
    assert f"<b>{overdue}</b> overdue on {site_archive.TODAY}" in page
    assert "Canary config pushes" in page      # due 2025-04-01: overdue
    assert "Alert on consumer lag" not in page  # due 2026-06-01: not yet
    assert 'data-by="month"' in page and 'data-by="severity"' in page


def test_history_matches_the_audit_and_composes(archive: IncidentLog) -> None:
    incident_id = site_archive.seed_incidents.A_ID
    events = archive.events(incident_id)
    past = history.past(events)
    assert [v.line for v in past.versions] == audit.history(archive, incident_id)
    assert list(past.blame) == audit.blame(archive, incident_id)
    assert any(b.field == "$.action_items[INC-001].status" for b in past.blame)
    # Replaying the changes up to version v gives the record at v, for any v.
    for v in (1, 7, 20, len(events)):
        state: dict[str, object] = {}
        for version, path, kind, _, after in history.changes_data(past):
            if version > v:
                break
            if kind == "removed":
                state.pop(path, None)
            else:
                state[path] = after
        at_v = archive.get(incident_id, version=v)
        for name in SCALARS:
            value = history.plain(getattr(at_v, name))
            assert state.get(f"$.{name}") == (None if value in (None, "", []) else value), name
        for name, key in ITEM_KEYS.items():
            items = {f"$.{name}[{key(item)}]": history.plain(item) for item in getattr(at_v, name)}
            assert {p: x for p, x in state.items() if p.startswith(f"$.{name}[")} == items


def test_history_of_a_long_incident_is_linear() -> None:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    events: list[ev.Event] = [ev.IncidentDeclared(incident_id="L-1", title="long",
                                                  severity="P2", occurred_at=t, actor="@a")]
    events += [ev.TimelineEntryAdded(occurred_at=t + timedelta(seconds=i), actor="@a",
                                     text=f"entry {i}") for i in range(5000)]
    past = history.past(events)  # quadratic would take minutes here
    assert len(past.versions) == 5001
    assert sum(len(v.changes) for v in past.versions[1:]) == 5000


def test_a_rebuild_replaces_the_site_and_drops_what_is_gone(tmp_path: Path) -> None:
    out = tmp_path / "public"
    log = IncidentLog()
    site_archive.across_midnight(log)
    build_site(log, out)
    stale = out / "incidents" / "GONE.html"
    stale.write_text("old")
    build_site(log, out)
    assert not stale.exists() and (out / paths.incident_page(site_archive.NIGHT_ID)).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["public"]


def test_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep")
    with pytest.raises(ValueError, match="not empty"):
        build_site(IncidentLog(), tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_an_empty_log_builds_a_site(tmp_path: Path) -> None:
    built = build_site(IncidentLog(), tmp_path / "empty")
    assert built.incidents == 0 and (tmp_path / "empty" / "index.html").exists()
    assert "0 in all" in (tmp_path / "empty" / "index.html").read_text()


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'site.db'}"
    with IncidentLog(url) as log:
        site_archive.across_midnight(log)
    return url


def test_cli_site(db: str, tmp_path: Path) -> None:
    code, out, err = run("--db", db, "site", str(tmp_path / "www"), "--today", "2026-01-01")
    assert code == 0 and err == "" and "for 1 incident(s)" in out
    assert (tmp_path / "www" / paths.incident_page(site_archive.NIGHT_ID)).exists()
    code, _, err = run("--db", db, "site", str(tmp_path), "--today", "yesterday")
    assert code == 2 and err.count("\n") == 1 and "YYYY-MM-DD" in err
    code, _, err = run("--db", db, "site", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "not empty" in err
    code, _, err = run("--db", db, "site", str(tmp_path / "x"), "--page-size", "0")
    assert code == 2 and "--page-size" in err


def test_cli_names_the_extra_when_it_is_missing(db: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m.startswith("incidentlog.site")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "jinja2", None)  # type: ignore[arg-type]
    for argv in (["site", str(tmp_path / "www")], ["serve", "--for", "0.1"]):
        code, out, err = run("--db", db, *argv)
        assert code == 2 and out == ""
        # As the CLI prints it: redacted of the passwords of URLs this process opened (the
        # PostgreSQL tests' password may be a word of the message).
        message = redact("the site commands need the 'site' extra (jinja2 is not installed): "
                         "pip install 'incidentlog[site]'")
        assert err == f"incidentlog {argv[0]}: error: {message}\n"


def test_serve_is_local_live_and_stops(tmp_path: Path) -> None:
    log = IncidentLog(f"sqlite:///{tmp_path / 'live.db'}")
    site_archive.across_midnight(log)
    urls: list[str] = []
    ready = threading.Event()
    stop = threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    worker = threading.Thread(target=serve, args=(log,),
                              kwargs={"port": 0, "stop": stop, "ready": on_ready})
    worker.start()
    try:
        assert ready.wait(30)
        assert urls[0].startswith("http://127.0.0.1:")
        with urllib.request.urlopen(urls[0] + "index.html", timeout=10) as response:
            assert response.headers["Content-Security-Policy"] == CSP
            assert site_archive.NIGHT_ID in response.read().decode()
        site_archive.hostile(log)
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while True:  # the next check of the log (at most a second away) rebuilds
            with urllib.request.urlopen(urls[0] + "index.html", timeout=10) as response:
                if "EVIL:1#x" in response.read().decode() or datetime.now(UTC) > deadline:
                    break
        with urllib.request.urlopen(urls[0] + paths.incident_page("EVIL:1#x"),
                                    timeout=10) as response:
            assert response.status == 200
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    log.close()


def test_cli_serve_stops_after_its_time(db: str) -> None:
    code, out, err = run("--db", db, "serve", "--port", "0", "--for", "0.3")
    assert code == 0 and err == ""
    assert re.match(r"serving http://127\.0\.0\.1:\d+/ on this machine only", out)
    assert out.endswith("stopped after 1 build(s)\n")
    code, _, err = run("--db", db, "serve", "--port", "70000")
    assert code == 2 and "--port" in err


@pytest.mark.parametrize("text", ["Checkout failed for 12% of users.", "a  b", "x = 1, y = 2",
                                  "é ü 中文", "50% (of 7000) requests"])
def test_plain_lines_skip_the_parser_and_read_the_same(text: str) -> None:
    assert markup.to_html(text) == markup._markdown(text)


def test_the_page_blames_item_fields_only_when_changed_later() -> None:
    log = IncidentLog()
    site_archive.across_midnight(log)
    t = log.get(site_archive.NIGHT_ID).resolved_at
    log.append(site_archive.NIGHT_ID, ev.ActionItemUpdated(occurred_at=t, actor="@lead",
                                                           item_id="Q-1", status="done"))
    shown = {b.field: b.version for b in history.concise(history.past(
        log.events(site_archive.NIGHT_ID)).blame)}
    assert shown["$.action_items[Q-1]"] == shown["$.action_items[Q-1].status"] == 10
    assert "$.action_items[Q-1].title" not in shown and "$.action_items[Q-2]" in shown
    assert shown["$.title"] == 1


def test_pages_written_by_workers_are_the_pages_written_alone(
        archive: IncidentLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from incidentlog.site import build

    alone = build_site(archive, tmp_path / "alone", today=site_archive.TODAY, workers=1)
    monkeypatch.setattr(build, "PARALLEL_FROM", 2)
    shared = build_site(archive, tmp_path / "shared", today=site_archive.TODAY, workers=2)
    assert alone.pages == shared.pages
    files = sorted(p.relative_to(tmp_path / "alone") for p in (tmp_path / "alone").rglob("*")
                   if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "shared")
                           for p in (tmp_path / "shared").rglob("*") if p.is_file())
    for rel in files:
        assert (tmp_path / "alone" / rel).read_bytes() == (tmp_path / "shared" / rel).read_bytes()


def test_findings_sit_beside_the_facts_they_concern() -> None:
    from incidentlog.checks import check
    from incidentlog.site import facts

    log = IncidentLog()
    t = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    log.append("ODD-1", ev.IncidentDeclared(incident_id="ODD-1", title="odd", severity="P2",
                                            occurred_at=t, detected_at=t, actor="@a"),
               ev.Mitigated(occurred_at=t - timedelta(minutes=5), actor="@a"),
               ev.ActionItemAdded(occurred_at=t, actor="@a", item_id="A-1", title="x",
                                  due=datetime(2020, 1, 1).date()),
               validate=False)
    incident = log.get("ODD-1")
    shown, by_field, rest = facts.place(facts.facts(incident), check(incident),
                                        extra=("timeline", "action_items"))
    beside = {f.label: [x.code for x in f.findings] for f in shown if f.findings}
    assert beside == {"Mitigated": ["lifecycle-order"]}
    assert [x.code for x in by_field["action_items.A-1"]] == ["due-before-incident"]
    assert rest == []
