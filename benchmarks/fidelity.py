"""Fidelity: what the importer reads from real reports, against what a careful reader found.

Run: python benchmarks/fidelity.py [--shared ../shared] [--markdown] [--show FIELD]

Each ``benchmarks/fidelity/<archive>.json`` (format: ``benchmarks/fidelity/SPEC.md``) holds,
for every report of one archive, the facts people wrote down by reading it. Each report is
imported and compared field by field; a report the importer refuses scores nothing. Printed:
per-field accuracy per archive and overall, the share imported, the share that is a fixed
point (render in template A and in template B, import again: the same incident), and
invented times (a time the importer gives where the reader wrote that one cannot tell).
Nothing is asserted: this measures.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from incidentlog.errors import InputError
from incidentlog.incident import Incident
from incidentlog.parse import ImportResult, import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "fidelity"
TIMES = {"began": "began_at", "detected": "detected_at", "mitigated": "mitigated_at",
         "resolved": "resolved_at"}
FIELDS = ("title", "severity", *TIMES, "stated_duration_minutes", "status", "timeline_entries",
          "action_items", "lessons", "contributing_factors", "root_cause", "resolution")
DURATIONS = ("duration_minutes", "time_to_resolve_minutes", "time_to_repair_minutes",
             "time_to_mitigate_minutes")


def plain(text: str) -> str:
    """Text with Markdown markup dropped and white space collapsed, for comparing phrases."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`]+", "", text.replace("\\", ""))
    return " ".join(text.split())


