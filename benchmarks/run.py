"""Benchmarks: incidentlog against raw eventsourcing and bare mistune, measured in one run.

Run: python benchmarks/run.py [--incidents 2000] [--repeats 3] [--quick]

Each figure is the median of ``--repeats`` runs and, where it has one, a ratio against its
baseline measured in the same run (above 1: incidentlog is faster): the median of each
repeat's own ratio, the two sides run back to back. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import mistune
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from incidentlog import IncidentLog, audit
from incidentlog import events as ev
from incidentlog.importer import import_paths
from incidentlog.incident import fold
from incidentlog.parallel import cores

T = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[1]


def workload(n: int) -> list[list[ev.Event]]:
    """``n`` incidents of six events each, the same payloads for both stacks."""
    out = []
    for i in range(n):
        ident = f"INC-20250101-{i:05d}"
        out.append([
            ev.IncidentDeclared(incident_id=ident, title=f"Incident {i}", severity="P2",
                                occurred_at=T, actor="@bench", detected_at=T),
            *(ev.TimelineEntryAdded(occurred_at=T + timedelta(minutes=k), actor="@bench",
                                    text=f"step {k}", by="@oncall") for k in (1, 2, 3)),
            ev.Mitigated(occurred_at=T + timedelta(minutes=4), actor="@bench",
                         action="rolled back"),
            ev.Resolved(occurred_at=T + timedelta(minutes=5), actor="@bench", summary="fixed"),
        ])
    return out


class RawIncident(Aggregate):
    """The same incident as a plain eventsourcing aggregate with the default mapper."""

    @event("Declared")
    def __init__(self, incident_id: str, title: str, severity: str, occurred_at: str,
                 actor: str, detected_at: str) -> None:
        self.incident_id = incident_id
        self.title = title
        self.severity = severity
        self.timeline: list[str] = []
        self.resolved = False

    @event("TimelineEntryAdded")
    def add_entry(self, occurred_at: str, actor: str, text: str, by: str) -> None:
        self.timeline.append(text)

    @event("Mitigated")
    def mitigate(self, occurred_at: str, actor: str, action: str) -> None:
        self.mitigated = True

    @event("Resolved")
    def resolve(self, occurred_at: str, actor: str, summary: str) -> None:
        self.resolved = True


def raw_aggregate(events: list[ev.Event]) -> RawIncident:
    d = events[0]
    assert isinstance(d, ev.IncidentDeclared)
    agg = RawIncident(d.incident_id, d.title, str(d.severity), str(d.occurred_at), d.actor,
                      str(d.detected_at))
    for e in events[1:]:
        if isinstance(e, ev.TimelineEntryAdded):
            agg.add_entry(str(e.occurred_at), e.actor, e.text, e.by or "")
        elif isinstance(e, ev.Mitigated):
            agg.mitigate(str(e.occurred_at), e.actor, e.action)
        elif isinstance(e, ev.Resolved):
            agg.resolve(str(e.occurred_at), e.actor, e.summary)
    return agg


POSTGRES: str | None = None
"""A PostgreSQL URL (``--postgres``) for the PostgreSQL rows."""


def raw_env(kind: str, path: str) -> dict[str, str]:
    if kind == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    if kind == "postgres":
        from incidentlog.urls import persistence_env

        env = persistence_env(f"{POSTGRES}?schema={path}")
        env.pop("ORIGINATOR_ID_TYPE")
        return env
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}


class _Schema:
    """A fresh PostgreSQL schema for one run, dropped afterwards."""

    def __init__(self) -> None:
        import uuid

        self.name = "bench_" + uuid.uuid4().hex[:10]

    def __enter__(self) -> str:
        import psycopg

        assert POSTGRES
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        return self.name

    def __exit__(self, *exc: object) -> None:
        import psycopg

        assert POSTGRES
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{self.name}" CASCADE')


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(runs: list[float]) -> float:
    return statistics.median(runs)


def _ours(url: str | None, work: list[list[ev.Event]], batch: int = 1
          ) -> tuple[float, float, float, float]:
    """Seconds to append (``batch`` incidents a commit), to read each back warm (cache kept
    fresh) and cold (no cache), and to read them all in one pass (``list()``)."""
    ids = [w[0].incident_id for w in work]  # type: ignore[attr-defined]
    # A cache that holds them all: "warm" means every state is cached (the default keeps
    # 1,000, which a sequential scan of more incidents would evict one by one).
    with IncidentLog(url, cache_size=len(work)) as log:
        start = time.perf_counter()
        if batch == 1:
            for ident, events in zip(ids, work, strict=True):
                log.append(ident, *events)
        else:
            pairs = list(zip(ids, work, strict=True))
            for at in range(0, len(pairs), batch):
                log.append_many(pairs[at:at + batch])
        append = time.perf_counter() - start
        start = time.perf_counter()
        for ident in ids:
            log.get(ident)
        warm = time.perf_counter() - start
        if url is not None:
            log.close()
            log = IncidentLog(url)
        else:  # an in-memory log cannot be reopened: read it again with no cache
            log = IncidentLog(None, cache_size=0, shared_store=log_store(ids, work))
        start = time.perf_counter()
        for ident in ids:
            log.get(ident)
        cold = time.perf_counter() - start
        every = IncidentLog(url, cache_size=0) if url is not None else \
            IncidentLog(None, shared_store=log.store)
        start = time.perf_counter()
        assert len(every.list()) == len(ids)
        one_pass = time.perf_counter() - start
        every.close()
        log.close()
        return append, warm, cold, one_pass


def log_store(ids: list[str], work: list[list[ev.Event]]) -> Any:
    """An in-memory store holding ``work``, for reading with no cache."""
    fresh = IncidentLog(None, cache_size=0)
    for ident, events in zip(ids, work, strict=True):
        fresh.append(ident, *events)
    return fresh.store


def _raw(env: dict[str, str], work: list[list[ev.Event]], batch: int = 1
         ) -> tuple[float, float]:
    app: Application[Any] = Application(env=env)
    start = time.perf_counter()
    ids = []
    for at in range(0, len(work), batch):
        aggs = [raw_aggregate(events) for events in work[at:at + batch]]
        app.save(*aggs)
        ids += [agg.id for agg in aggs]
    written = time.perf_counter()
    for ident in ids:
        app.repository.get(ident)
    read = time.perf_counter() - written
    app.close()
    return written - start, read


def _floor(env: dict[str, str], n: int, rows: int) -> tuple[float, float]:
    """Seconds for ``n`` transactions of ``rows`` tiny rows each, and for reading them back
    one stream at a time, through eventsourcing's recorder: what any event store on this
    database pays for the same commits, rows and round trips, whatever it stores."""
    from eventsourcing.persistence import StoredEvent

    app: Application[Any] = Application(env=env)
    recorder: Any = app.recorder
    ids = [f"floor-{i}" if "ORIGINATOR_ID_TYPE" in env else uuid5(NAMESPACE_URL, str(i))
           for i in range(n)]
    start = time.perf_counter()
    for ident in ids:
        recorder.insert_events([StoredEvent(ident, v, "t", b"{}") for v in range(1, rows + 1)])
    written = time.perf_counter()
    for ident in ids:
        recorder.select_events(ident)
    read = time.perf_counter() - written
    app.close()
    return written - start, read


@dataclass
class Row:
    """One comparison: medians of each side, and the median of each repeat's own ratio
    (the two sides of a repeat run back to back, in alternating order, so a change of
    the machine's speed between repeats moves both alike)."""

    name: str
    ours: float
    raw: float
    ratio: float
    floor: float | None = None
    above: float | None = None


def _row(name: str, ours: list[float], raw: list[float], floor: list[float] | None = None
         ) -> Row:
    ratio = median([r / o for o, r in zip(ours, raw, strict=True)])
    if not floor:
        return Row(name, median(ours), median(raw), ratio)
    above = median([(r - f) / (o - f) if o > f else float("inf")
                    for o, r, f in zip(ours, raw, floor, strict=True)])
    return Row(name, median(ours), median(raw), ratio, median(floor), above)


def bench_append_replay(kind: str, n: int, repeats: int) -> list[Row]:
    """Append (one commit per incident, then 100 a commit) and replay, both stacks, plus
    the database's floor: the same commits, rows and reads with tiny rows."""
    work = workload(n)
    runs: dict[str, list[float]] = {k: [] for k in (
        "ours_w", "ours_r", "ours_c", "ours_l", "raw_w", "raw_r", "ours_b", "raw_b",
        "floor_w", "floor_r")}

    def one(turn: int, ours_url: str | None, env: dict[str, str], batched_url: str | None,
            batched_env: dict[str, str], floor_env: dict[str, str]) -> None:
        def ours() -> None:
            w, r, c, every = _ours(ours_url, work)
            runs["ours_w"].append(w)
            runs["ours_r"].append(r)
            runs["ours_c"].append(c)
            runs["ours_l"].append(every)
            runs["ours_b"].append(_ours(batched_url, work, batch=100)[0])

        def raw() -> None:
            w, r = _raw(env, work)
            runs["raw_w"].append(w)
            runs["raw_r"].append(r)
            runs["raw_b"].append(_raw(batched_env, work, batch=100)[0])

        for side in ((ours, raw) if turn % 2 == 0 else (raw, ours)):
            side()
        if kind != "memory":
            fw, fr = _floor(floor_env, n, len(work[0]))
            runs["floor_w"].append(fw)
            runs["floor_r"].append(fr)

    # Memory runs are cheap and the noisiest relative to their size: three times the runs.
    for turn in range(repeats * 3 if kind == "memory" else repeats):
        if kind == "postgres":
            with _Schema() as a, _Schema() as b, _Schema() as c, _Schema() as d, \
                    _Schema() as f:
                floor_env = raw_env(kind, f)
                floor_env["ORIGINATOR_ID_TYPE"] = "text"
                one(turn, f"{POSTGRES}?schema={a}", raw_env(kind, b),
                    f"{POSTGRES}?schema={c}", raw_env(kind, d), floor_env)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            memory = kind == "memory"
            one(turn, None if memory else f"sqlite:///{tmp}/ours.db",
                raw_env(kind, f"{tmp}/raw.db"),
                None if memory else f"sqlite:///{tmp}/ours_b.db",
                raw_env(kind, f"{tmp}/raw_b.db"), raw_env(kind, f"{tmp}/floor.db"))
    return [
        _row(f"append {n}x6 events, {kind}, a commit each", runs["ours_w"], runs["raw_w"],
             runs["floor_w"]),
        _row(f"append {n}x6 events, {kind}, 100 a commit", runs["ours_b"], runs["raw_b"]),
        _row(f"replay {n} incidents, {kind}, warm", runs["ours_r"], runs["raw_r"]),
        _row(f"replay {n} incidents, {kind}, cold", runs["ours_c"], runs["raw_r"],
             runs["floor_r"]),
        _row(f"replay all {n}, {kind}, list() in one pass", runs["ours_l"], runs["raw_r"]),
    ]


def _history(kind: str, length: int) -> list[ev.Event]:
    """``length - 1`` events after the declaration: each a new timeline entry (the state
    grows with the history), or each an update of one action item (it does not)."""
    if kind == "timeline entries":
        return [ev.TimelineEntryAdded(occurred_at=T, actor="@bench", text=f"e{k}")
                for k in range(length - 1)]
    first: list[ev.Event] = [ev.ActionItemAdded(occurred_at=T, actor="@bench", item_id="A1",
                                                title="fix it")]
    return first + [ev.ActionItemUpdated(occurred_at=T, actor="@bench", item_id="A1",
                                         status="in_progress" if k % 2 else "open")
                    for k in range(length - 2)]


def bench_replay_length(lengths: list[int], repeats: int
                        ) -> list[tuple[str, float, float, float, float]]:
    """Seconds to read one incident of each history length (snapshots every 100 events):
    warm (state cache), cold (a new IncidentLog: latest snapshot and the events after it),
    cold with no snapshots (every event folded), and blame (every field and item)."""
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/long.db"
        log = IncidentLog(url)
        for kind, length in [(k, n) for k in ("timeline entries", "action item updates")
                             for n in lengths]:
            ident = f"LONG-{length}-{kind[:3]}"
            log.declare(ev.IncidentDeclared(incident_id=ident, title="long", severity="P3",
                                            occurred_at=T, actor="@bench"))
            batch = _history(kind, length)
            for start in range(0, len(batch), 500):
                log.append(ident, *batch[start:start + 500])
            warm = [timed(lambda ident=ident: log.get(ident)) for _ in range(repeats * 3)]
            cold, bare = [], []
            for _ in range(repeats * 3):
                fresh = IncidentLog(url, cache_size=0)
                cold.append(timed(lambda ident=ident, f=fresh: f.get(ident)))
                bare.append(timed(lambda ident=ident, f=fresh: fold(f.events(ident))))
                fresh.close()
            blamed = [timed(lambda ident=ident: audit.blame(log, ident))
                      for _ in range(repeats)]
            out.append((f"{length} events, {kind}", median(warm), median(cold),
                        median(bare), median(blamed)))
        log.close()
    return out


@dataclass
class ImportRow:
    """One side of the corpus import: medians of docs/s and of CPU milliseconds (this
    process, and its workers together), and the median of each run's own ratio to bare
    mistune, by wall time and by CPU."""

    name: str
    docs_per_s: float
    bare_per_s: float
    ratio: float
    writer_cpu: float
    workers_cpu: float
    bare_cpu: float
    cpu_ratio: float
    docs: int


def _children_cpu() -> float:
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def bench_import(repeats: int) -> list[ImportRow]:
    """Documents per second: import_paths into SQLite (on every core, then in one process)
    vs bare mistune parsing in one process, each run once unmeasured first (all warm their
    regex caches), then the median of the runs. CPU time is taken too (this process's, and
    the workers' from the kernel's accounting of waited children): on a machine whose cores
    are busy with other work, wall time says what the machine gave, CPU time what was
    asked of it.

    ``cpu_ratio`` is bare mistune's CPU time over the longer of the two processes' (the
    writer with its share, the worker with its own), as if both ran side by side from the
    start; it leaves out the fork (about 1 ms) and the wait for the disk at the commit.
    The writer takes over files a slow worker has not started, so on a busy machine the
    split, and this ratio, follow what each process was given; on free cores it is what
    two cores give at best."""
    files = sorted((ROOT.parent / "shared" / "corpus").rglob("*.md"))
    files = [f for f in files if f.name != "README.md"] or sorted(
        (ROOT / "examples" / "reports").glob("*.md"))
    texts = [f.read_bytes() for f in files]
    parse = mistune.create_markdown(renderer=None, plugins=["table", "task_lists"])
    sides: dict[int | None, list[tuple[float, float, float]]] = {None: [], 1: []}
    bare: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp, "reports")
        folder.mkdir()
        for n, data in enumerate(texts):
            Path(folder, f"r{n:03d}.md").write_bytes(data)
        for run in range(max(repeats * 3, 5) + 1):
            # Sides in alternating order, so a drift of the machine's speed moves all alike.
            order: list[int | None] = [None, 1] if run % 2 else [1, None]
            for workers in order:
                with IncidentLog(f"sqlite:///{tmp}/import{run}-{workers}.db") as log:
                    children = _children_cpu()
                    cpu = time.process_time()
                    start = time.perf_counter()
                    summary = import_paths(log, [folder], batch=100, workers=workers)
                    seconds = time.perf_counter() - start
                    cpu = time.process_time() - cpu
                    children = _children_cpu() - children
                    assert summary.count("imported") == len(texts)
                if run:
                    sides[workers].append((len(texts) / seconds, cpu, children))
            cpu = time.process_time()
            parsed = timed(lambda: [parse(t.decode()) for t in texts])
            cpu = time.process_time() - cpu
            if run:
                bare.append((len(texts) / parsed, cpu))
    # The ratio is the median of each run's own ratio: a drift of the machine's speed
    # during the runs then moves both sides of it alike.
    out = []
    for workers, name in ((None, f"import files, end to end, {cores()} cores (docs/s)"),
                          (1, "import files, end to end, 1 process (docs/s)")):
        ours = sides[workers]
        forked = max(1, cores() - 1) if workers is None else 1
        paired = median([o / b for (o, _, _), (b, _) in zip(ours, bare, strict=True)])
        by_cpu = median([b / max(w, c / forked) for (_, w, c), (_, b) in
                         zip(ours, bare, strict=True)])
        out.append(ImportRow(name, median([o for o, _, _ in ours]),
                             median([b for b, _ in bare]), paired,
                             median([w for _, w, _ in ours]) * 1000,
                             median([c for _, _, c in ours]) * 1000,
                             median([b for _, b in bare]) * 1000, by_cpu, len(texts)))
    return out


