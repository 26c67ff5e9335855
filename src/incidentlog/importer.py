"""Importing legacy reports into a log: safe on a real archive, idempotent, provenance-aware.

:func:`import_paths` walks files and folders (:mod:`incidentlog.files`), parses the files in
worker processes (:mod:`incidentlog.parallel`) and stores them here, in order, whole
incidents ``batch`` at a time, so an interrupted import leaves whole incidents only and a
re-run skips what it finds stored.

- **Identity** is what the report says (its id, else its title and date), never its file
  name. Two different reports that come to the same id are never merged: the second is
  refused naming both files.
- **Re-import**: the same file unchanged appends nothing. An edited file appends only the
  corrections for the facts that came from it (:mod:`incidentlog.reimport`); what was
  added through the API or the command line is never withdrawn.
- **Not every file is a report**: templates (placeholder text) and files that are not
  reports are passed over ("ignored") with a one-line reason, and never fail the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Literal

import attrs
import msgspec

from incidentlog import events as ev
from incidentlog.checks import Finding
from incidentlog.errors import IncidentLogError, InputError
from incidentlog.files import MARKDOWN_SUFFIXES, Passed, read_bounded, shown, to_text, walk
from incidentlog.incident import fold
from incidentlog.parallel import frozen_heap, ordered_map, workers_for
from incidentlog.parse import DEFAULT_LIMITS, ImportResult, Limits, import_markdown
from incidentlog.parse.compare import differences
from incidentlog.reimport import plan
from incidentlog.store import IncidentLog, PreparedRows

Status = Literal["imported", "skipped", "updated", "failed", "ignored"]
"""``skipped``: stored already, unchanged. ``ignored``: not a report (or a template,
hidden, excluded); never imported, never a failure."""

__all__ = ["MARKDOWN_SUFFIXES", "Outcome", "Summary", "import_file", "import_paths",
           "markdown_files", "parse_file", "template_reason"]


@attrs.frozen
class Outcome:
    """What importing one file did. ``error`` says why it failed, ``reason`` why it was
    ignored or skipped, each in one line."""

    path: str
    status: Status
    incident_id: str | None = None
    appended: int = 0
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    reason: str | None = None


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

    def ignored_by_reason(self) -> Counter[str]:
        """Ignored paths counted by the kind of reason (``not a report``, ``template``...)."""
        return Counter(_reason_kind(o.reason or "") for o in self.outcomes
                       if o.status == "ignored")


def _reason_kind(reason: str) -> str:
    for start, kind in (("excluded", "excluded"), ("hidden", "hidden"),
                        ("a symlink", "symlink loop"), ("a template", "template"),
                        ("not an incident report", "not a report"),
                        ("empty document", "empty"), ("binary", "binary"),
                        ("cannot", "unreadable")):
        if reason.startswith(start):
            return kind
    return "other"


@attrs.frozen
class Options:
    """How files are read and parsed (sent to worker processes)."""

    actor: str = "import"
    limits: Limits = DEFAULT_LIMITS
    encoding: str | None = None
    encode: bool = True
    """Send the events as bytes (to another process); else keep them as they are."""


_encode_events = msgspec.json.Encoder().encode
_decode_events = msgspec.json.Decoder(list[ev.AnyEvent]).decode


@attrs.frozen
class Parsed:
    """One file read and parsed, ready to store, or the outcome it ended with.

    The events travel as msgspec JSON (a worker process sends them back in a fraction of
    the time pickling would take); :meth:`result` gives them back with their incident.
    """

    path: str
    incident_id: str | None = None
    payload: bytes = b""
    layout: str = ""
    outcome: Outcome | None = None
    digest: str = ""
    findings: tuple[Finding, ...] = ()
    live: tuple[ev.Event, ...] = ()
    """The events themselves, when parsed in this process (no need to encode them)."""
    rows: PreparedRows | None = None
    """The stored rows that declare the incident, made where it was parsed (so the writer
    only inserts them); ``None`` when they could not be made (the writer then appends the
    events, and says why not)."""
    count: int = 0
    """How many events the document became."""

    def events(self) -> list[ev.Event]:
        """The document's events, oldest first."""
        return list(_decode_events(self.payload)) if self.payload else list(self.live)

    def result(self) -> ImportResult | None:
        """What the document became, as :func:`~incidentlog.parse.import_markdown` gave it."""
        events = self.events()
        incident = fold(events)
        if incident is None:
            return None
        return ImportResult(incident, events, list(self.findings), self.layout, self.path)


