"""Every code block marked ``python run`` in docs/ runs, in order, one namespace per file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
RUNNABLE = re.compile(r"^```python run\n(.*?)^```", re.S | re.M)
FILES = sorted(p for p in [*DOCS.rglob("*.md"), DOCS.parent / "README.md"]
               if RUNNABLE.search(p.read_text()))


def test_there_are_runnable_docs() -> None:
    assert {p.name for p in FILES} >= {"tutorial.md", "index.md", "README.md"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_doc_code_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    namespace: dict[str, object] = {"__name__": "__doc__"}
    monkeypatch.chdir(tmp_path)
    for n, block in enumerate(RUNNABLE.findall(path.read_text()), 1):
        try:
            exec(compile(block, f"{path.name} block {n}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message names the block
            raise AssertionError(f"{path.name} block {n} failed: {exc!r}\n{block}") from exc
