"""The command line: a thin layer over the library. Exit 0 ok, 1 error findings, 2 bad input.

Each module of this package adds its commands through ``register``; add a module to
``MODULES`` to add its commands.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from incidentlog import __version__
from incidentlog.cli import followups, history, legacy, records, site, storage, write
from incidentlog.cli.common import (
    DB_ENV,
    DEFAULT_DB,
    EXIT_OK,
    EXIT_USAGE,
    KEY_ENV,
    Run,
    UsageError,
    escaped,
)
from incidentlog.errors import IncidentLogError
from incidentlog.urls import redact

MODULES = (write, records, followups, legacy, history, storage, site)
"""The command modules, in the order their commands are listed in ``--help``."""


class _Parser(argparse.ArgumentParser):
    """Bad arguments are a one-line :class:`UsageError`, not a usage text and an exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see {self.prog} --help)")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Run]]:
    """The argument parser, and each command's function by name."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="incidentlog", formatter_class=fmt,
        description="Incident records kept as append-only event streams.",
        epilog="exit status: 0 ok, 1 error-level findings, 2 usage or input error\n"
               f"database: --db URL, else ${DB_ENV}, else {DEFAULT_DB}")
    parser.add_argument("--db", help="database URL or SQLite file path "
                                     f"(default: ${DB_ENV} or {DEFAULT_DB})")
    parser.add_argument("--version", action="version", version=f"incidentlog {__version__}")
    parser.add_argument("--key-file", metavar="FILE",
                        help=f"the cipher key of an encrypted store (default: ${KEY_ENV})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: dict[str, Run] = {}

    def command(name: str, summary: str, example: str, run: Run) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=summary, description=summary, formatter_class=fmt,
                           epilog=f"example:\n  {example}")
        p.add_argument("--db", default=argparse.SUPPRESS, help="database URL")
        p.add_argument("--key-file", default=argparse.SUPPRESS, metavar="FILE",
                       help="cipher key file")
        commands[name] = run
        return p

    for module in MODULES:
        module.register(command)
    return parser, commands


def main(argv: Sequence[str] | None = None, out: TextIO | None = None,
         err: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out = escaped(out or sys.stdout)
    err = escaped(err or sys.stderr)
    parser, commands = build_parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    except UsageError as exc:
        err.write(f"{_prog(argv)}: error: {exc}\n")
        return EXIT_USAGE
    try:
        return commands[args.command](args, out)
    except BrokenPipeError:  # the reader went away (| head): nothing more to say
        return EXIT_OK
    except (IncidentLogError, UsageError, OSError, ValueError) as exc:
        message = redact(str(exc)).replace("\n", " ")
        err.write(f"incidentlog {args.command}: error: {message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.write("incidentlog: interrupted\n")
        return 130


def _prog(argv: Sequence[str] | None) -> str:
    """``incidentlog`` and the command named in ``argv``, if any, for an error line."""
    words = list(sys.argv[1:] if argv is None else argv)
    _, commands = build_parser()
    name = next((w for w in words if w in commands), None)
    return f"incidentlog {name}" if name else "incidentlog"


__all__ = ["main"]
