"""Which documents are incident reports: every one that reads as one; not indexes or READMEs."""

from __future__ import annotations

import pytest

from incidentlog.errors import InputError
from incidentlog.parse import import_markdown

STORY = """# Requiem for the old test network

The old test network lived for three months.

## What happened before

Two validators ran different versions. A transaction made the second one fail:

```
2019-03-14T09:18:17.212Z node:error Cannot read property of undefined
```

The first validator accepted the block; the second rejected it. Every attempt to revive the
network failed.
"""


def test_a_story_under_headings_of_its_own_is_a_report() -> None:
    incident = import_markdown(STORY, source="requiem.md").incident
    assert incident.title == "Requiem for the old test network"


RUNNING_LOG = """# Relay incidents

## September 2021

September 28, 2021
**Relayer outage**

Relayers were taken offline for upgrades and will be back soon.

September 26, 2021
* Our validator suffered downtime after an unplanned reboot.
  * Resolution status: resolved
"""


def test_a_running_log_of_dated_incidents_is_a_report() -> None:
    assert import_markdown(RUNNING_LOG, source="README.md").incident.title == "Relay incidents"


def test_a_report_with_no_known_headings_needs_words_of_an_incident() -> None:
    with pytest.raises(InputError, match=r"^n.md: not an incident report"):
        import_markdown("# Release notes\n\n## 1.2.0\n\n- Faster start on 2024-01-02.\n"
                        "- A crash on exit is gone.\n", source="n.md")


INDEX = """# Action items from 2025 retrospectives

| Action item | Source | Owner |
|---|---|---|
| Add load tests | [0127.md](2025/0127.md) | Team |
| Run the full suite | [0207.md](2025/0207.md) | Ops |
| Subscribe to alerts | [0207.md](2025/0207.md) | Ops |

## Root causes

| Cause | Source |
|---|---|
| A patch was consensus breaking | [0207.md](2025/0207.md) |
"""


def test_an_index_of_other_reports_is_refused_saying_so() -> None:
    with pytest.raises(InputError) as caught:
        import_markdown(INDEX, source="action_items.md")
    message = str(caught.value)
    assert message.startswith("action_items.md: not an incident report (an index: 4 of its")
    assert "\n" not in message


def test_links_to_pull_requests_do_not_make_a_report_an_index() -> None:
    report = ("# Checkout errors\n\n## Summary\n\nCheckout failed for an hour.\n\n"
              "## Action items\n\n- Add a check ([PR](https://example.org/pr/1))\n"
              "- Alert on errors ([PR](https://example.org/pr/2))\n")
    assert len(import_markdown(report, source="r.md").incident.action_items) == 2


def test_a_readme_that_speaks_of_its_folder_is_refused() -> None:
    readme = ("# Our incident archive\n\nEach folder is one team's postmortems: outages, "
              "failures and their root cause, 2021-05-26 onwards.\n")
    with pytest.raises(InputError, match="not an incident report"):
        import_markdown(readme, source="README.md")


@pytest.mark.parametrize("title", ["Changelog", "Release notes", "Database runbook"])
def test_a_document_titled_as_another_kind_is_not_a_report(title: str) -> None:
    text = (f"# {title}\n\n## 1.2.0 (2024-01-02)\n\n- Fixed a crash on exit.\n"
            "- Clearer error messages.\n- Retry after a failure.\n")
    with pytest.raises(InputError, match="not an incident report"):
        import_markdown(text, source="doc.md")

