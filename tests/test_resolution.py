"""How it ended, as the report says it: sections, labels anywhere, never a bare 'Resolved'."""

from __future__ import annotations

from incidentlog.parse import import_markdown

from conftest import assert_fixed_point


def resolution(text: str) -> str:
    return import_markdown(text).incident.resolution


def test_a_paragraph_that_ends_by_with_a_colon_takes_what_follows() -> None:
    said = resolution("# Negative values\n\n## Summary\n\nOffers could be abused.\n\n"
                      "## Resolution and recovery\n\nThis issue was addressed in 1.8.0 by:\n\n"
                      "Reinstating the mempool verification code.\n\n## Timeline\n\n"
                      "- 2023-07-21 10:00 fix released, incident resolved\n")
    assert "This issue was addressed in 1.8.0 by:" in said
    assert "Reinstating the mempool verification code." in said


def test_a_resolution_label_nested_under_another_bullet_is_read() -> None:
    said = resolution("# Incident on 2020-02-12\n\n- **Key events**\n  - Fault occurs "
                      "2020-02-12 11:45\n  - Resolved 2020-02-12 12:07\n\n- **Context**:\n"
                      "  - An engineer ran terraform destroy in the wrong workspace.\n\n"
                      "  - **Resolution**: Using terraform the cluster nodes were created "
                      "again.\n")
    assert said == "Using terraform the cluster nodes were created again."


def test_a_row_that_only_says_resolved_is_no_resolution() -> None:
    assert resolution("# Incident on 2020-02-12\n\n- **Key events**\n  - Fault occurs "
                      "2020-02-12 11:45\n  - Resolved 2020-02-12 12:07\n\n- **Impact**: "
                      "Concourse was down.\n") == ""


def test_a_resolution_section_written_as_a_list_is_its_steps() -> None:
    said = resolution("# v4 upgrade\n\n## Summary\n\nThe chain halted.\n\n## Resolving actions\n\n"
                      "- validators rolled back their states to the previous block\n"
                      "- a patched binary was released\n")
    assert said == ("validators rolled back their states to the previous block\n"
                    "a patched binary was released")


def test_a_summary_sentence_that_says_it_was_reverted_is_the_resolution() -> None:
    said = resolution("# Ingress upgrade outage\n\n## Summary\n\nStaging and prod were not "
                      "accessible after the upgrade, so I reverted the version bump which "
                      "restored access. More details follow.\n\n## Timeline\n\n"
                      "- 2023-01-23 10:00 outage begins\n")
    assert said.startswith("Staging and prod were not accessible after the upgrade, so I "
                           "reverted the version bump")


FIX_IN_TIMELINE = """\
# Sign-in outage

## Summary

Users could not sign in to the cloud console.

## Timeline

| Time | Event |
|------|-------|
| 2021-03-31 12:11 | Reports of issues signing in |
| 2021-03-31 13:02 | Identified expired signing certificates |
| 2021-03-31 13:18 | Certificate rolled over and sign-in works again |
| 2021-03-31 13:30 | Script completed to update the metadata. Works again |

## Action Items

- Alert before certificates expire
"""


def test_with_no_resolution_stated_the_last_row_that_fixed_it_is_the_resolution() -> None:
    assert resolution(FIX_IN_TIMELINE) == \
        "Certificate rolled over and sign-in works again"


def test_rows_that_only_say_it_works_again_are_no_resolution() -> None:
    assert resolution(FIX_IN_TIMELINE.replace("Certificate rolled over and", "Then")) == ""


def test_a_row_that_resolves_it_wins_over_an_earlier_fix() -> None:
    text = FIX_IN_TIMELINE.replace("Script completed to update the metadata. Works "
                                   "again", "Incident resolved after the metadata update")
    assert "Certificate rolled over" not in resolution(text)


def test_a_stated_resolution_wins_over_the_timeline() -> None:
    text = FIX_IN_TIMELINE.replace("## Action Items", "## Resolution\n\nWe renewed the "
                                   "certificates by hand.\n\n## Action Items")
    assert resolution(text) == "We renewed the certificates by hand."


LABEL_CLOSING_A_LIST = """\
# Incident on 2025-10-13 - Database instances unavailable

- **Key events**
  - First detected 2025-10-13 08:59
  - Resolved 2025-10-13 18:56

- **Impact**: Development databases could not start.

Confirmed the issue in the console.

- **Resolution**:

* All instances back up at 17:38
* The provider confirmed capacity is back at 18:56

- **Review actions**:
  - Make multi-AZ the default
"""


def test_a_resolution_label_closing_its_list_takes_the_list_after_it() -> None:
    assert resolution(LABEL_CLOSING_A_LIST) == (
        "All instances back up at 17:38\nThe provider confirmed capacity is back at 18:56")
    assert_fixed_point(LABEL_CLOSING_A_LIST)


def test_a_resolution_label_closing_its_list_takes_the_paragraph_after_it() -> None:
    text = LABEL_CLOSING_A_LIST.replace(
        "* All instances back up at 17:38\n* The provider confirmed capacity is back at 18:56",
        "The token was revoked and tested.")
    assert resolution(text) == "The token was revoked and tested."


def test_labelled_bullets_after_an_empty_resolution_label_are_not_its_steps() -> None:
    text = LABEL_CLOSING_A_LIST.replace(
        "* All instances back up at 17:38\n* The provider confirmed capacity is back at 18:56"
        "\n\n", "")
    assert resolution(text) == ""
