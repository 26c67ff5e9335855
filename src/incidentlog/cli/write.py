"""Running an incident from the terminal: one command per event of the vocabulary.

Every command appends through :meth:`IncidentLog.update`, which re-reads and retries when
another writer got there first, so the rules are checked against what is really stored.
A refusal is the rule's own one-line message; nothing is stored then.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TextIO

from incidentlog import events as ev
from incidentlog.audit import describe
from incidentlog.changes import as_document
from incidentlog.cli.common import (
    EXIT_OK,
    Command,
    UsageError,
    name_value,
    open_log,
    parse_time,
    print_json,
)
from incidentlog.corrections import CORRECTABLE_FIELDS
from incidentlog.incident import Incident
from incidentlog.times import utc_now

ACTOR_ENV = "INCIDENTLOG_ACTOR"

Build = Callable[[argparse.Namespace, datetime, str, Incident], Sequence[ev.Event]]
"""Builds a command's events from its arguments, time, actor and the incident's state."""


def actor_of(args: argparse.Namespace) -> str:
    """``--actor``, else ``$INCIDENTLOG_ACTOR``, else the login name."""
    actor = args.actor or os.environ.get(ACTOR_ENV) or os.environ.get("USER") \
        or os.environ.get("LOGNAME")
    if not actor or not actor.strip():
        raise UsageError(f"who is writing? give --actor NAME or set ${ACTOR_ENV}")
    return actor


def time_of(args: argparse.Namespace, name: str = "at") -> datetime:
    """``--at`` (or another time option) as an aware time; now when not given."""
    text = getattr(args, name, None)
    return parse_time(text) if text else utc_now()


def _optional_time(text: str | None) -> datetime | None:
    return parse_time(text) if text else None


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option}: {text!r} is not a YYYY-MM-DD date") from None


def _report(args: argparse.Namespace, out: TextIO, state: Incident, lines: list[str]) -> int:
    if args.json:
        print_json(as_document(state), out)
    else:
        for line in lines:
            out.write(f"{state.id} v{line}\n")
    return EXIT_OK


def _run_update(build: Build) -> Callable[[argparse.Namespace, TextIO], int]:
    """A command that appends what ``build`` returns, retrying under concurrent writers."""

    def run(args: argparse.Namespace, out: TextIO) -> int:
        actor, at = actor_of(args), time_of(args)
        lines: list[str] = []

        def decision(state: Incident) -> Sequence[ev.Event]:
            events = build(args, at, actor, state)
            lines.clear()
            version, before = state.version, state
            for event in events:
                version += 1
                lines.append(f"{version}: {describe(event, before)}")
            return events

        with open_log(args) as log:
            state = log.update(args.id, decision)
        return _report(args, out, state, lines)

    return run


def cmd_declare(args: argparse.Namespace, out: TextIO) -> int:
    actor, at = actor_of(args), time_of(args)
    events: list[ev.Event] = [ev.IncidentDeclared(
        incident_id=args.id, title=args.title, severity=args.severity, occurred_at=at,
        actor=actor, commander=args.commander, detected_at=_optional_time(args.detected_at),
        services=tuple(args.service), summary=args.summary, by=args.by)]
    if args.team:
        events.append(ev.TeamsChanged(occurred_at=at, actor=actor, added=tuple(args.team)))
    if args.tag:
        events.append(ev.TagsChanged(occurred_at=at, actor=actor, added=tuple(args.tag)))
    for spec in args.field:
        name, value = name_value(spec, "--field")
        events.append(ev.FieldSet(occurred_at=at, actor=actor, name=name, value=value))
    for spec in args.role:
        role, person = name_value(spec, "--role")
        events.append(ev.RoleAssigned(occurred_at=at, actor=actor, role=role, person=person))
    with open_log(args) as log:
        state = log.append(args.id, *events)
    return _report(args, out, state,
                   [f"{n}: {describe(event, None)}" for n, event in enumerate(events, 1)])


def _note(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    occurred = None if a.unknown_time else at
    return [ev.TimelineEntryAdded(occurred_at=occurred, actor=actor, text=a.text, by=a.by,
                                  marks=a.marks)]


def _severity(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.SeverityChanged(occurred_at=at, actor=actor, severity=a.severity,
                               reason=a.reason, note=a.note, by=a.by)]


def _status(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.StatusChanged(occurred_at=at, actor=actor, status=a.status, note=a.note, by=a.by)]


def _impact(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    services = []
    for spec in a.service:
        name, _, effect = spec.partition("=")
        services.append(ev.ServiceImpact(name.strip(), effect.strip()))
    return [ev.ImpactAssessed(
        occurred_at=at, actor=actor, users_affected=a.users_affected, services=tuple(services),
        revenue=a.revenue, failed_requests=a.failed_requests, total_requests=a.total_requests,
        slo_target=a.slo_target, slo_actual=a.slo_actual, downtime_minutes=a.downtime_minutes)]


def _mitigate(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.Mitigated(occurred_at=at, actor=actor, action=a.action, commands=a.commands,
                         why_it_worked=a.why_it_worked,
                         note=a.note if a.note is not None else "Incident mitigated", by=a.by)]


def _root_cause(a: argparse.Namespace, at: datetime, actor: str, s: Incident
                ) -> list[ev.Event]:
    whys = []
    for spec in a.why:
        question, sep, answer = spec.partition("=")
        if not sep:
            raise UsageError(f"--why {spec!r}: write it as QUESTION=ANSWER")
        whys.append(ev.Why(question.strip(), answer.strip()))
    return [ev.RootCauseIdentified(occurred_at=at, actor=actor, summary=a.summary,
                                   whys=tuple(whys), contributing_factors=tuple(a.factor))]


def _resolve(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.Resolved(occurred_at=at, actor=actor, summary=a.summary,
                        note=a.note if a.note is not None else "Incident resolved", by=a.by)]


def _action_add(a: argparse.Namespace, at: datetime, actor: str, s: Incident
                ) -> list[ev.Event]:
    return [ev.ActionItemAdded(occurred_at=at, actor=actor, item_id=a.item, title=a.title,
                               owner=a.owner, due=_date(a.due, "--due"), priority=a.priority,
                               status=a.status, horizon=a.horizon, ticket=a.ticket)]


def _action_update(a: argparse.Namespace, at: datetime, actor: str, s: Incident
                   ) -> list[ev.Event]:
    changes = {f: getattr(a, f) for f in ev.ACTION_ITEM_UPDATES}
    if all(c is None for c in changes.values()) and not a.note:
        raise UsageError(f"nothing to update: give "
                         f"{', '.join('--' + f for f in ev.ACTION_ITEM_UPDATES)} or --note")
    changes["due"] = _date(a.due, "--due")
    return [ev.ActionItemUpdated(occurred_at=at, actor=actor, item_id=a.item, note=a.note or "",
                                 **changes)]


def _lesson(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.LessonRecorded(occurred_at=at, actor=actor, kind=a.kind, title=a.title,
                              text=a.text)]


def _sign_off(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.SignedOff(occurred_at=at, actor=actor, role=a.role, name=a.name,
                         approved=not a.decline, note=a.note)]


def _correct(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    if a.field != "retract" and a.value is None and not a.clear:
        raise UsageError(f"correct {a.field}: give the right VALUE, or --clear")
    return [ev.Corrected(occurred_at=at, actor=actor, field=a.field,
                         value=None if a.clear else a.value, reason=a.reason,
                         target_version=a.target_version)]


def _close(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.Closed(occurred_at=at, actor=actor,
                      note=a.note if a.note is not None else "Incident closed", by=a.by)]


def _reopen(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.Reopened(occurred_at=at, actor=actor, reason=a.reason, note=a.note, by=a.by)]


def _section(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.SectionNoted(occurred_at=at, actor=actor, heading=a.heading,
                            markdown=a.markdown, level=a.level)]


def _figure(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    return [ev.FigureStated(occurred_at=at, actor=actor, figure=a.figure, value=a.value,
                            text=a.text or f"{a.value:g}", label=a.label)]


def _labels(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    if not a.add and not a.remove:
        raise UsageError("give --add or --remove")
    kind = ev.TeamsChanged if a.command == "team" else ev.TagsChanged
    return [kind(occurred_at=at, actor=actor, added=tuple(a.add), removed=tuple(a.remove))]


def _field(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    if (a.value is None) == (not a.clear):
        raise UsageError(f"field {a.name}: give a VALUE or --clear")
    return [ev.FieldSet(occurred_at=at, actor=actor, name=a.name, value=a.value)]


def _role(a: argparse.Namespace, at: datetime, actor: str, s: Incident) -> list[ev.Event]:
    if (a.person is None) == (not a.clear):
        raise UsageError(f"role {a.role}: name a PERSON or --clear")
    return [ev.RoleAssigned(occurred_at=at, actor=actor, role=a.role, person=a.person)]


def _common(p: argparse.ArgumentParser, *, by: bool = True) -> None:
    p.add_argument("id", metavar="ID", help="the incident")
    _writer_options(p, by=by)


def _writer_options(p: argparse.ArgumentParser, *, by: bool = True) -> None:
    p.add_argument("--at", metavar="TIME",
                   help="when it happened (ISO 8601 with offset; default: now)")
    p.add_argument("--actor", help=f"who records it (default: ${ACTOR_ENV}, else $USER)")
    if by:
        p.add_argument("--by", help="who did it, when not the one recording")
    p.add_argument("--json", action="store_true", help="print the incident's new state as JSON")


def register(command: Command) -> None:
    """Add declare and a command for every other event of the vocabulary."""
    dec = command("declare", "Declare a new incident.",
                  'incidentlog declare INC-20251023-0001 --title "Checkout errors" '
                  "--severity P1 --service checkout", cmd_declare)
    dec.add_argument("id", metavar="ID", help="the new incident's id (letters, digits, ._:#-)")
    dec.add_argument("--title", required=True)
    dec.add_argument("--severity", required=True,
                     help="as your scale writes it: P1, SEV-2, Critical...")
    dec.add_argument("--commander", help="the incident commander")
    dec.add_argument("--detected-at", metavar="TIME", help="when it was first detected")
    dec.add_argument("--service", action="append", default=[], metavar="NAME",
                     help="an affected service (repeat for more)")
    dec.add_argument("--summary", default="")
    dec.add_argument("--team", action="append", default=[], help="a responding team (repeat)")
    dec.add_argument("--tag", action="append", default=[], help="a tag (repeat)")
    dec.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                     help="a custom field (repeat)")
    dec.add_argument("--role", action="append", default=[], metavar="ROLE=PERSON",
                     help="who holds a role: scribe=@ana, communications=@bo (repeat)")
    _writer_options(dec)

    def add(name: str, summary: str, example: str, build: Build, *, by: bool = True
            ) -> argparse.ArgumentParser:
        p = command(name, summary, example, _run_update(build))
        _common(p, by=by)
        return p

    note = add("note", "Add a timeline entry.",
               'incidentlog note INC-20251023-0001 "Rolled back v1.2.3" '
               "--at 2025-10-23T14:50:00Z", _note)
    note.add_argument("text", metavar="TEXT")
    note.add_argument("--marks", choices=("began", "detected", "acknowledged"),
                      help="the entry marks when the incident began, was detected or "
                      "acknowledged")
    note.add_argument("--unknown-time", action="store_true",
                      help="when it happened is not known (no time on the entry)")

    sev = add("severity", "Escalate or downgrade the severity.",
              'incidentlog severity INC-20251023-0001 P0 --reason "all regions"', _severity)
    sev.add_argument("severity", metavar="SEVERITY",
                     help="as your scale writes it: P0, SEV-1, Critical...")
    sev.add_argument("--reason", default="")
    sev.add_argument("--note", default="")

    st = add("status", "Announce a phase of the response.",
             "incidentlog status INC-20251023-0001 identified", _status)
    st.add_argument("status", choices=ev.STATUSES)
    st.add_argument("--note", default="")

    imp = add("impact", "Assess the impact (who and what was hurt, how much).",
              'incidentlog impact INC-20251023-0001 --users-affected "12%" '
              '--service "checkout=5xx on pay"', _impact, by=False)
    imp.add_argument("--users-affected")
    imp.add_argument("--service", action="append", default=[], metavar="NAME[=EFFECT]")
    imp.add_argument("--revenue")
    imp.add_argument("--failed-requests", type=int, metavar="N")
    imp.add_argument("--total-requests", type=int, metavar="N")
    imp.add_argument("--slo-target", type=float, metavar="PCT")
    imp.add_argument("--slo-actual", type=float, metavar="PCT")
    imp.add_argument("--downtime-minutes", type=float, metavar="MIN")

    mit = add("mitigate", "Record that user impact stopped.",
              'incidentlog mitigate INC-20251023-0001 --action "Rolled back v1.2.3"', _mitigate)
    mit.add_argument("--action", default="", help="what stopped the harm")
    mit.add_argument("--commands", default="", help="the commands that did it")
    mit.add_argument("--why-it-worked", default="")
    mit.add_argument("--note", help="the timeline's words (default: Incident mitigated)")

    rc = add("root-cause", "Record the root cause.",
             'incidentlog root-cause INC-20251023-0001 "A config push removed the pool limit" '
             '--why "Why 5xx?=pool exhausted"', _root_cause, by=False)
    rc.add_argument("summary", metavar="SUMMARY")
    rc.add_argument("--why", action="append", default=[], metavar="QUESTION=ANSWER")
    rc.add_argument("--factor", action="append", default=[], metavar="TEXT",
                    help="a contributing factor (repeat for more)")

    res = add("resolve", "Record that the incident is over.",
              'incidentlog resolve INC-20251023-0001 --summary "Rolled back v1.2.3"', _resolve)
    res.add_argument("--summary", default="", help="how it was fixed, in one sentence")
    res.add_argument("--note", help="the timeline's words (default: Incident resolved)")

    act = command("action", "Add or update an action item (a follow-up).",
                  'incidentlog action add INC-20251023-0001 AI-1 "Alert on pool size" '
                  "--owner @ana --due 2025-11-15 --ticket OPS-42", _run_action)
    verbs = act.add_subparsers(dest="verb", required=True, metavar="add|update")
    act_add = verbs.add_parser("add", help="add an action item",
                               description="Add an action item.",
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               epilog="example:\n  incidentlog action add INC-20251023-0001 "
                               'AI-1 "Alert on pool size" --owner @ana --due 2025-11-15')
    _common(act_add, by=False)
    act_add.add_argument("item", metavar="ITEM_ID", help="an id unique in the incident")
    act_add.add_argument("title", metavar="TITLE")
    act_add.add_argument("--owner")
    act_add.add_argument("--due", metavar="YYYY-MM-DD")
    act_add.add_argument("--priority")
    act_add.add_argument("--status", choices=ev.ACTION_STATUSES, default="open")
    act_add.add_argument("--horizon")
    act_add.add_argument("--ticket", help="the tracker reference (OPS-42)")
    act_up = verbs.add_parser("update", help="change an action item",
                              description="Change an action item; options not given stay.",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              epilog="example:\n  incidentlog action update INC-20251023-0001 "
                              "AI-1 --status done")
    _common(act_up, by=False)
    act_up.add_argument("item", metavar="ITEM_ID")
    act_up.add_argument("--status", choices=ev.ACTION_STATUSES)
    act_up.add_argument("--owner")
    act_up.add_argument("--due", metavar="YYYY-MM-DD")
    act_up.add_argument("--title")
    act_up.add_argument("--priority")
    act_up.add_argument("--note", default="")

    les = add("lesson", "Record something learned.",
              'incidentlog lesson INC-20251023-0001 went_well "Rollback took two minutes"',
              _lesson, by=False)
    les.add_argument("kind", metavar="KIND",
                     help="went_well, went_wrong, lucky, technical, process, communication...")
    les.add_argument("title", metavar="TITLE")
    les.add_argument("--text", default="")

    so = add("sign-off", "Approve (or decline) the report in a role.",
             'incidentlog sign-off INC-20251023-0001 "Engineering Manager" "Ana Ruiz"',
             _sign_off, by=False)
    so.add_argument("role", metavar="ROLE")
    so.add_argument("name", metavar="NAME")
    so.add_argument("--decline", action="store_true", help="declined rather than approved")
    so.add_argument("--note", default="")

    cor = add("correct", "Correct an earlier fact (the old event stays in the history).",
              'incidentlog correct INC-20251023-0001 detected_at 2025-10-23T14:20:00Z '
              '--reason "alert log"', _correct, by=False)
    cor.add_argument("field", metavar="FIELD", choices=CORRECTABLE_FIELDS,
                     help=f"one of: {', '.join(CORRECTABLE_FIELDS)}")
    cor.add_argument("value", metavar="VALUE", nargs="?", default=None,
                     help="the right value: text; ISO 8601 for times; a JSON array of names "
                     "for services (checked before anything is written)")
    cor.add_argument("--reason", required=True)
    cor.add_argument("--target-version", type=int, metavar="N",
                     help="the event a timeline.* correction or a retraction is about")
    cor.add_argument("--clear", action="store_true",
                     help="the field has no value (root_cause, mitigation, services: none)")

    cl = add("close", "Close the record (only reopen may follow).",
             "incidentlog close INC-20251023-0001", _close)
    cl.add_argument("--note", help="the timeline's words (default: Incident closed)")

    reo = add("reopen", "Reopen a closed record.",
              'incidentlog reopen INC-20251023-0001 --reason "it came back"', _reopen)
    reo.add_argument("--reason", required=True)
    reo.add_argument("--note", default="")

    sec = add("section", "Keep free Markdown under a heading.",
              'incidentlog section INC-20251023-0001 "Customer communication" "Status page..."',
              _section, by=False)
    sec.add_argument("heading", metavar="HEADING")
    sec.add_argument("markdown", metavar="MARKDOWN")
    sec.add_argument("--level", type=int, default=2, choices=range(1, 7), metavar="1-6")

    for name, what in (("team", "teams working on the incident"),
                       ("tag", "the incident's tags")):
        lab = add(name, f"Add or remove {what}.",
                  f"incidentlog {name} INC-20251023-0001 --add "
                  f"{'payments' if name == 'team' else 'customer-facing'}", _labels, by=False)
        lab.add_argument("--add", action="append", default=[], metavar=name.upper())
        lab.add_argument("--remove", action="append", default=[], metavar=name.upper())

    fld = add("field", "Set or clear a custom field of your own.",
              "incidentlog field INC-20251023-0001 region eu-west-1", _field, by=False)
    fld.add_argument("name", metavar="NAME", help="lower case letters, digits and _")
    fld.add_argument("value", metavar="VALUE", nargs="?", default=None)
    fld.add_argument("--clear", action="store_true", help="unset the field")

    rol = add("role", "Assign a role (commander, scribe, communications, or your own).",
              "incidentlog role INC-20251023-0001 scribe @ana", _role, by=False)
    rol.add_argument("role", metavar="ROLE")
    rol.add_argument("person", metavar="PERSON", nargs="?", default=None)
    rol.add_argument("--clear", action="store_true", help="nobody holds the role now")

    fig = add("figure", "State a figure the record can also derive (the checker compares).",
              "incidentlog figure INC-20251023-0001 duration_minutes 27", _figure, by=False)
    fig.add_argument("figure", metavar="FIGURE", choices=ev.STATED_FIGURES,
                     help=f"one of: {', '.join(ev.STATED_FIGURES)}")
    fig.add_argument("value", metavar="VALUE", type=float)
    fig.add_argument("--text", default="", help="the value as written")
    fig.add_argument("--label", default="")


_ACTION_BUILDS: dict[str, Build] = {"add": _action_add, "update": _action_update}


def _run_action(args: argparse.Namespace, out: TextIO) -> int:
    return _run_update(_ACTION_BUILDS[args.verb])(args, out)