# --------------------------------------------------------------------------- templates

_PLACEHOLDER = re.compile(r"^\s*(?:\[[^\]]*\]|<[^>]*>|\{\{[^}]*\}\}|\$\{[^}]*\}|_{3,}|\.{3,}|"
                          r"(?:incident\s+)?title(?:\s+here)?|tbd|todo|xxx+)\s*$", re.I)
_PLACEHOLDER_ID = re.compile(r"Y{4}|#{3,}|X{4}|N{4}|M{2}-?D{2}")
_PLACEHOLDERS = re.compile(r"\[[A-Z][A-Z0-9 _/-]{2,40}\](?!\()|\bYYYY-MM-DD\b|\bHH:MM\b")


def template_reason(result: ImportResult, text: str | bytes) -> str | None:
    """Why a parsed document is a blank template rather than a report, or ``None``."""
    incident = result.incident
    if _PLACEHOLDER.match(incident.title):
        return f"a template: the title is a placeholder ({incident.title.strip()[:40]})"
    if _PLACEHOLDER_ID.search(incident.id):
        return f"a template: the incident id is a placeholder ({incident.id[:40]})"
    sample = text[:20_000].decode("utf-8", "replace") if isinstance(text, bytes) \
        else text[:20_000]
    if "YYYY-MM-DD" not in sample and "HH:MM" not in sample:
        return None  # what the placeholders below must include, looked for cheaply first
    found: list[str] = []
    for match in _PLACEHOLDERS.finditer(sample):
        if match.group(0) not in found:
            found.append(match.group(0))
            if len(found) == 3:
                break
    # A [DONE] or [WIP] marker is not a placeholder; a template shows a date or time one too.
    if len(found) >= 3 and {"YYYY-MM-DD", "HH:MM"} & set(found):
        return f"a template: placeholders such as {', '.join(found)}"
    return None


# --------------------------------------------------------------------------- reading


def _not_a_report(message: str) -> bool:
    return any(s in message for s in ("not an incident report", "empty document",
                                      "binary data", ": a template: "))


def parse_file(path: str | Path, options: Options = Options(),
               log: IncidentLog | None = None) -> Parsed:
    """Read and parse one file; never raises for anything in the file (runs in workers).

    With ``log``, also make the rows that would declare it there as a new incident
    (:meth:`~incidentlog.store.IncidentLog.prepare_new`), so a writer only inserts them.
    """
    name = shown(path)
    try:
        data = read_bounded(path, options.limits.max_bytes)
        text, encoded = to_text(data, name, options.encoding)
        result = import_markdown(text, source=name, actor=options.actor,
                                 limits=options.limits)
    except InputError as exc:
        message = str(exc).split("\n")[0]
        if _not_a_report(message):
            reason = message.removeprefix(f"{name}: ")
            return Parsed(name, outcome=Outcome(name, "ignored", reason=reason))
        return Parsed(name, outcome=Outcome(name, "failed", error=message))
    except (RecursionError, MemoryError):
        return Parsed(name, outcome=Outcome(name, "failed",
                                            error=f"{name}: too large or too deep to parse"))
    except Exception as exc:  # a reader's bug must cost this file, not the whole archive
        return Parsed(name, outcome=Outcome(name, "failed", error=(
            f"{name}: could not be read ({type(exc).__name__}: {exc}); please report it")))
    template = template_reason(result, text)
    if template:
        return Parsed(name, result.incident.id,
                      outcome=Outcome(name, "ignored", result.incident.id, reason=template))
    rows = None
    if log is not None:
        # If they cannot be made, the writer appends the events, and says why it refuses them.
        with contextlib.suppress(Exception):
            rows = log.prepare_new(result.incident.id, result.events)
    return Parsed(name, result.incident.id,
                  _encode_events(result.events) if options.encode else b"", result.layout,
                  digest=hashlib.sha256(data).hexdigest(),
                  findings=(*([encoded] if encoded else []), *result.findings),
                  live=() if options.encode else tuple(result.events), rows=rows,
                  count=len(result.events))


