"""The root cause as a careful reader finds it, in reports of many shapes, words verbatim."""

from __future__ import annotations

import pytest

from incidentlog import vocabulary
from incidentlog.errors import InputError
from incidentlog.parse import import_markdown
from incidentlog.parse.compare import differences
from incidentlog.render import render_markdown

from conftest import SHARED


def root(text: str) -> str | None:
    found = import_markdown(text).incident.root_cause
    return found.summary if found else None


def test_every_paragraph_under_a_root_cause_heading_is_kept() -> None:
    text = root("# Prow down\n\n## Summary\n\nProw was down.\n\n## Root Cause\n\n"
                "The config agent crashed on start:\n\n```\nfatal: duplicated label\n```\n\n"
                "This is because the PR refactored some presets to use\na common label key.\n\n"
                "## Timeline\n\n- 2024-05-01 10:00 outage begins\n")
    assert text is not None
    assert "The config agent crashed on start:" in text
    assert "refactored some presets to use\na common label key." in text
    assert "fatal" not in text  # code stays where it was written


def test_the_summary_sentence_that_says_why_joins_a_stated_root_cause() -> None:
    text = root("# Flaky jobs\n\n## Summary\n\nJobs were flaky for a week. A spike in usage "
                "lead to hitting hard throttling limits.\n\n## Root Cause\n\nDisks are "
                "small.\n\n## Action items\n\n- Bigger disks\n")
    assert text == "A spike in usage lead to hitting hard throttling limits.\n\nDisks are small."


def test_a_cause_said_under_another_label_is_found() -> None:
    report = ("# Incident on 2020-02-18\n\n- **Identified**: Pingdom reported that Prometheus "
              "was down.\n- **Context**:\n  - Grafana was fine.\n  - Disk space was ruled out "
              "as the cause.\n- **Resolution**:\n    We suspect an external networking issue "
              "to be the cause of this outage.\n")
    text = root(report)
    assert text is not None
    assert text.startswith("We suspect an external networking issue to be the cause of this "
                           "outage.")
    assert "Pingdom" not in text  # how it was noticed is not why it happened


def test_this_caused_takes_the_sentence_before_it() -> None:
    text = root("# Services down\n\n## Context\n\nThe instance type was changed on Monday. "
                "When that happens the nodes are recycled all at a time. This caused the pods "
                "to be deleted at once.\n\n## Timeline\n\n- 2023-06-06 10:00 outage begins\n")
    assert text is not None
    assert "the nodes are recycled all at a time. This caused the pods" in text


@pytest.mark.parametrize("words", [
    "The root cause is still unknown.",
    "The source of the fraudulent charge is still unknown at this time.",
])
def test_a_cause_the_report_says_is_unknown_is_none(words: str) -> None:
    assert root(f"# Card misuse\n\n## Summary\n\nA card was charged. {words}\n\n"
                "## Timeline\n\n- 2022-01-27 10:00 charge seen\n") is None


def test_a_one_line_summary_is_not_a_cause() -> None:
    assert root("# Outage\n\n## Summary\n\nThe API was down for an hour.\n\n## Timeline\n\n"
                "- 2024-05-01 10:00 outage begins\n- 2024-05-01 11:00 outage ends\n") is None


def test_a_summary_that_tells_what_went_wrong_stands_for_the_cause() -> None:
    report = ("# Negative values allowed\n\n## Issue Summary\n\nOffers let peers swap assets."
              "\n\nThe code that creates outputs failed to check against negative values. A "
              "negative value runs the token's own code.\n\n## Resolution and recovery\n\n"
              "Fixed in 1.6.1 by asserting the value is positive.\n")
    text = root(report)
    assert text is not None
    assert "The code that creates outputs failed to check against negative values." in text


def test_found_causes_survive_render_and_import() -> None:
    report = ("# Incident on 2020-02-18\n\n- **Key events**\n  - Fault occurs 2020-02-18 14:13"
              "\n  - Resolved 2020-02-18 14:59\n- **Context**:\n  - Grafana was fine.\n  - "
              "Disk space was ruled out.\n  - The ingress was valid.\n- **Resolution**:\n    "
              "Restarted the pods.\n")
    first = import_markdown(report).incident
    assert first.root_cause is not None
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


