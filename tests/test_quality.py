"""The code stays ruff- and mypy --strict-clean, and every example runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]')")
    return found


def test_ruff_is_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "src", "tests", "examples", "benchmarks"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([_tool("mypy"), "--strict", "src/incidentlog"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "examples").glob("*.py")
                                           if p.name != "follow_feed.py"))
def test_example_runs(script: str, tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script),
                             f"sqlite:///{tmp_path / 'example.db'}"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip()


def test_follow_feed_only_reads_and_describes_each_change(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'followed.db'}"
    seed = [sys.executable, str(ROOT / "examples" / "seed_incidents.py"), url]
    follow = [sys.executable, str(ROOT / "examples" / "follow_feed.py"), url]
    empty = subprocess.run(follow, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert empty.returncode == 0 and empty.stdout == "", "nothing declared into what it follows"
    subprocess.run(seed, cwd=tmp_path, capture_output=True, check=True, timeout=120)
    first = subprocess.run(follow, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0].startswith("[1] INC-20251023-0001 v1 ")
    from incidentlog import IncidentLog
    from incidentlog import events as ev

    with IncidentLog(url) as log:
        before = len(list(log.changes()))
        at = log.get("INC-20251023-0001").resolved_at
        log.append("INC-20251023-0001", ev.SeverityChanged(occurred_at=at, actor="@x",
                                                           severity="P0"))
    again = subprocess.run(follow, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [
        f"[{before + 1}] INC-20251023-0001 v34 @x: escalated P1 -> P0"], "resumes, knows P1"
    with IncidentLog(url) as log:
        assert len(list(log.changes())) == before + 1, "the follower wrote nothing"


def test_benchmarks_smoke_run() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "append 20x6 events, sqlite" in result.stdout and "x" in result.stdout


def test_followups_benchmark_smoke_run() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "followups.py"),
                             "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "actions --overdue from the index" in result.stdout


@pytest.mark.parametrize("mode", ["none", "ours-append", "raw-append", "ours-replay",
                                  "raw-replay"])
def test_instruction_count_workloads_run(mode: str) -> None:
    """benchmarks/instructions.py runs these under valgrind, which CI lacks: run them bare."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import instructions
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    result = subprocess.run([sys.executable, "-c", instructions._CHILD,
                             str(ROOT / "benchmarks"), mode, "3"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
