"""Legacy Markdown reports: check, convert, import."""

from __future__ import annotations

import argparse
import codecs
import os
import sys
from pathlib import Path
from typing import TextIO

import attrs

from incidentlog import vocabulary
from incidentlog.checks import Finding, check
from incidentlog.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    Command,
    UsageError,
    finding_dict,
    open_log,
    print_json,
    report_findings,
)
from incidentlog.errors import IncidentNotFoundError, InputError
from incidentlog.events import Source
from incidentlog.files import (
    MARKDOWN_SUFFIXES,
    Passed,
    read_bounded,
    read_stream,
    shown,
    to_text,
    walk,
)
from incidentlog.importer import Summary, import_paths
from incidentlog.parse import DEFAULT_LIMITS, import_markdown
from incidentlog.parse.explain import explain
from incidentlog.render import render_markdown, to_json


def _is_file(target: str) -> bool:
    """A path rather than an incident id (ids hold no slash)."""
    return target.lower().endswith(MARKDOWN_SUFFIXES) or "/" in target or \
        os.sep in target or Path(target).exists()


def _read(name: str, encoding: str | None = None) -> tuple[str | bytes, Finding | None]:
    """A document named on the command line (``-``: standard input), bounded in size, and
    a finding if it was not UTF-8."""
    limit = DEFAULT_LIMITS.max_bytes
    if name == "-":
        data = read_stream(sys.stdin.buffer, limit, "<stdin>")
    else:
        data = read_bounded(name, limit)
    return to_text(data, "<stdin>" if name == "-" else shown(name), encoding)


def _check_file(path: Path, template: str | None, encoding: str | None
                ) -> tuple[str, list[Finding], bool]:
    """The findings of one file (or of why it is not one), and whether it could be read."""
    name = shown(path)
    try:
        text, encoded = _read(str(path), encoding)
        result = import_markdown(text, source=None if name == "-" else name)
    except InputError as exc:
        message = str(exc).split("\n")[0].removeprefix(f"{name}: ")
        # A blank template, a README, an empty or binary file: not a report, as import
        # says when it passes over them; a warning, never fatal to the run.
        if message.startswith("a template: ") or "not an incident report" in message or \
                "empty document" in message or "binary data" in message:
            return name, [Finding("not-a-report", "warning", message, Source(name, 1))], True
        return name, [Finding("unreadable", "error", message, Source(name, 1))], False
    base = check(result.incident)
    own = [f for f in result.findings if f not in base]  # what reading found, not the checks
    found = [*([encoded] if encoded else []), *own,
             *check(result.incident, template=template)]
    return result.incident.id, found, True


def _vocabulary(args: argparse.Namespace) -> None:
    """A team's own words: --vocabulary FILE, else incidentlog.toml or pyproject.toml here."""
    path = args.vocabulary or vocabulary.discover()
    if path is None:
        return
    try:
        vocabulary.load(path)
    except vocabulary.VocabularyError as exc:
        raise UsageError(str(exc)) from None


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    _vocabulary(args)
    _known_encoding(args.encoding)
    results: list[tuple[str, Finding]] = []
    readable = True
    ids = []
    files = 0
    for target in args.targets:
        if target != "-" and not Path(target).is_dir() and not _is_file(target):
            ids.append(target)
            continue
        for found in (walk([target]) if target != "-" else [Path("-")]):
            if isinstance(found, Passed):
                results.append((found.path, Finding("not-a-report", "warning", found.reason,
                                                    Source(found.path, 1))))
                continue
            where, findings, ok = _check_file(found, args.template, args.encoding)
            readable = readable and ok
            results += [(where, f) for f in findings]
            files += 1
    if ids:
        with open_log(args, read_only=True) as log:
            for incident_id in ids:
                try:
                    incident = log.get(incident_id)
                except IncidentNotFoundError as exc:
                    results.append((incident_id, Finding("unreadable", "error", str(exc))))
                    readable = False
                    continue
                results += [(incident_id, f) for f in check(incident, template=args.template)]
    status = report_findings(results, args.json, out)
    if not args.json and files:
        out.write(f"checked {files} file(s)\n")
    return status if readable else EXIT_USAGE


def cmd_convert(args: argparse.Namespace, out: TextIO) -> int:
    _known_encoding(args.encoding)
    _vocabulary(args)
    text, _ = _read(args.file, args.encoding)
    imported = import_markdown(text, source=None if args.file == "-" else args.file)
    if args.explain:
        shown_text = text if isinstance(text, str) else text.decode("utf-8", "replace")
        out.write("\n".join(explain(imported, shown_text)) + "\n")
        return EXIT_OK
    if args.to == "json":
        out.write(to_json(imported.incident).decode() + "\n")
    else:
        template = args.template or ("b" if imported.layout == "template-b" else "a")
        out.write(render_markdown(imported.incident, template))
    return EXIT_OK


def cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    _vocabulary(args)
    show = sys.stderr.isatty() and not args.json
    found = list(walk(args.paths, args.exclude))
    if not found:
        raise UsageError(f"no Markdown files in {', '.join(args.paths)}")
    total = sum(isinstance(f, Path) for f in found)
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: give at least 1")
    _known_encoding(args.encoding)

    def progress(n: int, path: Path) -> None:
        if show:
            sys.stderr.write(f"\r[{n}/{total}] {str(path)[-60:]:<60}")
            sys.stderr.flush()

    with open_log(args) as log:
        summary = import_paths(log, args.paths, actor=args.actor, progress=progress,
                               exclude=args.exclude, encoding=args.encoding,
                               workers=args.jobs)
    if show:
        sys.stderr.write("\r" + " " * 72 + "\r")
    if args.json:
        print_json({
            "files": [attrs.asdict(o, recurse=False, filter=lambda a, v: a.name != "findings")
                      | {"findings": [finding_dict(f, o.incident_id) for f in o.findings]}
                      for o in summary.outcomes],
            "imported": summary.count("imported"), "updated": summary.count("updated"),
            "skipped": summary.count("skipped"), "failed": summary.count("failed"),
            "ignored": summary.count("ignored"),
            "ignored_by_reason": dict(summary.ignored_by_reason()),
            "findings_by_code": dict(summary.findings_by_code()),
        }, out)
    else:
        _print_summary(summary, args.verbose, out)
    return EXIT_USAGE if summary.count("failed") else EXIT_OK


def _print_summary(summary: Summary, verbose: bool, out: TextIO) -> None:
    for outcome in summary.outcomes:
        if outcome.status == "failed":
            out.write(f"failed: {outcome.error}\n")
        elif outcome.status == "ignored":
            out.write(f"ignored: {outcome.path}: {outcome.reason}\n")
        elif verbose or outcome.status == "updated" or outcome.reason:
            why = f": {outcome.reason}" if outcome.reason else ""
            out.write(f"{outcome.status}: {outcome.path} -> {outcome.incident_id} "
                      f"({outcome.appended} events){why}\n")
    by_code = ", ".join(f"{code} {n}" for code, n in
                        sorted(summary.findings_by_code().items())) or "none"
    ignored = ", ".join(f"{n} {kind}" for kind, n in sorted(summary.ignored_by_reason().items()))
    out.write(f"imported {summary.count('imported')}, updated {summary.count('updated')}, "
              f"skipped {summary.count('skipped')} (unchanged), "
              f"failed {summary.count('failed')}, "
              f"ignored {summary.count('ignored')}{f' ({ignored})' if ignored else ''}; "
              f"findings: {by_code}\n")


def _known_encoding(name: str | None) -> None:
    if name is not None:
        try:
            text = getattr(codecs.lookup(name), "_is_text_encoding", True)
        except LookupError:
            text = False
        if not text:  # rot13, base64...: codecs, but not for text
            raise UsageError(f"unknown encoding {name!r} (--encoding)")


def _encoding_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoding", default=None, metavar="NAME",
                        help="read files in this encoding (default: UTF-8, else a detected "
                        "legacy encoding, with a warning)")


def register(command: Command) -> None:
    """Add check, convert and import."""
    chk = command("check", "Findings for Markdown files or stored incidents (exit 1 on an "
                  "error).", "incidentlog check report.md INC-20251023-0001 --json", cmd_check)
    chk.add_argument("targets", nargs="+", metavar="FILE.md|FOLDER|ID",
                     help="a Markdown report (or - for standard input), a folder of them, "
                     "or a stored id")
    _encoding_option(chk)
    chk.add_argument("--template", choices=("a", "b"), default=None,
                     help="also report what this template needs")
    chk.add_argument("--json", action="store_true", help="findings as JSON")

    conv = command("convert", "Convert a legacy Markdown report (no database involved).",
                   "incidentlog convert postmortem.md --to markdown --template b", cmd_convert)
    conv.add_argument("file", metavar="FILE", help="a Markdown report, or - for standard input")
    conv.add_argument("--to", choices=("json", "markdown"), default="markdown")
    _encoding_option(conv)
    conv.add_argument("--template", choices=("a", "b"), default=None,
                      help="house format (default: the one the report is closest to)")

    imp = command("import", "Import Markdown reports (files or folders) into the database.",
                  "incidentlog import postmortems/ --db sqlite:///incidents.db", cmd_import)
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--actor", default="import", help="who is recorded as importing")
    imp.add_argument("--json", action="store_true", help="the summary as JSON")
    imp.add_argument("--verbose", "-v", action="store_true", help="a line for every file")
    imp.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                     help="pass over files and folders matching GLOB (by name or path below "
                     "the folder named; repeatable)")
    _encoding_option(imp)
    imp.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                     help="parse in N processes: the writer and N-1 workers "
                     "(default: one per core)")
    conv.add_argument("--explain", action="store_true",
                      help="say, line by line, what each part became, with a coverage figure")
    for parser in (chk, conv, imp):
        parser.add_argument("--vocabulary", metavar="FILE", default=None,
                            help="a TOML file of the team's own headings, phrases and "
                            "severities (default: ./incidentlog.toml, or "
                            "[tool.incidentlog.vocabulary] in ./pyproject.toml)")
