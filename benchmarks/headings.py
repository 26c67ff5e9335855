"""How long `incidentlog convert` takes on reports with many headings (layout is linear).

    .venv/bin/python benchmarks/headings.py [N ...]

Prints seconds per run; asserts nothing.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from incidentlog.cli import main


def report(n: int) -> str:
    lines = ["# INC-20251023-0001: Big", "", "## Timeline", "", "- 14:00 UTC - began", ""]
    for i in range(n):
        lines += ["#" * (2 + i % 5) + f" Extra {i}", "", f"text {i}", ""]
    return "\n".join(lines)


def run(n: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.md"
        path.write_text(report(n))
        start = time.perf_counter()
        code = main(["convert", str(path)], io.StringIO(), io.StringIO())
        elapsed = time.perf_counter() - start
    if code:
        raise SystemExit(f"convert failed on {n} headings")
    return elapsed


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [1_000, 10_000, 20_000]:
        print(f"{n:>7} headings: {run(n):.2f} s")