def bench_query(n: int, repeats: int) -> list[tuple[str, float]]:
    """Seconds to build the incident index over ``n`` incidents, then per filtered query."""
    out = []
    services = ("api", "db", "web", "queue", "auth")
    with tempfile.TemporaryDirectory() as tmp, IncidentLog(f"sqlite:///{tmp}/q.db") as log:
        batch: list[tuple[str, list[ev.Event]]] = []
        for i in range(n):
            ident = f"Q-{i:06d}"
            start = T + timedelta(hours=i)
            events: list[ev.Event] = [ev.IncidentDeclared(
                incident_id=ident, title=f"q{i}", severity=f"P{i % 4}",  # type: ignore[arg-type]
                services=(services[i % 5],), occurred_at=start, actor="@bench")]
            if i % 3:
                events.append(ev.Resolved(occurred_at=start + timedelta(minutes=i % 90),
                                          actor="@bench"))
            batch.append((ident, events))
            if len(batch) == 1000:
                log.append_many(batch)
                batch = []
        if batch:
            log.append_many(batch)
        from incidentlog.readmodel import IncidentIndex

        index = IncidentIndex(log)
        out.append((f"build the index of {n} incidents", timed(index.rebuild)))
        middle = T + timedelta(hours=n // 2)
        queries = {
            "list newest 100": {"limit": 100},
            "filter severity=P1 (100)": {"severity": "P1", "limit": 100},
            "filter status+service (100)": {"status": "resolved", "service": "db",
                                            "limit": 100},
            "filter time range, one week": {"since": middle,
                                            "until": middle + timedelta(days=7)},
            "filter severity, all matches": {"severity": "P2"},
        }
        for name, filters in queries.items():
            runs = [timed(lambda filters=filters: index.find(**filters))
                    for _ in range(repeats * 3)]
            out.append((f"{name}, {n} incidents", median(runs)))
    return out


_BULK = """
import resource, sys, time
from incidentlog import IncidentLog
from incidentlog.importer import import_paths
from incidentlog.incident import fold
start = time.perf_counter()
with IncidentLog(sys.argv[1]) as log:
    summary = import_paths(log, [sys.argv[2]], batch=100)
elapsed = time.perf_counter() - start
# VmHWM is this process's own peak; ru_maxrss would carry the parent's over exec.
status = open("/proc/self/status").read()
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024 if "VmHWM:" in status else \
    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# The workers' peak (the largest of them), from the kernel's accounting of waited children.
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(summary.count("imported"), elapsed, peak, children)
"""


def bench_bulk(counts: list[int]) -> list[tuple[str, float, float, float, float]]:
    """(name, seconds, reports/s, peak RSS MB of the writer, of the largest worker) importing
    ``count`` reports in a fresh process."""
    import subprocess
    import sys

    template = (ROOT / "examples" / "reports" / "2025-06-02-payments-timeouts.md").read_text()
    out = []
    for count in counts:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp, "reports")
            folder.mkdir()
            for i in range(count):
                (folder / f"r{i:05d}.md").write_text(
                    template.replace("INC-20250602-0001", f"INC-20250602-{i:05d}"))
            done = subprocess.run([sys.executable, "-c", _BULK, f"sqlite:///{tmp}/bulk.db",
                                   str(folder)], capture_output=True, text=True, check=True)
            imported, seconds, peak, children = done.stdout.split()
            assert int(imported) == count
            out.append((f"bulk import {count} reports (batches of 100)", float(seconds),
                        count / float(seconds), float(peak), float(children)))
    return out


