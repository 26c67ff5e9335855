"""Reading stored incidents: show, list, stats, schema."""

from __future__ import annotations

import argparse
from typing import TextIO

import attrs

from incidentlog import audit
from incidentlog import figures as fg
from incidentlog.cli.common import (
    EXIT_OK,
    Command,
    hhmm,
    open_log,
    parse_time,
    print_json,
)
from incidentlog.render import json_schema, render_markdown, to_json
from incidentlog.render.mermaid import mttr_chart


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        if args.version is not None:
            incident = log.get(args.id, version=args.version)
        elif args.as_of:
            incident = log.get(args.id, as_of=parse_time(args.as_of))
        elif args.occurred_by:
            incident = log.get(args.id, occurred_by=parse_time(args.occurred_by))
        else:
            incident = log.get(args.id)
        if args.format == "json":
            out.write(to_json(incident).decode() + "\n")
        else:
            history = log.events(args.id)[: incident.version]
            out.write(render_markdown(incident, args.template, history, chart=args.chart))
    return EXIT_OK


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        found = log.find(severity=args.severity, status=args.status, service=args.service,
                         since=parse_time(args.since) if args.since else None,
                         until=parse_time(args.until) if args.until else None, limit=args.limit)
    if args.json:
        print_json([{"id": r.id, "severity": r.severity, "status": r.status,
                     "duration_minutes": None if r.duration_minutes is None
                     else round(r.duration_minutes, 3), "title": r.title,
                     "services": list(r.services),
                     "started_at": r.started_at.isoformat() if r.started_at else None}
                    for r in found], out)
        return EXIT_OK
    header = ("ID", "SEVERITY", "STATUS", "DURATION", "TITLE")
    table = [header] + [(r.id, r.severity or "-", r.status, hhmm(r.duration_minutes), r.title)
                        for r in found]
    widths = [max(len(str(row[c])) for row in table) for c in range(4)]
    for row in table:
        cells = [str(v).ljust(w) for v, w in zip(row[:4], widths, strict=True)]
        out.write("  ".join([*cells, str(row[4])]).rstrip() + "\n")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        groups = audit.stats(log.list(), by=args.by)
    if args.chart == "mermaid":
        out.write(mttr_chart([(g.group, g.mttr.median_minutes) for g in groups],
                             f"Median MTTR by {args.by or 'all'} (minutes)") + "\n")
        return EXIT_OK
    if args.json:
        print_json([attrs.asdict(g) for g in groups], out)
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


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    print_json(json_schema(), out)
    return EXIT_OK


def register(command: Command) -> None:
    """Add show, list, schema and stats."""
    show = command("show", "Render an incident as Markdown or JSON.",
                   "incidentlog show INC-20251023-0001 --format markdown --template b", cmd_show)
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

    lst = command("list", "List incidents (newest first) with severity, status and duration, "
                  "from the incident index.",
                  "incidentlog list --severity P1 --status resolved --since 2025-01-01T00:00Z",
                  cmd_list)
    lst.add_argument("--json", action="store_true", help="rows as JSON")
    lst.add_argument("--severity", help="a severity as recorded (P1, SEV-2, Critical...)")
    lst.add_argument("--status")
    lst.add_argument("--service")
    lst.add_argument("--since", metavar="TIME", help="started at or after TIME (ISO 8601)")
    lst.add_argument("--until", metavar="TIME", help="started before TIME (ISO 8601)")
    lst.add_argument("--limit", type=int)

    command("schema", "Print the JSON Schema of 'show --format json'.",
            "incidentlog schema > incident.schema.json", cmd_schema)

    st = command("stats", "MTTD, MTTA, time to mitigate and MTTR (median, p90).",
                 "incidentlog stats --by month --json", cmd_stats)
    st.add_argument("--by", choices=("severity", "service", "month"), default=None)
    st.add_argument("--json", action="store_true")
    st.add_argument("--chart", choices=("mermaid",), help="a Mermaid bar chart of median MTTR")
