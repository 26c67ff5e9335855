"""Follow-ups across incidents: open, overdue, by owner, ticket or service, from the index."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TextIO

from incidentlog import readmodel
from incidentlog.cli.common import EXIT_OK, Command, UsageError, open_log, print_json
from incidentlog.times import utc_now


def cmd_actions(args: argparse.Namespace, out: TextIO) -> int:
    try:
        today = date.fromisoformat(args.today) if args.today else utc_now().date()
    except ValueError:
        raise UsageError(f"--today: {args.today!r} is not a YYYY-MM-DD date") from None
    with open_log(args, read_only=True) as log:
        rows = readmodel.actions(log, open=args.open, overdue=args.overdue, owner=args.owner,
                           ticket=args.ticket, service=args.service, incident=args.incident,
                           today=today)
    if args.json:
        print_json([{"incident": a.incident_id, "id": a.item_id, "title": a.title,
                     "owner": a.owner, "due": a.due.isoformat() if a.due else None,
                     "status": a.status, "overdue": a.overdue(today), "ticket": a.ticket,
                     "priority": a.priority, "horizon": a.horizon,
                     "incident_title": a.incident_title, "incident_status": a.incident_status,
                     "services": list(a.services)} for a in rows], out)
        return EXIT_OK
    table = [("INCIDENT", "ITEM", "STATUS", "DUE", "OWNER", "TICKET", "TITLE")]
    for a in rows:
        due = (a.due.isoformat() + ("!" if a.overdue(today) else "")) if a.due else "-"
        table.append((a.incident_id, a.item_id, a.status, due, a.owner or "-", a.ticket or "-",
                      a.title))
    widths = [max(len(row[c]) for row in table) for c in range(6)]
    for row in table:
        cells = [v.ljust(w) for v, w in zip(row[:6], widths, strict=True)]
        out.write("  ".join([*cells, row[6]]).rstrip() + "\n")
    overdue = sum(a.overdue(today) for a in rows)
    out.write(f"{len(rows)} action item(s), {overdue} overdue (marked !) on {today}\n")
    return EXIT_OK


def register(command: Command) -> None:
    """Add actions."""
    act = command("actions", "Follow-ups across incidents, soonest due first, from the index.",
                  "incidentlog actions --overdue --owner @ana --json", cmd_actions)
    act.add_argument("--open", action="store_true", help="only those not done")
    act.add_argument("--overdue", action="store_true", help="only those not done, past due")
    act.add_argument("--owner")
    act.add_argument("--ticket", help="a tracker reference (OPS-42)")
    act.add_argument("--service", help="of incidents that affected this service")
    act.add_argument("--incident", metavar="ID", help="of one incident")
    act.add_argument("--today", metavar="YYYY-MM-DD", help="the day overdue is counted on")
    act.add_argument("--json", action="store_true")