def bench_hot(writers: int, appends: int) -> tuple[str, float, int]:
    """Seconds for ``writers`` threads to append ``appends`` events each to one incident."""
    from concurrent.futures import ThreadPoolExecutor

    with tempfile.TemporaryDirectory() as tmp, IncidentLog(f"sqlite:///{tmp}/hot.db") as log:
        log.declare(ev.IncidentDeclared(incident_id="HOT-1", title="hot", severity="P0",
                                        occurred_at=T, actor="@bench"))

        def write(w: int) -> None:
            for k in range(appends):
                log.update("HOT-1", lambda s, k=k: [ev.TimelineEntryAdded(
                    occurred_at=T, actor=f"w{w}", text=f"{w}-{k}")])

        start = time.perf_counter()
        with ThreadPoolExecutor(writers) as pool:
            list(pool.map(write, range(writers)))
        seconds = time.perf_counter() - start
        stored = len(log.events("HOT-1")) - 1
    return f"{writers} writers x {appends} appends, one incident", seconds, stored


def bench_storage(n: int) -> tuple[str, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        work = workload(n)
        log = IncidentLog(f"sqlite:///{tmp}/size.db", snapshot_interval=0)
        for w in work:
            log.append(w[0].incident_id, *w)  # type: ignore[attr-defined]
        log.close()
        app: Application[Any] = Application(env=raw_env("sqlite", f"{tmp}/raw.db"))
        for w in work:
            app.save(raw_aggregate(w))
        app.close()
        ours = Path(tmp, "size.db").stat().st_size / (6 * n)
        raw = Path(tmp, "raw.db").stat().st_size / (6 * n)
    return "bytes per event on disk (SQLite)", ours, raw


def bench_site(n: int, workers: int | None = None) -> dict[str, float]:
    """Build the web site of ``n`` incidents from SQLite: wall and CPU seconds (this process
    and the workers it forks), pages, size. Needs the site extra; empty without it."""
    import os
    import resource

    try:
        from incidentlog.site import build_site
    except ImportError:
        return {}
    services = ("api", "db", "web", "queue", "auth")
    with tempfile.TemporaryDirectory() as tmp, IncidentLog(f"sqlite:///{tmp}/site.db") as log:
        batch: list[tuple[str, list[ev.Event]]] = []
        for i in range(n):
            start = T + timedelta(hours=i)
            events: list[ev.Event] = [ev.IncidentDeclared(
                incident_id=f"S-{i:06d}", title=f"Incident {i}",
                severity=f"P{i % 4}",  # type: ignore[arg-type]
                services=(services[i % 5],), occurred_at=start, detected_at=start,
                actor="@bench")]
            events += [ev.TimelineEntryAdded(occurred_at=start + timedelta(minutes=k),
                                             actor="@bench", text=f"step {k}", by="@oncall")
                       for k in (1, 2, 3)]
            if i % 3:
                events += [ev.Mitigated(occurred_at=start + timedelta(minutes=5 + i % 40),
                                        actor="@bench", action="rolled back"),
                           ev.Resolved(occurred_at=start + timedelta(minutes=50 + i % 90),
                                       actor="@bench", summary="fixed")]
            batch.append((f"S-{i:06d}", events))
            if len(batch) == 1000:
                log.append_many(batch)
                batch = []
        if batch:
            log.append_many(batch)
        out = Path(tmp, "site")
        cpu = [resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                   resource.RUSAGE_CHILDREN)]
        start_time = time.perf_counter()
        built = build_site(log, out, workers=workers)
        wall = time.perf_counter() - start_time
        after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                     resource.RUSAGE_CHILDREN)]
        user = sum(a.ru_utime - b.ru_utime for a, b in zip(after, cpu, strict=True))
        system = sum(a.ru_stime - b.ru_stime for a, b in zip(after, cpu, strict=True))
        html = [p.stat().st_size for p in out.rglob("*.html")]
        files = [p.stat().st_size for p in out.rglob("*") if p.is_file()]
        return {"incidents": built.incidents, "pages": built.pages, "wall": wall,
                "cpu": user + system, "system": system,
                "mb": sum(files) / 1e6, "largest_kb": max(html) / 1e3,
                "median_kb": statistics.median(html) / 1e3, "load": os.getloadavg()[0]}