def markdown_files(paths: Iterable[str | Path], exclude: Sequence[str] = ()) -> list[Path]:
    """The Markdown files an import of ``paths`` reads (see :func:`incidentlog.files.walk`)."""
    return [p for p in walk(paths, exclude) if isinstance(p, Path)]


# --------------------------------------------------------------------------- storing


def import_paths(log: IncidentLog, paths: Iterable[str | Path], *, actor: str = "import",
                 limits: Limits = DEFAULT_LIMITS, batch: int = 100,
                 progress: Callable[[int, Path], None] | None = None,
                 exclude: Sequence[str] = (), encoding: str | None = None,
                 workers: int | None = None) -> Summary:
    """Import every Markdown file in ``paths``; a file that fails stores nothing.

    Below a folder, templates and files that are not reports are ignored with a reason; a
    file named in ``paths`` that is not a report fails (exit status 2 on the command line).

    Files are parsed in ``workers`` processes (default: one per core; one for a handful of
    files) and stored here in the order walked. New incidents are committed ``batch`` at a
    time, each batch in one transaction.
    """
    with frozen_heap():  # the collector leaves alone what this process held already
        return _import_paths(log, paths, actor=actor, limits=limits, batch=batch,
                             progress=progress, exclude=exclude, encoding=encoding,
                             workers=workers)


def _import_paths(log: IncidentLog, paths: Iterable[str | Path], *, actor: str,
                  limits: Limits, batch: int, progress: Callable[[int, Path], None] | None,
                  exclude: Sequence[str], encoding: str | None, workers: int | None
                  ) -> Summary:
    summary = Summary()
    files: list[Path] = []
    paths = list(paths)
    named = {shown(p) for p in paths if not Path(p).is_dir()}
    for found in walk(paths, exclude):
        if isinstance(found, Passed):
            summary.outcomes.append(Outcome(found.path, "ignored", reason=found.reason))
        else:
            files.append(found)
    writer = _Writer(log, summary, actor, batch)
    forked = workers_for(len(files), workers) > 0
    # The rows of each new incident are made where it is parsed (in the workers): the
    # writer then only inserts them, batch by batch.
    parse = partial(parse_file, options=Options(actor, limits, encoding, encode=forked),
                    log=log if batch > 1 else None)
    for n, parsed in enumerate(ordered_map(parse, files, workers=workers, idle=writer.idle,
                                           own=WRITER_SHARE), 1):
        if progress:
            progress(n, Path(parsed.path))
        if parsed.outcome is not None and parsed.outcome.status == "ignored" and \
                parsed.path in named:  # asked for by name: not passing over it silently
            parsed = attrs.evolve(parsed, outcome=Outcome(
                parsed.path, "failed", parsed.outcome.incident_id,
                error=f"{parsed.path}: {parsed.outcome.reason}"))
        writer.take(parsed)
    writer.flush()
    return summary


WRITER_SHARE = 0.8
"""The writer parses this much of a worker's share of the files: it also receives and
stores everything (about a fifth of a file's cost, for the corpus)."""
IDLE_FLUSH = 32
"""While a worker is behind, the writer commits what it holds once it holds this many (and
half a batch). Not fewer: the writer parses its own share too, and each commit waits for
the disk (1-4 ms here), which delays that share."""