def test_a_readme_with_context_and_links_is_not_a_report() -> None:
    with pytest.raises(InputError, match="not an incident report"):
        import_markdown("# Our tools\n\n## Context\n\nWe keep scripts here. They are small. "
                        "They are tested.\n\n## Links\n\n- https://example.org\n")


def test_the_following_were_the_root_cause_takes_the_list() -> None:
    text = root("# Slow blocks\n\n## Summary\n\nBlocks were slow for a day.\n\n## Details\n\n"
                "CNI determined the following issues were the root cause of the slow down:\n\n"
                "- a bug in the fast forward logic\n- a cache that was never cleared\n\n"
                "## Timeline\n\n- 2025-02-25 10:00 blocks slow down\n")
    assert text is not None
    assert "a bug in the fast forward logic" in text


def test_immediate_cause_and_root_causes_survive_either_template() -> None:
    report = ("# Search down\n\n## Why It Happened\n\n**Immediate Cause**: Index corruption\n\n"
              "**Root Causes**:\n1. Untested migration\n2. No validation step\n\n## Timeline\n\n"
              "- 2024-11-19 10:00 outage begins\n- 2024-11-19 10:45 service fully restored\n")
    first = import_markdown(report).incident
    assert first.root_cause is not None and first.root_cause.causes == (
        "Untested migration", "No validation step")
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


# ------------------------------------------------------------- which sentence states it

_EVENTS = "## Timeline\n\n- 2024-05-01 10:00 outage begins\n- 2024-05-01 11:00 outage ends\n"


@pytest.mark.parametrize(("report", "phrase"), [
    pytest.param(
        "# Pods pile up\n\n## Summary\n\nPods piled up for hours. Launches failed. "
        "Users waited.\n\n## Timeline\n\n### 2018-07-08 10:00\n\nPods launch.\n\n"
        "### 11:00\n\nThis is the direct cause of the pod growth, though the root "
        "cause is that the reflector has stopped updating.\n",
        "the root cause is that the reflector has stopped updating",
        id="a_cause_named_in_a_timeline_row_is_found"),
    pytest.param(
        "# Launches fail\n\n## Summary\n\nLaunches failed for an hour. Builds worked."
        " Nothing else broke.\n\n" + _EVENTS + "\n## Action Items\n\n- Fix the "
        "reflector\n\nThe primary cause of these issues is the loss of events.\n",
        "The primary cause of these issues is the loss of events.",
        id="a_cause_named_in_a_note_among_the_action_items_is_found"),
    pytest.param(
        "# Swamped\n\n## Summary\n\nTraffic rose. Users failed to start. This was "
        "caused by a small bug.\n\n" + _EVENTS + "\n## Conclusions\n\nThe ultimate "
        "cause of this incident was a bug in one version of the client.\n",
        "The ultimate cause of this incident was a bug in one version",
        id="the_named_cause_beats_a_caused_by_sentence"),
    pytest.param(
        "# Ingress down\n\n- **Context**:\n  - Two pods crashlooping.\n  - Issue was "
        "with the leader pod (which was not identified or restarted yet) and "
        "exhausting the shared memory.\n- **Resolution**:\n    Restarted the leader.\n",
        "Issue was with the leader pod",
        id="not_identified_about_something_else_is_not_an_unknown_cause"),
    pytest.param(
        "# Servers fail\n\n## Summary\n\nServers failed to start. A node was deleted."
        " This caused a wider outage.\n\n" + _EVENTS + "\n## Action items\n\n"
        "### Investigation\n\nThe outage seemed to come from the deletion of a node, "
        "but old nodes may matter too.\n\n### Process\n\n- Improve alerting\n",
        "The outage seemed to come from the deletion of a node",
        id="a_story_heading_under_the_action_items_is_read"),
    pytest.param(
        "# Culler flood\n\nA deploy went out. A node was lost. This caused errors. The "
        "culler had a bug which resulted in flooding the hub.\n\n" + _EVENTS,
        "The culler had a bug which resulted in flooding the hub.",
        id="a_bug_which_caused_beats_this_caused"),
    pytest.param(
        "# Prometheus down\n\n- **Context**:\n  - 2023-07-25 14:05 - alert fired.\n"
        "  - 2023-07-25 15:20 - pod restarted.\n- **Resolution**:\n  - Due to more "
        "rules, the server needed more memory. The instance was resized.\n",
        "Due to more rules, the server needed more memory.",
        id="a_cause_told_with_the_fix_is_found_when_the_story_is_only_events"),
    pytest.param(
        "# Expiry emails\n\n## Summary\n\nWe got a warning. This was unexpected because "
        "renewals are automatic. It was a no-op.\n\n## Timeline\n\n### 2018-01-19 11:00"
        "\n\nOur old account is what is triggering the emails.\n",
        "Our old account is what is triggering the emails.",
        id="x_is_what_caused_it_states_the_cause"),
    pytest.param(
        "# RDS down\n\n- **Key events**\n  - First detected 2025-10-13 09:00\n\n"
        "- **Background**:\n\nInstances failed to start due to an error "
        "from AWS:\n\n> “Insufficient instance capacity in eu-west-2b”\n\n- **Impact**:"
        "\n\nTest databases were down.\n",
        "due to an error from AWS: “Insufficient instance capacity in eu-west-2b”",
        id="a_cause_sentence_ending_in_a_colon_keeps_the_quote_after_it"),
    pytest.param(
        "# Image pulls fail\n\n- **Context**:\n  - 2023-01-11 14:34: Discovered that the "
        "passwords match.\n  - 2023-01-11 14:51 Explanation revealed. The password was "
        "changed as part of a rotation.\n- **Resolution**:\n    Restored the old "
        "password.\n",
        "The password was changed as part of a rotation.",
        id="a_row_that_announces_the_cause_was_found_gives_what_follows"),
])
def test_the_sentence_that_states_the_cause_is_found(report: str, phrase: str) -> None:
    text = root(report)
    assert text is not None
    assert phrase in text


