"""The import contract: layers import downwards only, and persistence is sealed.

Read from the source with ``ast`` (every import, those inside functions too), so a lazy
import that closes a circle fails here as surely as one at the top of a module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "incidentlog"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("domain", ("errors", "events", "incident", "figures", "checks", "severity", "inputs",
                "urls", "merkle", "vocabulary", "index_rows", "values", "times", "prose",
                "corrections")),
    ("persistence", ("codec", "persistence", "store", "timetravel", "restore", "__init__")),
    ("services", ("audit", "blame", "integrity", "checkpoint", "readmodel", "feed", "stats")),
    ("reader/render", ("parse", "render", "changes", "files", "importer", "reimport",
                       "parallel")),
    ("cli/site", ("cli", "site")),
]
"""The layers, lowest first, and the modules (or packages) in each."""

SEALED = "persistence"
"""The one module that may import eventsourcing's persistence: recorders, mapper, app."""

EVENTSOURCING_INTERNALS = ("eventsourcing.persistence", "eventsourcing.application",
                           "eventsourcing.sqlite", "eventsourcing.postgres",
                           "eventsourcing.popo", "eventsourcing.projection",
                           "eventsourcing.system", "eventsourcing.domain", "eventsourcing.utils")


def layer_of(module: str) -> int:
    """The layer of a module named relative to the package (``store``, ``parse.house``)."""
    top = module.split(".")[0]
    for n, (_, members) in enumerate(LAYERS):
        if top in members:
            return n
    raise AssertionError(f"incidentlog.{module}: in no layer; add it to LAYERS")


def sources() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every module a file imports (``from incidentlog import x``
    names module ``incidentlog.x`` when there is one, else the package)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "incidentlog":
                for alias in node.names:
                    sub = SRC / alias.name
                    known = sub.is_dir() or sub.with_suffix(".py").is_file()
                    out.append((node.lineno, f"incidentlog.{alias.name}" if known
                                else "incidentlog"))
            else:
                out.append((node.lineno, node.module))
    return out


def _internal(name: str) -> str | None:
    if name == "incidentlog":
        return "__init__"
    return name.removeprefix("incidentlog.") if name.startswith("incidentlog.") else None


def test_every_module_is_in_a_layer() -> None:
    for module, _ in sources():
        layer_of(module)


@pytest.mark.parametrize(("module", "path"), sources(), ids=[m for m, _ in sources()])
def test_imports_point_down(module: str, path: Path) -> None:
    mine = layer_of(module)
    upward = []
    for line, name in imports(path):
        target = _internal(name)
        if target is None or target.split(".")[0] == module.split(".")[0]:
            continue
        if layer_of(target) > mine:
            upward.append(f"{path.name}:{line} imports incidentlog.{target} "
                          f"({LAYERS[layer_of(target)][0]} above {LAYERS[mine][0]})")
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize(("module", "path"), sources(), ids=[m for m, _ in sources()])
def test_only_persistence_imports_eventsourcing_persistence(module: str, path: Path) -> None:
    if module.split(".")[0] == SEALED:
        return
    leaks = [f"{path.name}:{line} imports {name}" for line, name in imports(path)
             if name.startswith(EVENTSOURCING_INTERNALS) or name == "eventsourcing"]
    assert not leaks, "\n".join(leaks)


def test_the_contract_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from incidentlog.cli import main\n", encoding="utf-8")
    assert imports(bad) == [(2, "incidentlog.cli")] and layer_of("cli") > layer_of("store")
    leaky = tmp_path / "leaky.py"
    leaky.write_text("from eventsourcing.persistence import StoredEvent\n", encoding="utf-8")
    assert imports(leaky)[0][1].startswith(EVENTSOURCING_INTERNALS)


def test_no_module_reaches_into_the_store_internals() -> None:
    """No module but the store and persistence touches ``.recorder``, ``.mapper`` or
    ``._app`` of a log (they are not there to touch)."""
    found = []
    for module, path in sources():
        if module in ("store", SEALED):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("recorder", "mapper",
                                                                  "_app", "_mapper"):
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert not found, "\n".join(found)