def _print_site(n: int) -> None:
    site = bench_site(n) if n else {}
    if site:
        print(f"{'web site of ' + str(n) + ' incidents (SQLite)':<44} "
              f"{site['wall']:>11.2f}s  CPU {site['cpu']:.1f}s (all processes; "
              f"{site['system']:.1f}s in the kernel), "
              f"{site['pages']:.0f} pages, {site['mb']:.0f} MB, page median "
              f"{site['median_kb']:.0f} KB, largest {site['largest_kb']:.0f} KB; "
              f"load average {site['load']:.1f}")
    elif n:
        print("web site: skipped (pip install 'incidentlog[site]')")


def bench_stores(n: int, repeats: int, lengths: list[int]) -> None:
    """Append and replay on each store, then replay by history length (printed)."""
    for kind in ("memory", "sqlite", *(["postgres"] if POSTGRES else [])):
        for row in bench_append_replay(kind, n, repeats):
            print(f"{row.name:<44} {row.ours:>11.3f}s {row.raw:>11.3f}s {row.ratio:>6.2f}x")
            if row.floor is not None:
                print(f"{'  the same, above the database floor':<44} "
                      f"{row.ours - row.floor:>11.3f}s {row.raw - row.floor:>11.3f}s "
                      f"{row.above:>6.2f}x  (floor {row.floor:.3f}s: {n} "
                      f"{'commits' if 'append' in row.name else 'reads'} of 6 tiny rows)")
    print(f"\n{'replay one incident (ms)':<44} {'warm':>8} {'cold':>8} {'cold, no snapshots':>19}"
          f" {'blame':>9}")
    for name, warm, cold, bare, blamed in bench_replay_length(lengths, repeats):
        print(f"{name:<44} {warm * 1000:>8.2f} {cold * 1000:>8.2f} {bare * 1000:>19.2f}"
              f" {blamed * 1000:>9.2f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--query-incidents", type=int, default=100_000)
    parser.add_argument("--bulk-reports", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL",
                        help="also run append and replay on this PostgreSQL database "
                        "(bash .ci/postgres.sh prints one)")
    parser.add_argument("--site-incidents", type=int, default=10_000,
                        help="incidents in the web site build (0: skip it)")
    parser.add_argument("--site-only", action="store_true",
                        help="only the web site build (about a minute)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke run")
    parser.add_argument("--import-only", action="store_true",
                        help="only the import benchmarks (the corpus, and bulk import)")
    args = parser.parse_args()
    if args.site_only:
        _print_site(50 if args.quick else args.site_incidents)
        return
    n = 20 if args.quick else args.incidents
    repeats = 1 if args.quick else args.repeats
    lengths = [10, 100] if args.quick else [10, 100, 1000, 10000]
    uuid5(NAMESPACE_URL, "warm-up")
    print(f"incidentlog benchmarks: {n} incidents, median of {repeats} run(s)\n")
    print(f"{'benchmark':<44} {'incidentlog':>12} {'baseline':>12} {'ratio':>7}")
    global POSTGRES
    POSTGRES = args.postgres
    if not args.import_only:
        bench_stores(n, repeats, lengths)
    for row in bench_import(repeats):
        print(f"{row.name:<44} {row.docs_per_s:>12.1f} {row.bare_per_s:>12.1f} "
              f"{row.ratio:>6.2f}x  ({row.docs} reports into SQLite; baseline: bare "
              "mistune, 1 process; ratio: median of each run's own)")
        print(f"{'  CPU ms: writer, workers | bare mistune':<44} {row.writer_cpu:>6.1f} "
              f"{row.workers_cpu:>5.1f} {row.bare_cpu:>12.1f} {row.cpu_ratio:>6.2f}x  "
              "(ratio by CPU: bare over the longer process, what free cores would give)")
    print(f"{'  load average during the runs':<44} {os.getloadavg()[0]:>12.1f}")
    if not args.import_only:
        for name, seconds in bench_query(200 if args.quick else args.query_incidents, repeats):
            print(f"{name:<44} {seconds * 1000:>10.2f}ms")
        name, seconds, stored = bench_hot(8, 5 if args.quick else 200)
        print(f"{name:<44} {seconds:>11.3f}s {stored:>12} stored")
    counts = [50] if args.quick else sorted({args.bulk_reports // 10, args.bulk_reports})
    for name, seconds, rate, peak, worker in bench_bulk(counts):
        print(f"{name:<44} {seconds:>11.2f}s {rate:>9.0f}/s  peak RSS {peak:.0f} MB "
              f"(largest worker {worker:.0f} MB)")
    if args.import_only:
        return
    name, ours, raw = bench_storage(n)
    print(f"{name:<44} {ours:>12.0f} {raw:>12.0f} {raw / ours:>6.2f}x")
    _print_site(50 if args.quick else args.site_incidents)
    print("\nbaselines: raw eventsourcing Application + Aggregate + default JSON mapper (no "
          "cache); bare mistune parsing of the same files. warm: incidentlog's state cache, "
          "kept fresh with one query per read; cold: a new IncidentLog with no cache. "
          "Floor: the same commits (or reads) of the same number of rows, tiny ones, through "
          "eventsourcing's recorder, which both stacks pay; 'above the floor' compares what "
          "is left.")


if __name__ == "__main__":
    main()