def test_a_sure_statement_of_the_cause_beats_a_guess() -> None:
    text = root("# Hub slow\n\n## Notes\n\nThe CPU use is believed to be the root cause of "
                "most issues.\n\n## Findings\n\nThe root cause was a thread leak in the "
                "client.\n\n" + _EVENTS)
    assert text is not None
    assert text.startswith("The root cause was a thread leak in the client.")

@pytest.mark.parametrize("report", [
    pytest.param(
        "# Hubs down\n\n## Summary\n\nHubs were down.\n\n## Timeline\n\n"
        "### 2025-07-11 12:42\n\nIncident declared.\n\n### 13:06\n\nThe revert did "
        "not solve the root cause of the problem.\n\n### 16:22\n\nIncident resolved."
        "\n",
        id="naming_the_root_cause_without_stating_it_is_no_cause"),
    pytest.param(
        "# Disk full\n\n## Summary\n\nA node became unhealthy, due to a flood of "
        "messages. Kubernetes recovered it.\n\n## Timeline\n\n### 2018-03-26 10:34\n\n"
        "Launches fail.\n\n### 15:00\n\nNodes cordoned. The root cause is still "
        "unknown.\n",
        id="a_timeline_that_says_the_root_cause_is_unknown_gives_none"),
    pytest.param(
        "# Phone incident\n\n## Issue Summary\n\nA phone downloaded a file without "
        "user input. The file was not on the phone when searched for. The phone then "
        "rebooted. No traces were present on the device.\n\n## Resolution and "
        "recovery\n\nThe phone was factory reset.\n",
        id="a_summary_that_only_tells_what_happened_is_no_cause"),
    pytest.param(
        "# Cron ran twice\n\n## Summary\n\nThe job ran twice. I updated the cronjob "
        "too so it shouldn't have mattered.\n\n## Timeline\n\n"
        "- 2019-02-05 10:00 job runs\n",
        id="what_should_not_have_mattered_is_no_cause"),
])
def test_a_report_that_states_no_cause_gives_none(report: str) -> None:
    assert root(report) is None


