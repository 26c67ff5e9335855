"""The command line: a thin layer over the library. Exit 0 ok, 1 error findings, 2 bad input."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from incidentlog import figures as fg
from incidentlog.checks import Finding, check, has_errors
from incidentlog.errors import IncidentLogError
from incidentlog.incident import Incident
from incidentlog.render import json_schema, render_markdown, to_json
from incidentlog.render.json import document
from incidentlog.store import IncidentLog
from incidentlog.urls import redact

DB_ENV = "INCIDENTLOG_DB"
DEFAULT_DB = "sqlite:///incidents.db"

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or input: exit status 2."""


def _open(args: argparse.Namespace) -> IncidentLog:
    url = args.db or os.environ.get(DB_ENV) or DEFAULT_DB
    return IncidentLog(url)


def _print_json(data: object, out: TextIO) -> None:
    out.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _finding_dict(f: Finding, incident_id: str | None = None) -> dict[str, object]:
    return {
        "incident": incident_id,
        "code": f.code,
        "level": f.level,
        "message": f.message,
        "file": f.source.file if f.source else None,
        "line": f.source.line if f.source else None,
        "field": f.field,
    }


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        incident = log.get(args.id)
        if args.format == "json":
            out.write(to_json(incident).decode() + "\n")
        else:
            out.write(render_markdown(incident, args.template, log.events(args.id)))
    return EXIT_OK


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    results: list[tuple[str, Finding]] = []
    with _open(args) as log:
        for incident_id in args.ids:
            incident = log.get(incident_id)
            results += [(incident_id, f) for f in check(incident, template=args.template)]
    return _report_findings(results, args.json, out)


def _report_findings(results: list[tuple[str, Finding]], as_json: bool, out: TextIO) -> int:
    if as_json:
        _print_json([_finding_dict(f, i) for i, f in results], out)
    else:
        for incident_id, f in results:
            where = f.where() if f.source else f"{incident_id}" + (f" {f.field}" if f.field else "")
            out.write(f"{where}: {f.level}: {f.code}: {f.message}\n")
        errors = sum(f.level == "error" for _, f in results)
        out.write(f"{len(results)} finding(s), {errors} error(s)\n")
    return EXIT_FINDINGS if has_errors([f for _, f in results]) else EXIT_OK


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        incidents = log.list()
    rows = [_list_row(i) for i in incidents]
    if args.json:
        _print_json(rows, out)
        return EXIT_OK
    header = ("ID", "SEVERITY", "STATUS", "DURATION", "TITLE")
    table = [header] + [(i.id, i.severity or "-", i.status, _hhmm(fg.derive(i).duration_minutes),
                         i.title) for i in incidents]
    widths = [max(len(str(row[c])) for row in table) for c in range(4)]
    for row in table:
        cells = [str(v).ljust(w) for v, w in zip(row[:4], widths, strict=True)]
        out.write("  ".join([*cells, str(row[4])]).rstrip() + "\n")
    return EXIT_OK


def _hhmm(minutes: float | None) -> str:
    return "-" if minutes is None else fg.format_hhmm(minutes)


def _list_row(i: Incident) -> dict[str, object]:
    doc = document(i)
    return {"id": i.id, "severity": i.severity, "status": i.status,
            "duration_minutes": doc.duration_minutes, "title": i.title,
            "declared_at": i.declared_at.isoformat() if i.declared_at else None}


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    _print_json(json_schema(), out)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO], int]] = {
    "show": cmd_show,
    "check": cmd_check,
    "list": cmd_list,
    "schema": cmd_schema,
}


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="incidentlog", formatter_class=fmt,
        description="Incident records kept as append-only event streams.",
        epilog="exit status: 0 ok, 1 error-level findings, 2 usage or input error\n"
               f"database: --db URL, else ${DB_ENV}, else {DEFAULT_DB}")
    parser.add_argument("--db", help=f"database URL (default: ${DB_ENV} or {DEFAULT_DB})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=summary, formatter_class=fmt,
                           epilog=f"example:\n  {example}")
        p.add_argument("--db", default=argparse.SUPPRESS, help="database URL")
        return p

    show = command("show", "Render an incident as Markdown or JSON.",
                   "incidentlog show INC-20251023-0001 --format markdown --template b")
    show.add_argument("id")
    show.add_argument("--format", choices=("markdown", "json"), default="markdown")
    show.add_argument("--template", choices=("a", "b"), default="a")

    chk = command("check", "Check stored incidents for findings (exit 1 on an error).",
                  "incidentlog check INC-20251023-0001 --json")
    chk.add_argument("ids", nargs="+", metavar="ID")
    chk.add_argument("--template", choices=("a", "b"), default=None,
                     help="also report what this template needs")
    chk.add_argument("--json", action="store_true", help="findings as JSON")

    lst = command("list", "List incidents with severity, status and duration.",
                  "incidentlog list --json")
    lst.add_argument("--json", action="store_true", help="rows as JSON")

    command("schema", "Print the JSON Schema of 'show --format json'.",
            "incidentlog schema > incident.schema.json")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return COMMANDS[args.command](args, out)
    except (IncidentLogError, UsageError, OSError, ValueError) as exc:
        message = redact(str(exc)).replace("\n", " ")
        err.write(f"incidentlog {args.command}: error: {message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("incidentlog: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
