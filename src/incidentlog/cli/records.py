"""Reading stored incidents: show, list, stats, schema."""

from __future__ import annotations

import argparse
from typing import TextIO

import attrs

from incidentlog import audit, readmodel, times
from incidentlog.cli.common import (
    EXIT_OK,
    Command,
    hhmm,
    name_value,
    open_log,
    parse_time,
    print_json,
)
from incidentlog.incident import INCIDENT_STATUSES
from incidentlog.render import json_schema, render_markdown, to_json
from incidentlog.render.mermaid import mttr_chart


def cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args, read_only=True) as log:
        # The state, and the stored events it was folded from (its Document History).
        if args.version is not None:
            incident = log.get(args.id, version=args.version)
            records = log.records(args.id, lte=args.version)
        elif args.as_of:
            when = parse_time(args.as_of)
            incident = log.get(args.id, as_of=when)
            records = audit.as_of_records(log, args.id, when)
        elif args.occurred_by:
            when = parse_time(args.occurred_by)
            incident = log.get(args.id, occurred_by=when)
            records = audit.occurred_by_records(log, args.id, when)
        else:
            incident = log.get(args.id)
            records = log.records(args.id)
        if args.format == "json":
            out.write(to_json(incident).decode() + "\n")
        else:
            history = [r.event for r in records]
            out.write(render_markdown(incident, args.template, history, chart=args.chart))
    return EXIT_OK


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args, read_only=True) as log:
        found = readmodel.find(
            log, severity=args.severity, status=args.status, service=args.service,
            since=parse_time(args.since) if args.since else None,
            until=parse_time(args.until) if args.until else None, limit=args.limit,
            team=args.team, tag=args.tag,
            field=name_value(args.field, "--field") if args.field else None)
    if args.json:
        print_json([{"id": r.id, "severity": r.severity, "status": r.status,
                     "duration_minutes": None if r.duration_minutes is None
                     else round(r.duration_minutes, 3), "title": r.title,
                     "services": list(r.services), "teams": list(r.teams),
                     "tags": list(r.tags), "fields": dict(r.fields),
                     "started_at": times.iso_or_none(r.started_at)}
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
    with open_log(args, read_only=True) as log:
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
        return (f"{hhmm(metric.median_minutes)}/{hhmm(metric.p90_minutes or 0)}"
                f" ({metric.count}/{metric.count + len(metric.missing)})")

    # Columns as wide as their longest cell (a tag or a duration in days may be long).
    table = [("GROUP", "N", "MTTD", "MTTA", "MITIGATE", "MTTR")] + [
        (g.group, str(g.incidents), cell(g.mttd), cell(g.mtta), cell(g.time_to_mitigate),
         cell(g.mttr)) for g in groups]
    widths = [max(len(row[c]) for row in table) for c in range(5)]
    for row in table:
        cells = [row[0].ljust(widths[0]), row[1].rjust(max(widths[1], 4)),
                 *(v.ljust(w) for v, w in zip(row[2:5], widths[2:5], strict=True))]
        out.write("  ".join([*cells, row[5]]).rstrip() + "\n")
    out.write("median/p90 as HH:MM, or days and HH:MM (incidents with the times / all); "
              "--json names the incidents without them\n")
    return EXIT_OK


def _grouping(text: str) -> str:
    if text in ("severity", "service", "team", "tag", "month") or (
            text.startswith("field:") and len(text) > 6):
        return text
    raise argparse.ArgumentTypeError(
        f"cannot group by {text!r}; use severity, service, team, tag, field:NAME or month")


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
    lst.add_argument("--status", choices=INCIDENT_STATUSES)
    lst.add_argument("--service")
    lst.add_argument("--since", metavar="TIME", help="started at or after TIME (ISO 8601)")
    lst.add_argument("--until", metavar="TIME", help="started before TIME (ISO 8601)")
    lst.add_argument("--limit", type=int)
    lst.add_argument("--team", help="incidents this team works on")
    lst.add_argument("--tag", help="incidents with this tag")
    lst.add_argument("--field", metavar="NAME=VALUE", help="incidents with this custom field")

    command("schema", "Print the JSON Schema of 'show --format json'.",
            "incidentlog schema > incident.schema.json", cmd_schema)

    st = command("stats", "MTTD, MTTA, time to mitigate and MTTR (median, p90).",
                 "incidentlog stats --by month --json", cmd_stats)
    st.add_argument("--by", type=_grouping, default=None,
                    metavar="severity|service|team|tag|field:NAME|month")
    st.add_argument("--json", action="store_true")
    st.add_argument("--chart", nargs="?", const="mermaid", choices=("mermaid",),
                    help="a Mermaid bar chart of median MTTR (a flag, like show --chart)")
