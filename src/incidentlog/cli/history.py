"""An incident's past and the whole log's feed: history, diff, blame, export."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

import attrs

from incidentlog import audit
from incidentlog.cli.common import EXIT_OK, Command, open_log, print_json, state_at


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        lines = audit.history(log, args.id)
    if args.json:
        print_json([attrs.asdict(line) for line in lines], out)
        return EXIT_OK
    for line in lines:
        when = line.occurred_at.strftime("%Y-%m-%d %H:%M") if line.occurred_at else "--"
        recorded = line.recorded_at.strftime("%Y-%m-%d %H:%M:%S") if line.recorded_at else "--"
        out.write(f"{line.version:>4}  {when:<16}  recorded {recorded}  {line.actor}  "
                  f"{line.summary}\n")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        changes = audit.diff(state_at(log, args.id, args.a), state_at(log, args.id, args.b))
    if args.json:
        print_json([attrs.asdict(c) for c in changes], out)
        return EXIT_OK
    for c in changes:
        sign = {"added": "+", "removed": "-", "changed": "~"}[c.kind]
        detail = c.after if c.kind == "added" else c.before if c.kind == "removed" else \
            f"{c.before!r} -> {c.after!r}"
        out.write(f"{sign} {c.path}: {detail}\n")
    out.write(f"{len(changes)} change(s)\n")
    return EXIT_OK


def cmd_blame(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        rows = audit.blame(log, args.id)
    if args.json:
        print_json([attrs.asdict(b) for b in rows], out)
        return EXIT_OK
    for b in rows:
        when = b.recorded_at.strftime("%Y-%m-%d %H:%M:%S") if b.recorded_at else "--"
        note = f"  corrected: {b.correction}" if b.correction else ""
        out.write(f"{b.field:<40} v{b.version:<4} {b.type:<20} {b.actor:<18} {when}{note}\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        for item in audit.feed(log, after=args.after):
            if args.format == "cloudevents":
                data = audit.cloudevent(item)
            else:
                data = {"position": item.position, "incident": item.incident_id,
                        "version": item.version, "event": item.event.as_dict()}
            out.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    return EXIT_OK


def register(command: Command) -> None:
    """Add history, diff, blame and export."""
    hist = command("history", "Every event of an incident with a one-line summary.",
                   "incidentlog history INC-20251023-0001 --json", cmd_history)
    hist.add_argument("id")
    hist.add_argument("--json", action="store_true")

    dif = command("diff", "What changed between two versions or recorded times.",
                  "incidentlog diff INC-20251023-0001 3 2025-10-23T15:00:00Z", cmd_diff)
    dif.add_argument("id")
    dif.add_argument("a", help="a version number or an ISO 8601 recorded time")
    dif.add_argument("b", help="a version number or an ISO 8601 recorded time")
    dif.add_argument("--json", action="store_true")

    bl = command("blame", "For each field, the event, actor and time that last set it.",
                 "incidentlog blame INC-20251023-0001", cmd_blame)
    bl.add_argument("id")
    bl.add_argument("--json", action="store_true")

    exp = command("export", "Every event of every incident in recorded order, one per line.",
                  "incidentlog export --format cloudevents --after 1200", cmd_export)
    exp.add_argument("--format", choices=("jsonl", "cloudevents"), default="jsonl")
    exp.add_argument("--after", type=int, default=0, help="resume after this position")
