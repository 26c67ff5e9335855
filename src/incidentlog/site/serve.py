"""The site served live on localhost: rebuilt when the log has changed, for one team's use.

Bound to 127.0.0.1 only, one request at a time, each with a socket timeout, and for a
bounded time when asked (``seconds``); stops cleanly on Ctrl-C or ``stop``, removing the
folder it built into. Before answering a request it checks the log's last position (one
cheap query, at most once a second) and rebuilds the site if anything was recorded.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

from incidentlog.site.build import CSP, build_site
from incidentlog.store import IncidentLog

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 10.0
"""Seconds a client may take to send its request before it is dropped."""
CHECK_EVERY = 1.0
"""Seconds between two checks of the log for new events."""


class LiveSite:
    """A site built from a log into a folder, rebuilt when the log has moved on."""

    def __init__(self, log: IncidentLog, root: Path, **options: Any) -> None:
        self.log = log
        self.root = root
        self.options = options
        self.builds = 0
        self._position: int | None = -1
        self._checked = 0.0
        self._lock = threading.Lock()

    def refresh(self, *, force: bool = False) -> bool:
        """Rebuild if the log has new events (checked at most every :data:`CHECK_EVERY`
        seconds unless ``force``). True when it rebuilt."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._checked < CHECK_EVERY:
                return False
            self._checked = now
            position = self.log.store.max_position()
            if position == self._position:
                return False
            build_site(self.log, self.root, **self.options)
            self._position = position
            self.builds += 1
            return True


class _Handler(SimpleHTTPRequestHandler):
    """Files of the site, GET and HEAD only, with the pages' security headers."""

    timeout = REQUEST_TIMEOUT
    site: LiveSite

    def do_GET(self) -> None:
        self.site.refresh()
        super().do_GET()

    def do_HEAD(self) -> None:
        self.site.refresh()
        super().do_HEAD()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a served page is not news."""


def serve(log: IncidentLog, *, port: int = 8000, seconds: float | None = None,
          stop: threading.Event | None = None, ready: Callable[[str], None] | None = None,
          **options: Any) -> int:
    """Serve the site of ``log`` on http://127.0.0.1:``port`` until ``seconds`` have passed,
    ``stop`` is set, or Ctrl-C. ``ready`` is called with the URL once it listens. Returns
    the number of builds made."""
    folder = Path(tempfile.mkdtemp(prefix="incidentlog-serve-"))
    root = folder / "site"
    try:
        site = LiveSite(log, root, **options)
        site.refresh(force=True)
        handler = type("Handler", (_Handler,), {"site": site})
        with HTTPServer((HOST, port), partial(handler, directory=str(root))) as server:
            server.timeout = 0.25
            if ready is not None:
                ready(f"http://{HOST}:{server.server_address[1]}/")
            deadline = None if seconds is None else time.monotonic() + seconds
            try:
                while not (stop is not None and stop.is_set()) and (
                        deadline is None or time.monotonic() < deadline):
                    server.handle_request()
            except KeyboardInterrupt:
                pass
        return site.builds
    finally:
        shutil.rmtree(folder, ignore_errors=True)
