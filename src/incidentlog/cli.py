"""The command line: a thin layer over the library. Exit 0 ok, 1 error findings, 2 bad input."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

import attrs

from incidentlog import audit
from incidentlog import figures as fg
from incidentlog.checks import Finding, check, has_errors
from incidentlog.errors import IncidentLogError
from incidentlog.importer import MARKDOWN_SUFFIXES, import_paths, markdown_files
from incidentlog.incident import Incident
from incidentlog.inputs import aware
from incidentlog.parse import import_markdown
from incidentlog.render import json_schema, render_markdown, to_json
from incidentlog.render.mermaid import mttr_chart
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


def _time(text: str) -> datetime:
    try:
        return aware(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _state_at(log: IncidentLog, incident_id: str, point: str) -> Incident:
    """A version number or an ISO time (recorded time) as a state of the incident."""
    if point.isdigit():
        return log.get(incident_id, version=int(point))
    return log.get(incident_id, as_of=_time(point))


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        if args.version is not None:
            incident = log.get(args.id, version=args.version)
        elif args.as_of:
            incident = log.get(args.id, as_of=_time(args.as_of))
        elif args.occurred_by:
            incident = log.get(args.id, occurred_by=_time(args.occurred_by))
        else:
            incident = log.get(args.id)
        if args.format == "json":
            out.write(to_json(incident).decode() + "\n")
        else:
            history = log.events(args.id)[: incident.version]
            out.write(render_markdown(incident, args.template, history, chart=args.chart))
    return EXIT_OK


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        lines = audit.history(log, args.id)
    if args.json:
        _print_json([attrs.asdict(line) for line in lines], out)
        return EXIT_OK
    for line in lines:
        when = line.occurred_at.strftime("%Y-%m-%d %H:%M") if line.occurred_at else "--"
        recorded = line.recorded_at.strftime("%Y-%m-%d %H:%M:%S") if line.recorded_at else "--"
        out.write(f"{line.version:>4}  {when:<16}  recorded {recorded}  {line.actor}  "
                  f"{line.summary}\n")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        changes = audit.diff(_state_at(log, args.id, args.a), _state_at(log, args.id, args.b))
    if args.json:
        _print_json([attrs.asdict(c) for c in changes], out)
        return EXIT_OK
    for c in changes:
        sign = {"added": "+", "removed": "-", "changed": "~"}[c.kind]
        detail = c.after if c.kind == "added" else c.before if c.kind == "removed" else \
            f"{c.before!r} -> {c.after!r}"
        out.write(f"{sign} {c.path}: {detail}\n")
    out.write(f"{len(changes)} change(s)\n")
    return EXIT_OK


def cmd_blame(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        rows = audit.blame(log, args.id)
    if args.json:
        _print_json([attrs.asdict(b) for b in rows], out)
        return EXIT_OK
    for b in rows:
        when = b.recorded_at.strftime("%Y-%m-%d %H:%M:%S") if b.recorded_at else "--"
        note = f"  corrected: {b.correction}" if b.correction else ""
        out.write(f"{b.field:<40} v{b.version:<4} {b.type:<20} {b.actor:<18} {when}{note}\n")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        result = audit.verify(log, args.id)
    if args.json:
        _print_json({"ok": result.ok, "checked_events": result.checked_events,
                     "problems": [attrs.asdict(p) for p in result.problems],
                     "heads": result.heads}, out)
    else:
        for p in result.problems:
            out.write(f"{p.incident_id}: version {p.version}: {p.message}\n")
        verdict = "intact" if result.ok else f"{len(result.problems)} altered stream(s)"
        out.write(f"{len(result.heads)} incident(s), {result.checked_events} event(s): "
                  f"{verdict}\n")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        for item in audit.feed(log, after=args.after):
            if args.format == "cloudevents":
                data = audit.cloudevent(item)
            else:
                data = {"position": item.position, "incident": item.incident_id,
                        "version": item.version, "event": item.event.as_dict()}
            out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    return EXIT_OK


def cmd_copy(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as source, IncidentLog(args.to) as target:
        copied = target.copy_from(source)
        ok = target.verify().ok
    out.write(f"copied {copied} event(s) to {redact(args.to)}; verify: "
              f"{'intact' if ok else 'FAILED'}\n")
    return EXIT_OK if ok else EXIT_FINDINGS


def cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    with _open(args) as log:
        groups = audit.stats(log.list(), by=args.by)
    if args.chart == "mermaid":
        out.write(mttr_chart([(g.group, g.mttr.median_minutes) for g in groups],
                             f"Median MTTR by {args.by or 'all'} (minutes)") + "\n")
        return EXIT_OK
    if args.json:
        _print_json([attrs.asdict(g) for g in groups], out)
        return EXIT_OK

    def cell(metric: audit.Metric) -> str:
        if metric.median_minutes is None:
            return f"- (0/{metric.count + len(metric.missing)})"
        return (f"{fg.format_hhmm(metric.median_minutes)}/{fg.format_hhmm(metric.p90_minutes or 0)}"
                f" ({metric.count}/{metric.count + len(metric.missing)})")

    out.write(f"{'GROUP':<14} {'N':>4}  {'MTTD':<18} {'MTTA':<18} {'MITIGATE':<18} MTTR\n")
    for g in groups:
        out.write(f"{g.group:<14} {g.incidents:>4}  {cell(g.mttd):<18} {cell(g.mtta):<18} "
                  f"{cell(g.time_to_mitigate):<18} {cell(g.mttr)}\n")
    out.write("median/p90 as HH:MM (incidents with the times / all); "
              "--json names the incidents without them\n")
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
        found = log.find(severity=args.severity, status=args.status, service=args.service,
                         since=_time(args.since) if args.since else None,
                         until=_time(args.until) if args.until else None, limit=args.limit)
    if args.json:
        _print_json([{"id": r.id, "severity": r.severity, "status": r.status,
                      "duration_minutes": None if r.duration_minutes is None
                      else round(r.duration_minutes, 3), "title": r.title,
                      "services": list(r.services),
                      "started_at": r.started_at.isoformat() if r.started_at else None}
                     for r in found], out)
        return EXIT_OK
    header = ("ID", "SEVERITY", "STATUS", "DURATION", "TITLE")
    table = [header] + [(r.id, r.severity or "-", r.status, _hhmm(r.duration_minutes), r.title)
                        for r in found]
    widths = [max(len(str(row[c])) for row in table) for c in range(4)]
    for row in table:
        cells = [str(v).ljust(w) for v, w in zip(row[:4], widths, strict=True)]
        out.write("  ".join([*cells, str(row[4])]).rstrip() + "\n")
    return EXIT_OK


def _hhmm(minutes: float | None) -> str:
    return "-" if minutes is None else fg.format_hhmm(minutes)


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
    "history": cmd_history,
    "diff": cmd_diff,
    "blame": cmd_blame,
    "verify": cmd_verify,
    "export": cmd_export,
    "stats": cmd_stats,
    "copy": cmd_copy,
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
    show.add_argument("--chart", action="store_true",
                      help="add a Mermaid chart of the timeline (drawn by GitHub and GitLab)")
    when = show.add_mutually_exclusive_group()
    when.add_argument("--version", type=int, help="as it was after event N")
    when.add_argument("--as-of", metavar="TIME", help="as the record stood at TIME (recorded)")
    when.add_argument("--occurred-by", metavar="TIME",
                      help="what had happened by TIME, as known now")

    chk = command("check", "Findings for Markdown files or stored incidents (exit 1 on an "
                  "error).", "incidentlog check report.md INC-20251023-0001 --json")
    chk.add_argument("targets", nargs="+", metavar="FILE.md|ID",
                     help="a Markdown report (or - for standard input), or a stored id")
    chk.add_argument("--template", choices=("a", "b"), default=None,
                     help="also report what this template needs")
    chk.add_argument("--json", action="store_true", help="findings as JSON")

    lst = command("list", "List incidents (newest first) with severity, status and duration, "
                  "from the incident index.",
                  "incidentlog list --severity P1 --status resolved --since 2025-01-01T00:00Z")
    lst.add_argument("--json", action="store_true", help="rows as JSON")
    lst.add_argument("--severity", choices=("P0", "P1", "P2", "P3"))
    lst.add_argument("--status")
    lst.add_argument("--service")
    lst.add_argument("--since", metavar="TIME", help="started at or after TIME (ISO 8601)")
    lst.add_argument("--until", metavar="TIME", help="started before TIME (ISO 8601)")
    lst.add_argument("--limit", type=int)

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

    hist = command("history", "Every event of an incident with a one-line summary.",
                   "incidentlog history INC-20251023-0001 --json")
    hist.add_argument("id")
    hist.add_argument("--json", action="store_true")

    dif = command("diff", "What changed between two versions or recorded times.",
                  "incidentlog diff INC-20251023-0001 3 2025-10-23T15:00:00Z")
    dif.add_argument("id")
    dif.add_argument("a", help="a version number or an ISO 8601 recorded time")
    dif.add_argument("b", help="a version number or an ISO 8601 recorded time")
    dif.add_argument("--json", action="store_true")

    bl = command("blame", "For each field, the event, actor and time that last set it.",
                 "incidentlog blame INC-20251023-0001")
    bl.add_argument("id")
    bl.add_argument("--json", action="store_true")

    ver = command("verify", "Recompute the hash chains; exit 1 if a stream was tampered with.",
                  "incidentlog verify --json")
    ver.add_argument("id", nargs="?", default=None)
    ver.add_argument("--json", action="store_true")

    exp = command("export", "Every event of every incident in recorded order, one per line.",
                  "incidentlog export --format cloudevents --after 1200")
    exp.add_argument("--format", choices=("jsonl", "cloudevents"), default="jsonl")
    exp.add_argument("--after", type=int, default=0, help="resume after this position")

    st = command("stats", "MTTD, MTTA, time to mitigate and MTTR (median, p90).",
                 "incidentlog stats --by month --json")
    st.add_argument("--by", choices=("severity", "service", "month"), default=None)
    st.add_argument("--json", action="store_true")
    st.add_argument("--chart", choices=("mermaid",), help="a Mermaid bar chart of median MTTR")

    cp = command("copy", "Copy every incident into another (empty) database, e.g. SQLite to "
                 "PostgreSQL, keeping times, actors and hash chains.",
                 "incidentlog --db sqlite:///incidents.db copy --to "
                 "postgresql://user:pw@db:5432/incidents")
    cp.add_argument("--to", required=True, metavar="URL")
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
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        return EXIT_OK
    except (IncidentLogError, UsageError, OSError, ValueError) as exc:
        message = redact(str(exc)).replace("\n", " ")
        err.write(f"incidentlog {args.command}: error: {message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("incidentlog: interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