def test_a_root_cause_section_that_says_it_is_unknown_gives_none() -> None:
    report = ("# Card charged\n\n## Issue Summary\n\nA charge failed, due to the expiry date "
              "being invalid.\n\n" + _EVENTS + "\n## Root Cause\n\nThe source of the charge "
              "is still unknown at this time.\n")
    first = import_markdown(report).incident
    assert first.root_cause is None
    for template in ("a", "b"):  # kept as written, still no cause after rendering
        again = import_markdown(render_markdown(first, template)).incident
        assert again.root_cause is None


@pytest.mark.parametrize(("sentence", "found"), [
    ("Because of a quirk in the bank's system, the new IP was reported as malicious.", True),
    ("We only noticed because an alert fired for the disk.", False),
])
def test_a_weak_cue_about_how_it_was_noticed_is_no_cause(sentence: str, found: bool) -> None:
    text = root(f"# Login flagged\n\n## Summary\n\nThe integration ran at night. {sentence} "
                "The team looked into it.\n\n" + _EVENTS)
    assert (text is not None and sentence in text) is found


def test_a_problem_label_in_a_timeline_entry_names_the_cause() -> None:
    text = root("# Builds fail\n\n## Summary\n\nWe were slow to realize that builds failed.\n\n"
                "## Timeline\n\n### 2018-01-17 17:30\n\nBuild logs showed errors.\n\n"
                "**Problem**: Ubuntu removed the packages for zesty. The image used zesty.\n\n"
                "### 18:57\n\nBumped the image.\n")
    assert text is not None
    assert text.startswith("Ubuntu removed the packages for zesty.")


def test_every_sentence_of_the_summary_that_says_why_joins_the_stated_cause() -> None:
    text = root("# Flaky\n\n## Summary\n\nLoad over time has lead to more I/O. A spike in "
                "usage lead to hitting limits, causing panics.\n\n## Root Cause\n\nDisks are "
                "small.\n\n" + _EVENTS)
    assert text == ("Load over time has lead to more I/O. A spike in usage lead to hitting "
                    "limits, causing panics.\n\nDisks are small.")


def test_why_the_impact_was_felt_is_not_the_cause() -> None:
    text = root("# Masters down\n\n- **Key events**\n  - Fault occurs 2020-02-25 07:32\n"
                "- **Impact**:\n  - Slow API (because calls went to broken masters)\n"
                "- **Context**:\n  - New masters lacked networking.\n- **Resolution**:\n"
                "    A label was restored.\n")
    assert text is not None
    assert "broken masters" not in text
    assert "New masters lacked networking." in text


def test_the_summary_that_names_the_root_cause_joins_the_immediate_cause() -> None:
    report = ("# Search down\n\n## Summary\n\nSearch was down for 45 minutes. The root cause "
              "was an index corruption after a failed migration.\n\n## Why It Happened\n\n"
              "**Immediate Cause**: Index corruption\n\n**Root Causes**:\n1. Untested "
              "migration\n\n## Timeline\n\n- 2024-11-19 10:00 outage begins\n"
              "- 2024-11-19 10:45 service fully restored\n")
    first = import_markdown(report).incident
    assert first.root_cause is not None
    assert "The root cause was an index corruption" in first.root_cause.summary
    for template in ("a", "b"):  # our own templates read it back the same
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


def test_our_template_b_summary_that_names_the_root_cause_is_read() -> None:
    seed = SHARED / "seeds" / "incident-report-template-b.md"
    if not seed.exists():
        pytest.skip("../shared is absent")
    found = import_markdown(seed.read_text(encoding="utf-8")).incident.root_cause
    assert found is not None
    assert "The root cause was a database index corruption" in found.summary


def test_what_should_not_have_been_possible_is_the_cause() -> None:
    text = root("# Channel converted\n\n## Issue Summary\n\nA user converted a channel to a "
                "team. The user shouldn’t have had the permission to begin with.\n\n"
                "## Timeline\n\n- 2022-10-20 15:38 channel converted\n")
    assert text == "The user shouldn’t have had the permission to begin with."


