"""Every shell and Python block of README.md and docs/ runs as written, in order, in a fresh
copy of the repository, and then a second time in the same directory.

A block is run when its fence says ``bash``, ``sh`` or ``python`` (``python run`` too). A
block that cannot run here says ``no-run`` after its language, and is listed in
:data:`NOT_RUN` with the reason, so none is left out silently. Shell blocks run with
``bash -e``, the ``incidentlog`` of this environment first on the PATH and a home
directory of their own; the Python blocks of one file share a namespace.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```([\w-]*)([^\n]*)\n(.*?)^```", re.S | re.M)
FIRST = ("README.md", "docs/tutorial.md", "docs/howto/index.md")
"""Files run first, in this order (the how-to reads the tutorial's database); the rest
follow in name order."""

SETUP = {("README.md", 1), ("README.md", 2)}
"""README's set-up commands: they create a virtual environment and install from the
package index, and the second is this test suite itself. CI runs them (.ci/run)."""

NOT_RUN = {
    "README.md": "the benchmarks take minutes; installing the site's extra needs the package "
                 "index, and serve runs until stopped",
    "docs/howto/index.md": "needs a PostgreSQL server",
    "docs/performance.md": "the benchmarks take minutes; instruction counts need valgrind "
                           "(benchmarks/followups.py --quick runs in test_quality)",
    "docs/reliability.md": "runs the test suite itself",
}
"""Files with a ``no-run`` block, and why."""

SHELLS = ("bash", "sh")


def documents() -> list[str]:
    rest = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("docs/**/*.md")]
                  if str(p.relative_to(ROOT)) not in FIRST)
    return [*FIRST, *rest]


def blocks(name: str) -> list[tuple[int, str, bool, str]]:
    """(number, language, no-run, code) of each shell or Python block of a file."""
    out = []
    for n, (lang, info, code) in enumerate(BLOCK.findall((ROOT / name).read_text()), 1):
        if lang in (*SHELLS, "python"):
            out.append((n, lang, "no-run" in info, code))
    return out


def fresh_copy(target: Path) -> Path:
    """The repository as a fresh clone has it: no databases, environments or caches."""
    ignore = shutil.ignore_patterns(".git", ".venv", "*.db", "__pycache__", ".*_cache",
                                    "*.egg-info", "*.position")
    shutil.copytree(ROOT, target, ignore=ignore)
    shutil.copy(ROOT / "tests" / "fixtures" / "store-v1.db", target / "tests" / "fixtures")
    return target


def run_all(where: Path, env: dict[str, str]) -> None:
    for name in documents():
        namespace: dict[str, object] = {"__name__": "__doc__"}
        for n, lang, no_run, code in blocks(name):
            if no_run or (name, n) in SETUP:
                continue
            label = f"{name} block {n}"
            if lang in SHELLS:
                done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], cwd=where,
                                      env=env, capture_output=True, text=True, timeout=120)
                assert done.returncode == 0, f"{label} failed:\n{code}\n{done.stderr}"
                assert "Traceback" not in done.stderr, f"{label}:\n{done.stderr}"
            else:
                try:
                    exec(compile(code, label, "exec"), namespace)
                except Exception as exc:  # pragma: no cover - the message names the block
                    raise AssertionError(f"{label} failed: {exc!r}\n{code}") from exc


def test_no_run_blocks_are_the_listed_ones() -> None:
    found = {name for name in documents() for _, _, no_run, _ in blocks(name) if no_run}
    assert found == set(NOT_RUN)
    assert {name for name, _ in SETUP} <= set(documents())


def test_every_block_runs_twice_in_a_fresh_copy(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    where = fresh_copy(tmp_path / "clone")
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENTLOG_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(tmp_path / "home")  # blocks may keep files in ~ (a signing key)
    (tmp_path / "home").mkdir()
    monkeypatch.chdir(where)
    for name in [k for k in os.environ if k.startswith("INCIDENTLOG_")]:
        monkeypatch.delenv(name)
    run_all(where, env)
    run_all(where, env)


def test_readme_first_screen_keeps_its_two_set_up_commands() -> None:
    shell = [code for lang, _, code in BLOCK.findall((ROOT / "README.md").read_text())
             if lang == "bash"]
    commands = [[line for line in block.splitlines() if not line.startswith("#")]
                for block in shell[:2]]
    assert commands[0] == ["python3 -m venv .venv && .venv/bin/pip install -q . && "
                           ".venv/bin/incidentlog import examples/reports && "
                           ".venv/bin/incidentlog list"]
    assert commands[1] == ["python3 -m venv .venv && .venv/bin/pip install -q -e "
                           "'.[test,postgres]' && .venv/bin/pytest"], "CI runs this one"
