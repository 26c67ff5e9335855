"""A team's own words, without code: a TOML vocabulary file."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from incidentlog import severity, vocabulary
from incidentlog.cli import main
from incidentlog.parse import import_markdown

REPORT = """\
# Checkout down

**Severity**: Code Red

## What broke

The cache filled up.

## Timeline

- 2024-05-01 10:00 Pager went off for checkout
- 10:30 All green on the dashboard

## Homework

- Add a cache size alert
"""

WORDS = """\
[headings]
root_cause = ["What broke"]
actions = "Homework"

[phrases]
detected = ["pager went off"]
resolved = ["all green"]

[severities]
"Code Red" = 0
"""


@pytest.fixture
def restored() -> Iterator[None]:
    """The vocabulary as it was before the test added words to it."""
    saved = (dict(vocabulary.ROLES), dict(vocabulary._BY_HEADING),
             dict(vocabulary.LIFECYCLE_WORDS), dict(severity.WORDS), vocabulary._LIFECYCLE)
    yield
    roles, by_heading, words, ranks, lifecycle = saved
    for target, source in ((vocabulary.ROLES, roles), (vocabulary._BY_HEADING, by_heading),
                           (vocabulary.LIFECYCLE_WORDS, words), (severity.WORDS, ranks)):
        target.clear()
        target.update(source)  # type: ignore[attr-defined]
    vocabulary._LIFECYCLE = lifecycle


def test_a_teams_words_are_read_once_its_vocabulary_file_is_loaded(tmp_path: Path,
                                                                   restored: None) -> None:
    before = import_markdown(REPORT).incident
    assert before.root_cause is None and not before.action_items and before.severity is None
    (tmp_path / "incidentlog.toml").write_text(WORDS)
    assert vocabulary.discover(tmp_path) == tmp_path / "incidentlog.toml"
    vocabulary.load(tmp_path / "incidentlog.toml")
    after = import_markdown(REPORT).incident
    assert after.root_cause is not None and after.root_cause.summary == "The cache filled up."
    assert [a.title for a in after.action_items] == ["Add a cache size alert"]
    assert after.severity == "Code Red" and after.severity_rank == 0
    assert after.detected_at is not None and after.detected_at.strftime("%H:%M") == "10:00"
    assert after.resolved_at is not None and after.resolved_at.strftime("%H:%M") == "10:30"


def test_pyproject_holds_the_words_under_tool_incidentlog(tmp_path: Path,
                                                          restored: None) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n" + WORDS.replace("[", "[tool.incidentlog.vocabulary.")
        .replace('[tool.incidentlog.vocabulary."', '["'))
    assert vocabulary.discover(tmp_path) == tmp_path / "pyproject.toml"
    vocabulary.load(tmp_path / "pyproject.toml")
    assert vocabulary.heading_role("Homework") == "actions"


@pytest.mark.parametrize(("text", "message"), [
    ("[headings]\nmystery = ['x']\n", "'mystery' is not a role"),
    ("[phrases]\nbegan = 3\n", "expected a string or a list of strings"),
    ("[severities]\n'Code Red' = 9\n", "must be a rank 0-5"),
    ("[colours]\nred = 1\n", "unknown table [colours]"),
    ("not = toml = here\n", "not TOML"),
])
def test_a_bad_vocabulary_file_is_one_line_on_the_command_line(tmp_path: Path, text: str,
                                                                message: str,
                                                                restored: None) -> None:
    words = tmp_path / "words.toml"
    words.write_text(text)
    report = tmp_path / "r.md"
    report.write_text(REPORT)
    out, err = io.StringIO(), io.StringIO()
    code = main(["convert", str(report), "--vocabulary", str(words)], out, err)
    assert code != 0 and message in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1 and "Traceback" not in err.getvalue()
