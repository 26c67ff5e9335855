"""The archive as a web site: write it to a folder, or serve it live on localhost."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TextIO

from incidentlog.cli.common import EXIT_OK, Command, UsageError, open_log

EXTRA = "pip install 'incidentlog[site]'"
_SITE_DEPENDENCIES = ("jinja2", "markupsafe", "matplotlib")


def _load(name: str) -> ModuleType:
    """A module of the site package, or a one-line error naming the extra it needs."""
    import importlib

    try:
        return importlib.import_module(f"incidentlog.site.{name}")
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in _SITE_DEPENDENCIES:
            raise
        raise UsageError(f"the site commands need the 'site' extra ({missing} is not "
                         f"installed): {EXTRA}") from None


def _today(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--today {text!r}: give a date as YYYY-MM-DD") from None


def _options(args: argparse.Namespace) -> dict[str, object]:
    if args.page_size < 1:
        raise UsageError(f"--page-size {args.page_size}: give at least 1")
    return {"template": args.template, "title": args.title, "page_size": args.page_size,
            "today": _today(args.today)}


def cmd_site(args: argparse.Namespace, out: TextIO) -> int:
    build = _load("build")
    options = _options(args)
    with open_log(args, read_only=True) as log:
        built = build.build_site(log, Path(args.out_dir), **options)
    out.write(f"wrote {built.pages} pages for {built.incidents} incident(s) to {built.out}; "
              f"open {built.out / 'index.html'}\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    live = _load("serve")
    options = _options(args)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: give 0 to 65535")
    if args.seconds is not None and args.seconds <= 0:
        raise UsageError(f"--for {args.seconds}: give a number of seconds above 0")

    def ready(url: str) -> None:
        out.write(f"serving {url} on this machine only (Ctrl-C stops)\n")
        out.flush()

    with open_log(args, read_only=True) as log:
        builds = live.serve(log, port=args.port, seconds=args.seconds, ready=ready, **options)
    out.write(f"stopped after {builds} build(s)\n")
    return EXIT_OK


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--template", choices=("a", "b"), default="a",
                   help="house format of the reports shown (default: a)")
    p.add_argument("--title", default="Incident archive", help="the site's name")
    p.add_argument("--page-size", type=int, default=100, metavar="N",
                   help="incidents per index page (default: 100)")
    p.add_argument("--today", metavar="YYYY-MM-DD",
                   help="the day follow-ups are overdue against (default: today, UTC)")


def register(command: Command) -> None:
    """Add site and serve."""
    st = command("site", "Write the archive as a static web site that works offline "
                 f"(needs: {EXTRA}).", "incidentlog site public/ && open public/index.html",
                 cmd_site)
    st.add_argument("out_dir", metavar="OUT_DIR",
                    help="a new or empty folder, or one a previous 'site' wrote (replaced)")
    _common(st)

    sv = command("serve", "Serve the archive's site on 127.0.0.1, rebuilt as the log changes "
                 f"(needs: {EXTRA}).", "incidentlog serve --port 8000", cmd_serve)
    sv.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    sv.add_argument("--for", dest="seconds", type=float, metavar="SECONDS",
                    help="stop after this many seconds (default: until Ctrl-C)")
    _common(sv)