@attrs.define
class _Writer:
    """Stores parsed files in order: new incidents in batches, the rest one by one."""

    log: IncidentLog
    summary: Summary
    actor: str
    batch: int
    pending: list[tuple[int, Parsed]] = attrs.Factory(list)
    claimed: dict[str, tuple[str, str]] = attrs.Factory(dict)
    """Each incident id met in this run: the file it came from and that file's digest."""

    def take(self, parsed: Parsed) -> None:
        ident = parsed.incident_id
        if parsed.outcome is not None or ident is None:
            self.summary.outcomes.append(parsed.outcome or Outcome(parsed.path, "failed"))
            return
        claim = self.claimed.get(ident)
        if claim is not None and claim[0] != parsed.path:
            self.summary.outcomes.append(_same_run_clash(parsed, ident, claim))
            return
        self.claimed[ident] = (parsed.path, parsed.digest)
        # No read per file: a batch that meets a stored incident fails whole and is then
        # taken file by file (which skips or updates that one).
        if self.batch > 1 and parsed.rows is not None and \
                all(p.incident_id != ident for _, p in self.pending):
            # Its outcome keeps its place in the order walked; the flush fills it in.
            self.pending.append((len(self.summary.outcomes), parsed))
            self.summary.outcomes.append(Outcome(parsed.path, "failed", ident,
                                                 error=f"{parsed.path}: not stored"))
            if len(self.pending) >= self.batch:
                self.flush()
            return
        self.flush()
        self.summary.outcomes.append(store(self.log, parsed, actor=self.actor))

    def idle(self) -> None:
        """Workers are still parsing: store what is pending meanwhile, if it is worth a
        transaction."""
        if len(self.pending) >= max(IDLE_FLUSH, self.batch // 2):
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        outcomes = self.summary.outcomes
        try:
            self.log.insert_prepared([p.rows for _, p in self.pending if p.rows is not None])
        except IncidentLogError:  # one of them is stored already: take them one by one
            for at, parsed in self.pending:
                outcomes[at] = store(self.log, parsed, actor=self.actor)
        else:
            for at, parsed in self.pending:
                outcomes[at] = _done(parsed, "imported", parsed.count)
        self.pending.clear()


def _done(parsed: Parsed, status: Status, appended: int = 0) -> Outcome:
    return Outcome(parsed.path, status, parsed.incident_id, appended, parsed.findings)


def _same_run_clash(parsed: Parsed, ident: str, claim: tuple[str, str]) -> Outcome:
    other, digest = claim
    if digest == parsed.digest:
        return Outcome(parsed.path, "skipped", ident,
                       reason=f"the same report as {other} (identical content)")
    return Outcome(parsed.path, "failed", ident, error=(
        f"{parsed.path}: incident {ident} is also {other}, a different report; not merged "
        "(give one of them its own Incident ID)"))


def store(log: IncidentLog, parsed: Parsed, *, actor: str = "import") -> Outcome:
    """Store one parsed file: append it, skip it unchanged, append what changed, or refuse
    a different report that comes to a stored incident's id. Never raises."""
    result = parsed.result() if parsed.outcome is None else None
    if result is None:
        return parsed.outcome or Outcome(parsed.path, "failed", error=f"{parsed.path}: empty")
    name = parsed.path
    ident = result.incident.id
    try:
        if not log.exists(ident):
            log.append(ident, *result.events, validate=False)
            return _done(parsed, "imported", len(result.events))
        if not differences(log.get(ident), result.incident):
            return _done(parsed, "skipped")
        history = [(r.originator_version, r.event) for r in log.records(ident)]
        first = history[0][1]
        if first.source is None:
            return Outcome(name, "failed", ident, error=(
                f"{name}: incident {ident} was recorded through the API, not imported; "
                "not merged (give the report its own Incident ID)"))
        changes = plan(history, result, actor=actor)
        if not changes:
            return _done(parsed, "skipped")
        origin = first.source.file
        if origin is not None and _another_file(origin, name):
            return Outcome(name, "failed", ident, error=(
                f"{name}: incident {ident} was imported from {origin}, a different report; "
                "not merged (give one of them its own Incident ID)"))
        log.append(ident, *changes, validate=False)
        return _done(parsed, "updated", len(changes))
    except IncidentLogError as exc:
        return Outcome(name, "failed", ident, error=f"{name}: {exc}")


def _another_file(origin: str, name: str) -> bool:
    """True when the stored incident came from another file that still exists (a report
    that moved may take its stored incident along)."""
    if origin == name:
        return False
    try:
        return Path(origin).exists() and not Path(origin).samefile(name)
    except OSError:
        return True


def import_file(log: IncidentLog, path: str | Path, *, actor: str = "import",
                limits: Limits = DEFAULT_LIMITS, encoding: str | None = None) -> Outcome:
    """Import one file: append it, skip it unchanged, or append what changed."""
    return store(log, parse_file(path, Options(actor, limits, encoding, encode=False)),
                 actor=actor)