def _minute(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ") if at else None


def _severity(incident: Incident) -> str | None:
    written = getattr(incident, "severity_label", None)
    return written or incident.severity


def _stated_duration(result: ImportResult) -> float | None:
    stated = {s.figure: s.value for s in getattr(result, "stated", result.incident.stated)}
    return next((stated[f] for f in DURATIONS if f in stated), None)


def _root_text(incident: Incident) -> str:
    root = incident.root_cause
    if root is None:
        return ""
    parts = [root.summary, root.immediate_cause, *root.causes,
             *(w.answer for w in root.whys)]
    return plain("\n".join(p for p in parts if p))


def _resolution_text(incident: Incident) -> str:
    parts = [incident.resolution]
    if incident.mitigation is not None:
        parts += [incident.mitigation.action, incident.mitigation.why_it_worked]
    return plain("\n".join(p for p in parts if p))


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def score(expected: dict[str, Any], result: ImportResult) -> dict[str, bool]:
    """Each field of one report: right or not."""
    i = result.incident
    got: dict[str, bool] = {}
    got["title"] = _fold(plain(i.title)) == _fold(expected.get("title") or "")
    want = expected.get("severity")
    have = _severity(i)
    got["severity"] = (have is None) if want is None else (
        have is not None and _fold(have) == _fold(want))
    for field, attr in TIMES.items():
        want_times = expected.get(field)
        at = _minute(getattr(i, attr))
        got[field] = at is None if not want_times else at in want_times
    want_d = expected.get("stated_duration_minutes")
    have_d = _stated_duration(result)
    got["stated_duration_minutes"] = have_d is None if want_d is None else (
        have_d is not None and abs(have_d - float(want_d)) <= 1)
    got["status"] = i.status == (expected.get("status") or "resolved").lower()
    got["timeline_entries"] = len(i.timeline) == expected.get("timeline_entries", 0)
    got["action_items"] = len(i.action_items) == expected.get("action_items", 0)
    got["lessons"] = len(i.lessons) == expected.get("lessons", 0)
    factors = len(i.root_cause.contributing_factors) if i.root_cause else 0
    got["contributing_factors"] = factors == expected.get("contributing_factors", 0)
    for field, text in (("root_cause", _root_text(i)), ("resolution", _resolution_text(i))):
        phrase = expected.get(field)
        phrases = phrase if isinstance(phrase, list) else [phrase]  # several: any one
        got[field] = (not text) if phrase is None else any(plain(p) in text for p in phrases)
    return got


def invented(expected: dict[str, Any], incident: Incident) -> list[str]:
    """Time fields the importer fills where the reader wrote that one cannot tell."""
    return [f for f, attr in TIMES.items()
            if expected.get(f) is None and getattr(incident, attr) is not None]


def fixed_point(result: ImportResult) -> bool:
    """Rendered in either template and imported again, the same incident."""
    for template in ("a", "b"):
        rendered = render_markdown(result.incident, template)
        try:
            again = import_markdown(rendered, source="rendered.md")
        except InputError:
            return False
        if differences(result.incident, again.incident, seconds=template == "b"):
            return False
    return True


def run(shared: Path, only: str | None = None, show: str | None = None) -> list[dict[str, Any]]:
    """Score every archive's file; one summary row per archive."""
    rows = []
    for data_file in sorted(DATA.glob("*.json")):
        data = json.loads(data_file.read_text(encoding="utf-8"))
        if only and data["archive"] != only:
            continue
        folder = shared / data["path"]
        right: dict[str, int] = defaultdict(int)
        reports = data.get("reports", {})
        imported = fixed = invented_times = refused_right = 0
        for name, expected in sorted(reports.items()):
            path = folder / name
            try:
                result = import_markdown(path.read_bytes(), source=name)
            except (InputError, OSError) as exc:
                if show:
                    print(f"{name}: REFUSED {exc}")
                continue
            imported += 1
            got = score(expected, result)
            for field, ok in got.items():
                right[field] += ok
                if show in (field, "all") and not ok:
                    print(f"{data['archive']}/{name}: {field}: expected "
                          f"{expected.get(field)!r}, got {_shown(field, result)!r}")
            bad = invented(expected, result.incident)
            invented_times += len(bad)
            fixed += fixed_point(result)
        for name in data.get("not_reports", {}):
            try:
                import_markdown((folder / name).read_bytes(), source=name)
            except (InputError, OSError):
                refused_right += 1
        rows.append({"archive": data["archive"], "reports": len(reports),
                     "imported": imported, "fixed": fixed, "invented": invented_times,
                     "not_reports": len(data.get("not_reports", {})),
                     "refused_right": refused_right, "right": dict(right)})
    return rows


def _shown(field: str, result: ImportResult) -> object:
    i = result.incident
    if field in TIMES:
        return _minute(getattr(i, TIMES[field]))
    return {"title": i.title, "severity": _severity(i), "status": i.status,
            "stated_duration_minutes": _stated_duration(result),
            "timeline_entries": len(i.timeline), "action_items": len(i.action_items),
            "lessons": len(i.lessons),
            "contributing_factors": len(i.root_cause.contributing_factors) if i.root_cause
            else 0, "root_cause": _root_text(i)[:200],
            "resolution": _resolution_text(i)[:200]}.get(field)


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table: one column per archive and one for all of them."""
    total = {"archive": "all", "reports": 0, "imported": 0, "fixed": 0, "invented": 0,
             "not_reports": 0, "refused_right": 0, "right": defaultdict(int)}
    for row in rows:
        for key in ("reports", "imported", "fixed", "invented", "not_reports", "refused_right"):
            total[key] += row[key]
        for field, n in row["right"].items():
            total["right"][field] += n
    cols = [*rows, total]
    out = ["| field | " + " | ".join(f"{c['archive']} ({c['reports']})" for c in cols) + " |",
           "|---" * (len(cols) + 1) + "|"]
    out.append("| imported | " + " | ".join(_pct(c["imported"], c["reports"]) for c in cols)
               + " |")
    for field in FIELDS:
        out.append(f"| {field} | " + " | ".join(
            _pct(c["right"].get(field, 0), c["reports"]) for c in cols) + " |")
    out.append("| fixed point (A and B) | " + " | ".join(
        _pct(c["fixed"], c["reports"]) for c in cols) + " |")
    out.append("| invented times | " + " | ".join(str(c["invented"]) for c in cols) + " |")
    out.append("| non-reports refused | " + " | ".join(
        f"{c['refused_right']}/{c['not_reports']}" for c in cols) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the folder that holds corpus/, archives/ and seeds/")
    parser.add_argument("--archive", help="score only this archive")
    parser.add_argument("--show", help="print each miss of FIELD (or 'all')")
    args = parser.parse_args(argv)
    if not args.shared.is_dir():
        print(f"{args.shared}: not found (give --shared)", file=sys.stderr)
        return 2
    rows = run(args.shared, args.archive, args.show)
    if not rows:
        print(f"no expectations in {DATA}", file=sys.stderr)
        return 2
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
