"""Legacy Markdown reports: check, convert, import."""

from __future__ import annotations

import argparse
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
from incidentlog.importer import MARKDOWN_SUFFIXES, import_paths, markdown_files
from incidentlog.parse import import_markdown
from incidentlog.parse.explain import explain
from incidentlog.render import render_markdown, to_json


def _is_file(target: str) -> bool:
    return target.lower().endswith(MARKDOWN_SUFFIXES) or Path(target).is_file()


def _read(name: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from None


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
    results: list[tuple[str, Finding]] = []
    files = [t for t in args.targets if _is_file(t)]
    ids = [t for t in args.targets if not _is_file(t)]
    for name in files:
        imported = import_markdown(_read(name), source=name)
        results += [(imported.incident.id, f)
                    for f in check(imported.incident, template=args.template)]
    if ids:
        with open_log(args) as log:
            for incident_id in ids:
                incident = log.get(incident_id)
                results += [(incident_id, f) for f in check(incident, template=args.template)]
    return report_findings(results, args.json, out)


def cmd_convert(args: argparse.Namespace, out: TextIO) -> int:
    _vocabulary(args)
    data = _read(args.file)
    imported = import_markdown(data, source=args.file)
    if args.explain:
        text = data.decode("utf-8", "replace")
        out.write("\n".join(explain(imported, text)) + "\n")
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
    files = list(markdown_files(args.paths))
    if not files:
        raise UsageError(f"no Markdown files in {', '.join(args.paths)}")

    def progress(n: int, path: Path) -> None:
        if show:
            sys.stderr.write(f"\r[{n}/{len(files)}] {str(path)[-60:]:<60}")
            sys.stderr.flush()

    with open_log(args) as log:
        summary = import_paths(log, files, actor=args.actor, progress=progress)
    if show:
        sys.stderr.write("\r" + " " * 72 + "\r")
    if args.json:
        print_json({
            "files": [attrs.asdict(o, recurse=False, filter=lambda a, v: a.name != "findings")
                      | {"findings": [finding_dict(f, o.incident_id) for f in o.findings]}
                      for o in summary.outcomes],
            "imported": summary.count("imported"), "updated": summary.count("updated"),
            "skipped": summary.count("skipped"), "failed": summary.count("failed"),
            "findings_by_code": dict(summary.findings_by_code()),
        }, out)
    else:
        for outcome in summary.outcomes:
            if outcome.status == "failed":
                out.write(f"failed: {outcome.error}\n")
            elif args.verbose or outcome.status == "updated":
                out.write(f"{outcome.status}: {outcome.path} -> {outcome.incident_id} "
                          f"({outcome.appended} events)\n")
        by_code = ", ".join(f"{code} {n}" for code, n in
                            sorted(summary.findings_by_code().items())) or "none"
        out.write(f"imported {summary.count('imported')}, updated {summary.count('updated')}, "
                  f"skipped {summary.count('skipped')} (unchanged), "
                  f"failed {summary.count('failed')}; "
                  f"findings: {by_code}\n")
    return EXIT_USAGE if summary.count("failed") else EXIT_OK


def register(command: Command) -> None:
    """Add check, convert and import."""
    chk = command("check", "Findings for Markdown files or stored incidents (exit 1 on an "
                  "error).", "incidentlog check report.md INC-20251023-0001 --json", cmd_check)
    chk.add_argument("targets", nargs="+", metavar="FILE.md|ID",
                     help="a Markdown report (or - for standard input), or a stored id")
    chk.add_argument("--template", choices=("a", "b"), default=None,
                     help="also report what this template needs")
    chk.add_argument("--json", action="store_true", help="findings as JSON")

    conv = command("convert", "Convert a legacy Markdown report (no database involved).",
                   "incidentlog convert postmortem.md --to markdown --template b", cmd_convert)
    conv.add_argument("file", metavar="FILE", help="a Markdown report, or - for standard input")
    conv.add_argument("--to", choices=("json", "markdown"), default="markdown")
    conv.add_argument("--template", choices=("a", "b"), default=None,
                      help="house format (default: the one the report is closest to)")
    conv.add_argument("--explain", action="store_true",
                      help="say, line by line, what each part became, with a coverage figure")

    imp = command("import", "Import Markdown reports (files or folders) into the database.",
                  "incidentlog import postmortems/ --db sqlite:///incidents.db", cmd_import)
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--actor", default="import", help="who is recorded as importing")
    imp.add_argument("--json", action="store_true", help="the summary as JSON")
    imp.add_argument("--verbose", "-v", action="store_true", help="a line for every file")
    for parser in (chk, conv, imp):
        parser.add_argument("--vocabulary", metavar="FILE", default=None,
                            help="a TOML file of the team's own headings, phrases and "
                            "severities (default: ./incidentlog.toml, or "
                            "[tool.incidentlog.vocabulary] in ./pyproject.toml)")
