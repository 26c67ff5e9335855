"""An incident's past and the whole log's feed: history, diff, blame, export, load."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

import attrs

from incidentlog import audit, times
from incidentlog.changes import Change, diff
from incidentlog.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Command,
    UsageError,
    open_log,
    print_json,
    state_at,
)
from incidentlog.restore import export, load


def cmd_history(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args, read_only=True) as log:
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
    with open_log(args, read_only=True) as log:
        changes = diff(state_at(log, args.id, args.a), state_at(log, args.id, args.b))
    if args.json:
        print_json([attrs.asdict(c) for c in changes], out)
        return EXIT_OK
    for c in changes:
        for line in diff_lines(c):
            out.write(line + "\n")
    out.write(f"{len(changes)} change(s)\n")
    return EXIT_OK


def _value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def diff_lines(c: Change) -> list[str]:
    """A change as lines of text, values as JSON; a changed item shows only the fields
    that changed (``~ $.action_items[AI-1].status: "open" -> "done"``)."""
    if c.kind == "added":
        return [f"+ {c.path}: {_value(c.after)}"]
    if c.kind == "removed":
        return [f"- {c.path}: {_value(c.before)}"]
    if isinstance(c.before, dict) and isinstance(c.after, dict):
        return [f"~ {c.path}.{key}: {_value(c.before.get(key))} -> {_value(c.after.get(key))}"
                for key in (*c.before, *(k for k in c.after if k not in c.before))
                if c.before.get(key) != c.after.get(key)]
    return [f"~ {c.path}: {_value(c.before)} -> {_value(c.after)}"]


def cmd_blame(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args, read_only=True) as log:
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
    with open_log(args, read_only=True) as log:
        if args.format == "cloudevents":
            for item in audit.feed(log, after=args.after):
                out.write(json.dumps(audit.cloudevent(item), ensure_ascii=False,
                                     default=times.json_default) + "\n")
        else:
            for line in export(log, after=args.after):
                out.write(line + "\n")
    return EXIT_OK


def cmd_load(args: argparse.Namespace, out: TextIO) -> int:
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise UsageError(f"{args.file}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{args.file}: not UTF-8 text: {exc.reason}") from None
    with open_log(args) as log:
        done = load(log, text.splitlines(), source=args.file, relink=args.relink)
        ok = audit.verify(log).ok
    relinked = f", {done.relinked} relinked" if done.relinked else ""
    out.write(f"loaded {done.events} event(s) of {done.incidents} incident(s){relinked}; "
              f"verify: {'intact' if ok else 'FAILED'}\n")
    return EXIT_OK if ok else EXIT_FINDINGS


def register(command: Command) -> None:
    """Add history, diff, blame, export and load."""
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

    ld = command("load", "Restore 'export' output into an empty database, keeping ids, times, "
                 "actors and hash chains.", "incidentlog --db sqlite:///restored.db load "
                 "backup.jsonl", cmd_load)
    ld.add_argument("file", metavar="FILE.jsonl", help="export output, or - for standard input")
    ld.add_argument("--relink", action="store_true",
                    help="accept events whose exported chain link does not follow (stored in "
                    "an older schema version) and give them new links")