@pytest.mark.parametrize("placeholder", ["Unknown at this time.", "TBD", "To be determined"])
def test_a_placeholder_under_a_root_cause_heading_is_no_cause(placeholder: str) -> None:
    report = (f"# Outage\n\n## Summary\n\nAPI down.\n\n## Root cause\n\n{placeholder}\n\n"
              + _EVENTS)
    first = import_markdown(report).incident
    assert first.root_cause is None
    for template in ("a", "b"):
        assert import_markdown(render_markdown(first, template)).incident.root_cause is None


def test_a_cause_that_starts_with_unknown_is_still_a_cause() -> None:
    assert root("# Outage\n\n## Summary\n\nAPI down.\n\n## Root cause\n\nUnknown clients "
                "flooded the API.\n\n" + _EVENTS) == "Unknown clients flooded the API."


def test_a_bulleted_list_under_contributing_factors_gives_each_factor() -> None:
    report = ("# ADFS outage\n\n## Summary\n\nSign-in failed for a day.\n\n" + _EVENTS +
              "\n## Contributing Factors\n\n- We depend on another team for ADFS\n"
              "- No monitoring of certificate expiry\n\n## Lessons Learned\n\n- Monitor it\n")
    first = import_markdown(report).incident
    assert first.root_cause is not None
    assert first.root_cause.contributing_factors == (
        "We depend on another team for ADFS", "No monitoring of certificate expiry")
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


@pytest.mark.parametrize(("part", "factors"), [
    pytest.param("## Root cause\n\nDisk full.\n\n**Contributing factors**\n\n- No alert\n"
                 "- Old disk\n", ("No alert", "Old disk"), id="a label and a list"),
    pytest.param("## Root cause\n\nDisk full.\n\n**Contributing factors:**\n\n1. No alert\n"
                 "2. Old disk\n", ("No alert", "Old disk"), id="a label with a colon"),
    pytest.param("## Contributing factors\n\nThere was no alert\nfor the disk.\n\nThe disk "
                 "was old.\n", ("There was no alert for the disk.", "The disk was old."),
                 id="a paragraph each"),
])
def test_contributing_factors_as_teams_write_them(part: str, factors: tuple[str, ...]
                                                  ) -> None:
    first = import_markdown(f"# Outage\n\n## Summary\n\nAPI down.\n\n{part}\n{_EVENTS}"
                            ).incident
    assert first.root_cause is not None
    assert first.root_cause.contributing_factors == factors
    for template in ("a", "b"):
        again = import_markdown(render_markdown(first, template)).incident
        assert differences(first, again, seconds=template == "b") == []


_CUES = {
    "CAUSE_CUES": ["caused by", "due to", "triggered by", "as a result of", "stemmed from",
                   "a bug in", "ran out of", "out of memory", "came from the",
                   "identified that", "found that", "realized that", "turned out",
                   "it appears that", "seems to be", "we suspect", "which resulted in"],
    "WEAK_CAUSE_CUES": ["because", "causing", "led to", "had a bug", "failed to",
                        "misconfigured", "by mistake", "accidentally", "inadvertently",
                        "incorrectly", "resulting in", "could cause", "overlooked", "hence",
                        "shouldn't have had"],
    "NAMED_CAUSE_CUES": ["the root cause is", "the primary cause of it was", "is the direct "
                         "cause", "underlying problem was", "the bug was in", "the culprit",
                         "is what caused"],
    "UNKNOWN_CAUSE": ["is still unknown", "unclear why", "under investigation",
                      "no root cause", "the cause has not been found",
                      "not yet determined the cause"],
}


@pytest.mark.parametrize(("name", "words"), [
    (name, words) for name, phrases in _CUES.items() for words in phrases])
def test_each_cue_is_found_in_any_case(name: str, words: str) -> None:
    pattern = getattr(vocabulary, name)
    for text in (f"Then {words} here.", f"{words.capitalize()} here.", f"X {words.upper()} y."):
        assert pattern.search(text), text
        assert vocabulary.folded_pattern(pattern).search(text.lower()), text
