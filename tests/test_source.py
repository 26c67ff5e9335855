"""The reader's block parse: mistune's, with a list item's content left unparsed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mistune
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidentlog.parse.source import _block_tokens, decode

from conftest import SHARED

_FULL = mistune.create_markdown(renderer=None, plugins=["table", "task_lists"])
ROOT = Path(__file__).resolve().parents[1]
FILES = sorted({*SHARED.rglob("*.md"), *(ROOT / "examples").rglob("*.md")})

TRICKY = [
    "- a\n  - nested\n    ```\n    # not a heading\n    ```\n- b\n\n# Heading\n",
    "1. one\n\n   para in item\n\n2. two\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "* x\n\n      indented code in an item\n* y\n---\nafter\n",
    "- [ ] task\n- [x] done\n\n  lazy\ncontinuation\n\n- > quoted in an item\n",
    "- a\n" * 50 + "\n" + "  " * 40 + "- deep\n",
    "> - list in a quote\n>   more\n> # heading in a quote\n\nText\n===\n",
]


def _top(tokens: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Top-level tokens without their children (what the readers use of them)."""
    return [(t["type"], t.get("attrs"), t.get("style"), t.get("raw"), t.get("text"))
            for t in tokens if t["type"] != "blank_line"]


def _full(text: str) -> list[tuple[Any, ...]]:
    state = _FULL.block.state_cls()
    state.process(text if text.endswith("\n") else text + "\n")
    _FULL.block.parse(state)
    return _top(list(state.tokens))


@pytest.mark.parametrize("text", TRICKY)
def test_same_top_level_blocks_as_a_full_parse(text: str) -> None:
    assert _top(_block_tokens(text)) == _full(text)


def test_same_top_level_blocks_in_every_report_at_hand() -> None:
    if not FILES:
        pytest.skip("no reports at hand")
    for path in FILES:
        text = decode(path.read_bytes())
        assert _top(_block_tokens(text)) == _full(text), path


def test_list_items_are_not_parsed() -> None:
    (token,) = [t for t in _block_tokens("- a\n  - b\n") if t["type"] == "list"]
    assert [item["children"] for item in token["children"]] == [[]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["- a", "  - b", "1. c", "   x", "", "```", "    code",
                                 "> q", "# h", "---", "| a |", "|---|", "text", "* [ ] t",
                                 "\tt", "===", "<div>", "  ", "2) d"]), max_size=30))
def test_same_top_level_blocks_for_any_mix(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert _top(_block_tokens(text)) == _full(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["- a", "  - b", "1. c", "   x", "", "```", "    code", "> q",
                                 "# h", "---", "| a |", "|---|", "text", "* [ ] t", "\tt",
                                 "+ e", "   - f", "10. g", "-", "1.", "> - h", "~~~",
                                 "      deep", "* * *", "2) d", "<div>"]), max_size=30))
def test_lean_list_parse_gives_the_same_tokens(lines: list[str]) -> None:
    """The list parse without item sources (patterns compiled once) gives every token,
    children included, as mistune's own ``parse_list`` under the same parser."""
    import incidentlog.parse.source as source

    text = "\n".join(lines)
    lean = _block_tokens(text)
    source._LEAN_LISTS = False
    try:
        assert _block_tokens(text) == lean
    finally:
        source._LEAN_LISTS = True
