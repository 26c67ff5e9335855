"""The command line: a thin layer over the library. Exit 0 ok, 1 error findings, 2 bad input."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import attrs

from incidentlog import figures as fg
from incidentlog.checks import Finding, check, has_errors
from incidentlog.errors import IncidentLogError
from incidentlog.importer import MARKDOWN_SUFFIXES, import_paths, markdown_files
from incidentlog.incident import Incident
from incidentlog.parse import import_markdown
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


def _is_file(target: str) -> bool:
    return target.lower().endswith(MARKDOWN_SUFFIXES) or Path(target).is_file()


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    results: list[tuple[str, Finding]] = []
    files = [t for t in args.targets if _is_file(t)]
    ids = [t for t in args.targets if not _is_file(t)]
    for name in files:
        imported = import_markdown(_read(name), source=name)
        results += [(imported.incident.id, f)
                    for f in check(imported.incident, template=args.template)]
    if ids:
        with _open(args) as log:
            for incident_id in ids:
                incident = log.get(incident_id)
                results += [(incident_id, f) for f in check(incident, template=args.template)]
    return _report_findings(results, args.json, out)


def _read(name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from None


def cmd_convert(args: argparse.Namespace, out: TextIO) -> int:
    imported = import_markdown(_read(args.file), source=args.file)
    if args.to == "json":
        out.write(to_json(imported.incident).decode() + "\n")
    else:
        template = args.template or ("b" if imported.layout == "template-b" else "a")
        out.write(render_markdown(imported.incident, template))
    return EXIT_OK


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    show = sys.stderr.isatty() and not args.json
    files = list(markdown_files(args.paths))
    if not files:
        raise UsageError(f"no Markdown files in {', '.join(args.paths)}")

    def progress(n: int, path: Path) -> None:
        if show:
            sys.stderr.write(f"\r[{n}/{len(files)}] {str(path)[-60:]:<60}")
            sys.stderr.flush()

    with _open(args) as log:
        summary = import_paths(log, files, actor=args.actor, progress=progress)
    if show:
        sys.stderr.write("\r" + " " * 72 + "\r")
    if args.json:
        _print_json({
            "files": [attrs.asdict(o, recurse=False, filter=lambda a, v: a.name != "findings")
                      | {"findings": [_finding_dict(f, o.incident_id) for f in o.findings]}
                      for o in summary.outcomes],
            "imported": summary.count("imported"), "updated": summary.count("updated"),
            "skipped": summary.count("skipped"), "failed": summary.count("failed"),
            "findings_by_code": dict(summary.findings_by_code()),
        }, out)
    else:
        for outcome in summary.outcomes:
            if outcome.status == "failed":
                out.write(f"failed: {outcome.error}\n")
            elif args.verbose or outcome.status == "updated":
                out.write(f"{outcome.status}: {outcome.path} -> {outcome.incident_id} "
                          f"({outcome.appended} events)\n")
        by_code = ", ".join(f"{code} {n}" for code, n in
                            sorted(summary.findings_by_code().items())) or "none"
        out.write(f"imported {summary.count('imported')}, updated {summary.count('updated')}, "
                  f"skipped {summary.count('skipped')} (unchanged), "
                  f"failed {summary.count('failed')}; "
                  f"findings: {by_code}\n")
    return EXIT_USAGE if summary.count("failed") else EXIT_OK


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
    "convert": cmd_convert,
    "import": cmd_import,
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

    chk = command("check", "Findings for Markdown files or stored incidents (exit 1 on an "
                  "error).", "incidentlog check report.md INC-20251023-0001 --json")
    chk.add_argument("targets", nargs="+", metavar="FILE.md|ID",
                     help="a Markdown report (or - for standard input), or a stored id")
    chk.add_argument("--template", choices=("a", "b"), default=None,
                     help="also report what this template needs")
    chk.add_argument("--json", action="store_true", help="findings as JSON")

    lst = command("list", "List incidents with severity, status and duration.",
                  "incidentlog list --json")
    lst.add_argument("--json", action="store_true", help="rows as JSON")

    command("schema", "Print the JSON Schema of 'show --format json'.",
            "incidentlog schema > incident.schema.json")

    conv = command("convert", "Convert a legacy Markdown report (no database involved).",
                   "incidentlog convert postmortem.md --to markdown --template b")
    conv.add_argument("file", metavar="FILE", help="a Markdown report, or - for standard input")
    conv.add_argument("--to", choices=("json", "markdown"), default="markdown")
    conv.add_argument("--template", choices=("a", "b"), default=None,
                      help="house format (default: the one the report is closest to)")

    imp = command("import", "Import Markdown reports (files or folders) into the database.",
                  "incidentlog import postmortems/ --db sqlite:///incidents.db")
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--actor", default="import", help="who is recorded as importing")
    imp.add_argument("--json", action="store_true", help="the summary as JSON")
    imp.add_argument("--verbose", "-v", action="store_true", help="a line for every file")
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
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
