"""The site in a real browser: Debian's chromium, headless, loading the files from disk.

Assertions are on the DOM after the pages' scripts ran (``--dump-dom``); screenshots of
the index, an incident, its history and the metrics go to ``SCREENSHOTS`` (the folder
``$INCIDENTLOG_SCREENSHOTS`` names, else ``build/screenshots``). Skipped when chromium is
not installed, except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")

import site_archive
from incidentlog import IncidentLog
from incidentlog.site import build_site, paths

SCREENSHOTS = Path(os.environ.get("INCIDENTLOG_SCREENSHOTS")
                   or site_archive.ROOT / "build" / "screenshots")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars")
INSTALL = "apt-get update && apt-get install -y chromium"


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"CI must run the browser tests, and chromium is missing: {INSTALL} "
                        "(.ci/run does)")
        pytest.skip(f"Debian's chromium is not installed ({INSTALL})")
    return found


@pytest.fixture(scope="module")
def log() -> IncidentLog:
    archive = IncidentLog()
    site_archive.record(archive)
    return archive


@pytest.fixture(scope="module")
def site(log: IncidentLog, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "site"
    build_site(log, out, today=site_archive.TODAY)
    return out


def _run(chromium: str, *args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        done = subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump(chromium: str, page: Path, query: str = "") -> str:
    """The page's DOM after its scripts ran."""
    return _run(chromium, "--dump-dom", page.as_uri() + query)


def shoot(chromium: str, page: Path, name: str, height: int) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    target.unlink(missing_ok=True)
    _run(chromium, f"--window-size=1280,{height}", f"--screenshot={target}", page.as_uri())
    return target


