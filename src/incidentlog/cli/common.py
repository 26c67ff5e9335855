"""What every command shares: opening the log, parsing times, printing JSON and findings."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol, TextIO, cast

from incidentlog import figures as fg
from incidentlog import times
from incidentlog.checks import Finding, has_errors
from incidentlog.errors import StoreError
from incidentlog.incident import Incident
from incidentlog.store import IncidentLog

DB_ENV = "INCIDENTLOG_DB"
KEY_ENV = "INCIDENTLOG_KEY_FILE"
DEFAULT_DB = "sqlite:///incidents.db"

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

Run = Callable[[argparse.Namespace, TextIO], int]
"""A command: parsed arguments and the output stream in, an exit status out."""


class Command(Protocol):
    """Adds a subcommand with a summary and an example; returns its parser to add arguments."""

    def __call__(self, name: str, summary: str, example: str, run: Run) -> argparse.ArgumentParser:
        ...


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class EscapedOutput(io.TextIOBase):
    """A text stream that writes terminal control characters (ESC, BEL, CR, bidi
    overrides...) as visible escapes (``\\x1b``), keeping newlines and tabs: what a title,
    actor or file name holds can never drive the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(_CONTROL.sub(_escape, text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def writable(self) -> bool:
        return True


def escaped(stream: TextIO) -> TextIO:
    """``stream`` behind :class:`EscapedOutput`."""
    return cast(TextIO, EscapedOutput(stream))


class UsageError(Exception):
    """Bad arguments or input: exit status 2."""


def open_log(args: argparse.Namespace, *, read_only: bool = False) -> IncidentLog:
    """The log named by ``--db``, else ``$INCIDENTLOG_DB``, else the SQLite default; with
    the cipher key in ``--key-file``, else ``$INCIDENTLOG_KEY_FILE``, if either is given.
    ``read_only`` (every command that only reads): create no database and no table, and
    refuse a store that is not there in one line naming it."""
    url = args.db or os.environ.get(DB_ENV) or DEFAULT_DB
    key_file = getattr(args, "key_file", None) or os.environ.get(KEY_ENV)
    # A command reads an incident once: folding its events costs milliseconds, and no
    # snapshot, however well forged, is served in their place.
    return IncidentLog(url, cipher_key=read_cipher_key(key_file) if key_file else None,
                       trust_snapshots=False, read_only=read_only)


def read_cipher_key(path: str) -> str:
    """The cipher key kept in a file (base64 text, as ``AESCipher.create_key`` makes)."""
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except OSError as exc:
        raise StoreError(f"key file {path}: cannot read it ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise StoreError(f"key file {path}: not a base64 key (binary bytes)") from None


def print_json(data: object, out: TextIO) -> None:
    """Indented JSON, non-ASCII kept."""
    out.write(json.dumps(data, indent=2, ensure_ascii=False, default=times.json_default) + "\n")


def finding_dict(f: Finding, incident_id: str | None = None) -> dict[str, object]:
    """A finding as a JSON object."""
    return {
        "incident": incident_id,
        "code": f.code,
        "level": f.level,
        "message": f.message,
        "file": f.source.file if f.source else None,
        "line": f.source.line if f.source else None,
        "field": f.field,
    }


def report_findings(results: list[tuple[str, Finding]], as_json: bool, out: TextIO) -> int:
    """Print findings one a line (or as JSON); exit 1 when any is an error."""
    if as_json:
        print_json([finding_dict(f, i) for i, f in results], out)
    else:
        for incident_id, f in results:
            where = f.where() if f.source else f"{incident_id}" + (f" {f.field}" if f.field else "")
            out.write(f"{where}: {f.level}: {f.code}: {f.message}\n")
        errors = sum(f.level == "error" for _, f in results)
        out.write(f"{len(results)} finding(s), {errors} error(s)\n")
    return EXIT_FINDINGS if has_errors([f for _, f in results]) else EXIT_OK


def parse_time(text: str) -> datetime:
    """An aware ISO 8601 time from the command line, or a usage error."""
    try:
        return times.parse(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def name_value(text: str, option: str) -> tuple[str, str]:
    """``NAME=VALUE`` from the command line, or a usage error naming the option."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{option} {text!r}: write it as NAME=VALUE")
    return name.strip(), value


def state_at(log: IncidentLog, incident_id: str, point: str) -> Incident:
    """A version number or an ISO time (recorded time) as a state of the incident."""
    if point.isdigit():
        return log.get(incident_id, version=int(point))
    return log.get(incident_id, as_of=parse_time(point))


def hhmm(minutes: float | None) -> str:
    """Minutes as HH:MM (``3d 03:41`` from a day on), or ``-`` when unknown."""
    return "-" if minutes is None else fg.format_duration(minutes)
