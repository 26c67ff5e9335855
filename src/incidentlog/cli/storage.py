"""The store as a whole: verify its hash chains, copy it to another database."""

from __future__ import annotations

import argparse
from typing import TextIO

import attrs

from incidentlog import audit
from incidentlog.cli.common import EXIT_FINDINGS, EXIT_OK, Command, open_log, print_json
from incidentlog.store import IncidentLog
from incidentlog.urls import redact


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as log:
        result = audit.verify(log, args.id)
    if args.json:
        print_json({"ok": result.ok, "checked_events": result.checked_events,
                    "problems": [attrs.asdict(p) for p in result.problems],
                    "heads": result.heads}, out)
    else:
        for p in result.problems:
            out.write(f"{p.incident_id}: version {p.version}: {p.message}\n")
        verdict = "intact" if result.ok else f"{len(result.problems)} altered stream(s)"
        out.write(f"{len(result.heads)} incident(s), {result.checked_events} event(s): "
                  f"{verdict}\n")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def cmd_copy(args: argparse.Namespace, out: TextIO) -> int:
    with open_log(args) as source, IncidentLog(args.to) as target:
        copied = target.copy_from(source)
        ok = target.verify().ok
    out.write(f"copied {copied} event(s) to {redact(args.to)}; verify: "
              f"{'intact' if ok else 'FAILED'}\n")
    return EXIT_OK if ok else EXIT_FINDINGS


def register(command: Command) -> None:
    """Add verify and copy."""
    ver = command("verify", "Recompute the hash chains; exit 1 if a stream was tampered with.",
                  "incidentlog verify --json", cmd_verify)
    ver.add_argument("id", nargs="?", default=None)
    ver.add_argument("--json", action="store_true")

    cp = command("copy", "Copy every incident into another (empty) database, e.g. SQLite to "
                 "PostgreSQL, keeping times, actors and hash chains.",
                 "incidentlog --db sqlite:///incidents.db copy --to "
                 "postgresql://user:pw@db:5432/incidents", cmd_copy)
    cp.add_argument("--to", required=True, metavar="URL")
