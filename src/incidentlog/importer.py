"""Importing legacy reports into a log: idempotent, and a changed file appends only changes.

Importing a file whose incident is not stored appends its events. Importing it again finds
the incident unchanged and skips it, appending nothing. Importing an edited file appends only what
changed, as events: corrections of fields, new entries, and retractions of what the file no
longer says, so the history shows how the document changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

import attrs

from incidentlog import events as ev
from incidentlog.checks import Finding
from incidentlog.errors import IncidentLogError, InputError
from incidentlog.incident import LIFECYCLE, Incident, fold
from incidentlog.parse import DEFAULT_LIMITS, ImportResult, Limits, import_markdown
from incidentlog.parse.compare import canonical, differences
from incidentlog.store import IncidentLog

Status = Literal["imported", "skipped", "updated", "failed"]
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")


@attrs.frozen
class Outcome:
    """What importing one file did."""

    path: str
    status: Status
    incident_id: str | None = None
    appended: int = 0
    findings: tuple[Finding, ...] = ()
    error: str | None = None


@attrs.define
class Summary:
    """What importing many files did, file by file and in all."""

    outcomes: list[Outcome] = attrs.Factory(list)

    def count(self, status: Status) -> int:
        """How many files ended with ``status``."""
        return sum(o.status == status for o in self.outcomes)

    def findings_by_code(self) -> Counter[str]:
        """Findings of all imported files, counted by code."""
        return Counter(f.code for o in self.outcomes for f in o.findings)


def markdown_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each Markdown file named, or found below a named folder (sorted, recursively)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in MARKDOWN_SUFFIXES)
        else:
            yield path


def import_paths(log: IncidentLog, paths: Iterable[str | Path], *, actor: str = "import",
                 limits: Limits = DEFAULT_LIMITS, batch: int = 100,
                 progress: Callable[[int, Path], None] | None = None) -> Summary:
    """Import every Markdown file in ``paths``; a file that fails stores nothing.

    Files are read one at a time (memory stays bounded whatever their number); new incidents
    are committed ``batch`` at a time, each batch in one transaction, so an interrupted
    import leaves whole incidents only and a re-run skips what it finds stored.
    """
    summary = Summary()
    pending: list[tuple[str, ImportResult]] = []

    def flush() -> None:
        if not pending:
            return
        try:
            log.append_many([(r.incident.id, r.events) for _, r in pending], validate=False)
        except IncidentLogError:  # one of them appeared meanwhile: take them one by one
            for name, _ in pending:
                summary.outcomes.append(import_file(log, name, actor=actor, limits=limits))
        else:
            summary.outcomes += [Outcome(name, "imported", r.incident.id, len(r.events),
                                         tuple(r.findings)) for name, r in pending]
        pending.clear()

    for n, path in enumerate(markdown_files(paths), 1):
        if progress:
            progress(n, path)
        name = str(path)
        result = _read(path, actor, limits)
        if isinstance(result, Outcome):
            summary.outcomes.append(result)
            continue
        ident = result.incident.id
        # No read per file: a batch that meets a stored incident fails whole and is then
        # taken file by file (which skips or updates that one).
        if batch > 1 and all(r.incident.id != ident for _, r in pending):
            pending.append((name, result))
            if len(pending) >= batch:
                flush()
            continue
        flush()
        summary.outcomes.append(import_file(log, path, actor=actor, limits=limits))
    flush()
    return summary


def _read(path: str | Path, actor: str, limits: Limits) -> ImportResult | Outcome:
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return Outcome(name, "failed", error=f"{name}: cannot read: {exc.strerror or exc}")
    try:
        return import_markdown(data, source=name, actor=actor, limits=limits)
    except InputError as exc:
        return Outcome(name, "failed", error=str(exc))


def import_file(log: IncidentLog, path: str | Path, *, actor: str = "import",
                limits: Limits = DEFAULT_LIMITS) -> Outcome:
    """Import one file: append it, skip it unchanged, or append what changed."""
    name = str(path)
    result = _read(path, actor, limits)
    if isinstance(result, Outcome):
        return result
    incident_id = result.incident.id
    findings = tuple(result.findings)
    try:
        if not log.exists(incident_id):
            log.append(incident_id, *result.events, validate=False)
            return Outcome(name, "imported", incident_id, len(result.events), findings)
        stored = log.get(incident_id)
        if not differences(stored, result.incident):
            return Outcome(name, "skipped", incident_id, 0, findings)
        changes = changes_between(stored, result, actor=actor)
        log.append(incident_id, *changes, validate=False)
        return Outcome(name, "updated", incident_id, len(changes), findings)
    except IncidentLogError as exc:
        return Outcome(name, "failed", incident_id, error=f"{name}: {exc}")


# --------------------------------------------------------------------------- changes


def changes_between(stored: Incident, new: ImportResult, *, actor: str) -> list[ev.Event]:
    """Events that take ``stored`` to what the new version of its document says."""
    events = new.events
    target = new.incident
    out: list[ev.Event] = []

    def source_of(version: int) -> ev.Source | None:
        return events[version - 1].source if 0 < version <= len(events) else None

    def correct(field: str, value: str | None, source: ev.Source | None = None,
                target_version: int | None = None) -> None:
        out.append(ev.Corrected(occurred_at=None, actor=actor, field=field, value=value,
                                reason="the source document changed", source=source,
                                target_version=target_version))

    for field in ("title", "summary", "commander", "resolution"):
        if _text(getattr(stored, field)) != _text(getattr(target, field)):
            correct(field, getattr(target, field), events[0].source)
    if (stored.root_cause and target.root_cause and
            canonical_root(stored) != canonical_root(target)) or \
            (stored.root_cause is None) != (target.root_cause is None):
        out += [e for e in events if isinstance(e, ev.RootCauseIdentified)]
    if canonical(stored)["impact"] != canonical(target)["impact"]:
        out += [e for e in events if isinstance(e, ev.ImpactAssessed)]
    if stored.mitigation != target.mitigation and target.mitigation is not None:
        for attr in ("action", "commands", "commands_language", "why_it_worked"):
            before = getattr(stored.mitigation, attr) if stored.mitigation else ""
            if before != getattr(target.mitigation, attr):
                correct(f"mitigation.{attr}", getattr(target.mitigation, attr))

    out += _collection(stored.timeline, target.timeline, _entry_key, events, correct,
                       skip=lambda v: isinstance(events[v - 1], ev.IncidentDeclared))
    for name, key in (("lessons", _lesson_key), ("sections", _section_key),
                      ("stated", _stated_key), ("sign_offs", _sign_key)):
        out += _collection(getattr(stored, name), getattr(target, name), key, events, correct)
    out += _action_items(stored, target, events, correct, actor)

    after = fold(out, stored)
    assert after is not None
    for field in LIFECYCLE:
        if getattr(after, field) != getattr(target, field):
            value = getattr(target, field)
            correct(field, value.isoformat() if value else None)
    if after.severity != target.severity:
        correct("severity", target.severity)
    after = fold(out, stored)
    assert after is not None
    if after.status != target.status:
        correct("status", target.status)
    declared = next((t for t in stored.timeline if t.kind == "declared"), None)
    wanted = next((t for t in target.timeline if t.kind == "declared"), None)
    if declared and wanted and (declared.text, declared.by) != (wanted.text, wanted.by):
        correct("timeline.text", wanted.text, source_of(wanted.version), declared.version)
        correct("timeline.by", wanted.by, source_of(wanted.version), declared.version)
    return out


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def canonical_root(incident: Incident) -> object:
    """The root cause as a report shows it."""
    return canonical(incident)["root_cause"]


Correct = Callable[..., None]


def _collection(stored: Iterable[Any], target: Iterable[Any], key: Callable[[Any], object],
                events: list[ev.Event], correct: Correct,
                skip: Callable[[int], bool] = lambda v: False) -> list[ev.Event]:
    """Retract what is gone, re-append from the new document what is new."""
    wanted = {key(x): x for x in target}
    have = {key(x): x for x in stored}
    out: list[ev.Event] = []
    for k, item in have.items():
        if k not in wanted and item.version and not skip(item.version):
            correct("retract", None, None, item.version)
    for k, item in wanted.items():
        if k not in have and 0 < item.version <= len(events) and not skip(item.version):
            out.append(events[item.version - 1])
    return out


def _action_items(stored: Incident, target: Incident, events: list[ev.Event],
                  correct: Correct, actor: str) -> list[ev.Event]:
    out: list[ev.Event] = []
    have = {a.id: a for a in stored.action_items}
    for item in target.action_items:
        old = have.pop(item.id, None)
        if old is None:
            out.append(events[item.version - 1])
            continue
        changed = {f: getattr(item, f) for f in ("status", "owner", "due", "title", "priority")
                   if getattr(item, f) != getattr(old, f) and getattr(item, f) is not None}
        if changed:
            out.append(ev.ActionItemUpdated(occurred_at=None, actor=actor, item_id=item.id,
                                            source=events[item.version - 1].source, **changed))
    for old in have.values():
        correct("retract", None, None, old.version)
    return out


def _entry_key(e: Any) -> object:
    return (e.at, _text(e.text), _text(e.by), e.kind, e.marks)


def _lesson_key(x: Any) -> object:
    return (x.kind, _text(x.title), _text(x.text))


def _section_key(s: Any) -> object:
    return (_text(s.heading), s.level, s.markdown.strip())


def _stated_key(s: Any) -> object:
    return (s.figure, round(s.value, 3), _text(s.text), _text(s.label))


def _sign_key(s: Any) -> object:
    return (_text(s.role), _text(s.name), s.approved, s.at.date() if s.at else None)