class Dom(HTMLParser):
    """Elements with their attributes, text by element id, and rows of tables."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag
                and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def visible_rows(self) -> list[dict[str, str]]:
        return [a for a in self.all("tr") if "data-severity" in a and "hidden" not in a]


def _ids(html: str) -> list[str]:
    return re.findall(r'<tr data-severity[^>]*>\s*<td><a href="[^"]*">([^<]*)</a>', html)


def test_the_index_lists_every_incident_and_its_script_runs(chromium: str, log: IncidentLog,
                                                            site: Path) -> None:
    html = dump(chromium, site / "index.html")
    expected = list(log.ids())
    shown = [i.replace("&amp;", "&") for i in _ids(html)]
    assert sorted(shown) == sorted(expected)
    assert f"{len(expected)} of {len(expected)} shown" in html  # written by the script


def test_filters_hide_what_does_not_match(chromium: str, log: IncidentLog, site: Path) -> None:
    dom = Dom(dump(chromium, site / "index.html", "?severity=P0"))
    p0 = {i.id for i in log.list() if i.severity == "P0"}
    assert len(dom.visible_rows()) == len(p0) > 0
    assert {r["data-severity"] for r in dom.visible_rows()} == {"P0"}
    html = dump(chromium, site / "index.html", "?q=OVERNIGHT&service=queue")
    assert "1 of 30 shown" in html
    assert [r["data-text"].split()[0] for r in Dom(html).visible_rows()] == [
        site_archive.NIGHT_ID.lower()]


def test_search_looks_through_every_incident(chromium: str, log: IncidentLog,
                                             site: Path) -> None:
    html = dump(chromium, site / "search.html", "?q=routine&status=resolved")
    routine = [i for i in log.list() if i.title.startswith("Routine")
               and i.status == "resolved"]
    found = re.findall(r'<tr><td><a href="(incidents/[^"]+)">', html)
    assert len(found) == len(routine) > 0
    assert set(found) == {paths.incident_page(i.id) for i in routine}
    assert f"{len(routine)} of 30 match" in html


def test_the_incident_page_draws_its_timeline_and_shows_its_facts(chromium: str,
                                                                  site: Path) -> None:
    html = dump(chromium, site / paths.incident_page(site_archive.NIGHT_ID))
    dom = Dom(html)
    assert dom.all("svg", class_="timeline", role="img")
    phases = [a["class"] for a in dom.all("g") if a.get("class", "").startswith("phase")]
    assert phases == ["phase undetected", "phase acknowledging", "phase mitigating",
                      "phase resolving"]
    assert len([a for a in dom.all("g") if a.get("class", "").startswith("marker")]) == 7
    assert len(dom.all("line", class_="midnight")) == 1
    days = re.findall(r'<text class="tick-day"[^>]*>([^<]+)</text>', html)
    assert days == ["Mar 1", "Mar 2"]
    text = " ".join(" ".join(dom.text).split())
    assert "Resolved 2025-03-02 01:05 UTC" in text
    assert ("Duration 1 hour 25 minutes error duration-mismatch: stated duration 1 hour, "
            "timeline gives 1 hour 25 minutes") in text  # the finding beside its fact
    assert "mitigated → resolved 35m" in text
    assert "Canary config pushes" in text and "overdue" in text


def test_hostile_text_stays_text(chromium: str, site: Path) -> None:
    for page, query in ((paths.incident_page(site_archive.EVIL_ID), ""),
                        (paths.history_page(site_archive.EVIL_ID), ""),
                        ("search.html", "?q=alert")):
        html = dump(chromium, site / page, query)
        dom = Dom(html)
        assert not {t for t, _ in dom.elements} & {"iframe", "img", "object", "embed"}, page
        scripts = [a for a in dom.all("script") if a.get("type") != "application/json"]
        assert all(a["src"].endswith(("site.js", "search-data.js")) for a in scripts), page
        assert not any(k.startswith("on") for _, a in dom.elements for k in a), page
        assert not any(a.get("href", "").lower().startswith(("javascript", "data"))
                       for _, a in dom.elements), page
        assert site_archive.EVIL_TITLE in "".join(dom.text), page


def test_history_compares_versions_with_its_script(chromium: str, site: Path) -> None:
    html = dump(chromium, site / paths.history_page(site_archive.NIGHT_ID))
    dom = Dom(html)
    assert "hidden" not in dom.all("section", id="tools")[0]
    assert re.search(r'<output id="compare-count">\d+ field\(s\) differ</output>', html)
    asof = html[html.index('id="asof-result"'):]
    assert "$.resolved_at" in asof and "2025-03-02T01:05:00Z" in asof


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_screenshots(chromium: str, site: Path) -> None:
    shots = {
        "index": (site / "index.html", 900),
        "incident": (site / paths.incident_page(site_archive.NIGHT_ID), 1250),
        "history": (site / paths.history_page(site_archive.seed_incidents.A_ID), 900),
        "metrics": (site / "metrics.html", 1300),
    }
    for name, (page, height) in shots.items():
        target = shoot(chromium, page, name, height)
        assert _png_size(target) == (1280, height)
        assert target.stat().st_size > 20_000, f"{name}: a blank page?"


def test_what_did_we_know_at_a_time(chromium: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from incidentlog import events as ev

    recorded = iter([datetime(2025, 6, 1, 14, 0, tzinfo=UTC),
                     datetime(2025, 6, 1, 14, 20, tzinfo=UTC),
                     datetime(2025, 6, 1, 14, 45, tzinfo=UTC)])
    log = IncidentLog(clock=lambda: next(recorded))
    t = datetime(2025, 6, 1, 13, 50, tzinfo=UTC)
    log.declare(ev.IncidentDeclared(incident_id="T-1", title="When", severity="P2",
                                    occurred_at=t, detected_at=t, actor="@a"))
    log.append("T-1", ev.TimelineEntryAdded(occurred_at=t + timedelta(minutes=5), actor="@a",
                                            text="Found the bad host"))
    log.append("T-1", ev.Resolved(occurred_at=t + timedelta(minutes=40), actor="@a"))
    build_site(log, tmp_path / "site")
    page = tmp_path / "site" / paths.history_page("T-1")
    html = dump(chromium, page, "?at=2025-06-01T14:30")
    assert "version 2, recorded 2025-06-01 14:20:00 UTC" in html
    asof = html[html.index('id="asof-result"'):]
    asof = asof[:asof.index("</table>")]
    assert "Found the bad host" in asof and "$.resolved_at" not in asof
    html = dump(chromium, page, "?at=2025-06-01T13:00")
    assert "nothing was recorded yet" in html
