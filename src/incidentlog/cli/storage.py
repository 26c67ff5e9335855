"""The store as a whole: verify it, take a checkpoint of it, copy it to another database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

import attrs

from incidentlog import checkpoint, integrity
from incidentlog.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    Command,
    UsageError,
    open_log,
    print_json,
    read_cipher_key,
)
from incidentlog.store import IncidentLog
from incidentlog.urls import redact


def _sign_key(args: argparse.Namespace) -> bytes | None:
    return checkpoint.read_key(args.sign_key) if args.sign_key else None


def cmd_verify(args: argparse.Namespace, out: TextIO) -> int:
    key = _sign_key(args)
    if args.checkpoint and args.id:
        raise UsageError("--checkpoint covers the whole log; leave out the incident id")
    saved = checkpoint.load(args.checkpoint) if args.checkpoint else None
    if saved is not None and saved.mac is not None and key is None:
        raise UsageError(f"checkpoint {args.checkpoint} is signed: give --sign-key FILE to "
                         "check its signature")
    with open_log(args, read_only=True) as log:
        if saved is not None:
            result = checkpoint.verify(log, saved, key=key)
        else:
            result = integrity.verify(log, args.id)
    if args.json:
        print_json({"ok": result.ok, "checked_events": result.checked_events,
                    "checked_snapshots": result.checked_snapshots,
                    "checked_index_rows": result.checked_index_rows,
                    "problems": [attrs.asdict(p) for p in result.problems],
                    "notes": result.notes, "heads": result.heads}, out)
    else:
        for p in result.problems:
            where = p.incident_id or "log"
            if p.version is not None:
                where += f": version {p.version}"
            out.write(f"{where}: {p.kind}: {p.message}\n")
        for note in result.notes:
            out.write(f"{note}\n")
        verdict = "intact" if result.ok else f"{len(result.problems)} problem(s)"
        out.write(f"{len(result.heads)} incident(s), {result.checked_events} event(s), "
                  f"{result.checked_snapshots} snapshot(s), {result.checked_index_rows} "
                  f"index row(s): {verdict}\n")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def cmd_checkpoint(args: argparse.Namespace, out: TextIO) -> int:
    key = _sign_key(args)
    with open_log(args, read_only=True) as log:
        made, result = checkpoint.make(log, key=key)
    if not result.ok:
        for p in result.problems:
            out.write(f"{p.incident_id or 'log'}: {p.kind}: {p.message}\n")
        out.write(f"{len(result.problems)} problem(s): no checkpoint taken of a log that "
                  "fails verify\n")
        return EXIT_FINDINGS
    if args.out:
        Path(args.out).write_text(made.to_json(), encoding="utf-8")
        signed = "signed" if made.mac else "unsigned"
        out.write(f"checkpoint: {made.size} row(s), root {made.root}, {made.time.isoformat()}"
                  f", {signed}; written to {args.out}\n")
    else:
        out.write(made.to_json())
    return EXIT_OK


def cmd_copy(args: argparse.Namespace, out: TextIO) -> int:
    key = read_cipher_key(args.to_key_file) if args.to_key_file else None
    with open_log(args, read_only=True) as source, IncidentLog(args.to, cipher_key=key) as target:
        copied = target.copy_from(source)
        ok = integrity.verify(target).ok
    out.write(f"copied {copied} event(s) to {redact(args.to)}; verify: "
              f"{'intact' if ok else 'FAILED'}\n")
    return EXIT_OK if ok else EXIT_FINDINGS


def register(command: Command) -> None:
    """Add verify, checkpoint and copy."""
    ver = command("verify", "Check every event, snapshot and index row (and, given a "
                  "checkpoint, that the log still holds what it did then); exit 1 if "
                  "anything was tampered with.",
                  "incidentlog verify --checkpoint checkpoint.json --sign-key ~/.incidentlog.key",
                  cmd_verify)
    ver.add_argument("id", nargs="?", default=None)
    ver.add_argument("--json", action="store_true")
    ver.add_argument("--checkpoint", metavar="FILE",
                     help="a checkpoint written by 'incidentlog checkpoint'")
    ver.add_argument("--sign-key", metavar="FILE", help="the key the checkpoint was signed with")

    cp = command("checkpoint", "Print the log's size, Merkle root and time (a checkpoint, "
                 "optionally signed); keep it where the database's writers cannot reach it.",
                 "incidentlog checkpoint --sign-key ~/.incidentlog.key --out cp.json",
                 cmd_checkpoint)
    cp.add_argument("--out", metavar="FILE", help="write the checkpoint to FILE")
    cp.add_argument("--sign-key", metavar="FILE",
                    help="sign with HMAC-SHA256 under the key in FILE (16 bytes or more)")

    cp = command("copy", "Copy every incident into another (empty) database, e.g. SQLite to "
                 "PostgreSQL, keeping times, actors and hash chains.",
                 "incidentlog --db sqlite:///incidents.db copy --to "
                 "postgresql://user:pw@db:5432/incidents", cmd_copy)
    cp.add_argument("--to", required=True, metavar="URL")
    cp.add_argument("--to-key-file", metavar="FILE",
                    help="encrypt the copy with the cipher key in FILE")
