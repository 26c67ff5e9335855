"""The words of postmortems, defined once: roles of sections, labels, lifecycle phrases.

Teams write postmortems in endless variations of a few dozen ideas. This module names the
ideas (roles) and the words teams use for them; the Markdown reader finds a section's role
from its heading or a run-in label, and the renderers take their labels from here, so what
is written and what is read never drift apart. Nothing here knows Markdown or storage.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

ROLES: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "executive summary", "issue summary", "incident summary", "overview",
                "tl dr", "tldr", "abstract", "description", "what happened",
                "one line summary"),
    "impact": ("impact", "blast radius", "user impact", "customer impact", "business impact",
               "impact assessment", "affected services", "scope", "who was affected"),
    "root_cause": ("root cause", "root causes", "root cause analysis", "cause", "causes",
                   "why it happened", "the five whys", "five whys", "underlying cause",
                   "technical root cause", "what went wrong and why", "cause identified",
                   "what caused it", "why did it happen", "why did", "why did this happen",
                   "analysis", "causal analysis", "technical analysis", "incident analysis"),
    "trigger": ("trigger", "triggers", "immediate cause"),
    "contributing": ("contributing factors", "contributing factor", "contributors",
                     "contributing causes", "factors"),
    "detection": ("detection", "how it was detected", "discovery", "identified"),
    "resolution": ("resolution", "resolution and recovery", "recovery", "mitigation",
                   "remediation", "fix", "the fix", "how it was fixed", "resolution steps taken",
                   "immediate mitigation", "mitigation steps", "response", "resolution steps",
                   "resolving actions", "resolving", "how we fixed it", "recovery steps"),
    "timeline": ("timeline", "incident timeline", "timeline of events", "chronology",
                 "sequence of events", "key events", "events", "detailed timeline"),
    "actions": ("action items", "action item", "actions", "follow ups", "follow up",
                "followups", "follow up actions", "follow up items", "next steps",
                "corrective and preventative measures", "corrective and preventive measures",
                "corrective and preventative measure", "corrective and preventive measure",
                "corrective and preventative actions", "preventive actions",
                "preventative actions", "future actions", "remediation actions",
                "follow up tasks", "recommendations", "future improvements",
                "proactive measures", "preventive measures", "what is being done",
                "what we are doing", "what we re doing", "what we will do", "next actions",
                "long term solution", "long term solutions", "long term fix", "long term fixes",
                "long term actions", "short term actions", "long term improvements",
                "corrective actions", "preventative measures", "preventive measures",
                "remediation items", "todo", "to do", "tasks", "review actions",
                "action plan", "improvements", "future work", "prevention"),
    "lessons": ("lessons learned", "lessons learnt", "lessons", "key takeaways", "takeaways",
                "learnings", "what we learned", "retrospective"),
    "went_well": ("what went well", "things that went well", "went well", "what worked"),
    "went_wrong": ("what went wrong", "things that went wrong", "went wrong",
                   "what went poorly", "what went badly", "what didn t go well",
                   "what did not go well", "what didn t go so well",
                   "what did not go so well", "what could have gone better",
                   "what could be improved"),
    "lucky": ("where we got lucky", "where we were lucky", "what was lucky", "lucky"),
    "status": ("status", "incident status", "current status"),
    "severity": ("severity", "sev", "priority", "impact level", "incident severity"),
    "date": ("date", "incident date", "date of incident", "when"),
    "authors": ("authors", "author", "owner", "owners", "incident commander", "commander",
                "incident lead", "written by", "prepared by"),
    "narrative": ("context", "background", "findings", "investigation", "explanation",
                  "details", "technical details", "incident details", "what we found",
                  "problem", "the problem", "problem description", "issue"),
    "references": ("references", "links", "related", "related links", "see also",
                   "slack thread", "slack", "slack channel", "documents", "tickets", "jira",
                   "appendix", "attachments", "supporting information"),
    "stats": ("stats", "statistics", "metrics", "key metrics", "figures", "numbers"),
}
"""Each role and the headings (folded by :func:`fold`) that name it."""

COMMANDER_LABELS = ("incident commander", "commander", "incident lead", "incident manager",
                    "incident owner", "ic", "incident coordinator")
"""Header labels (folded) naming the person who ran the response."""

ACTION_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("#", "id"),
    "title": ("action", "title", "item", "task", "follow up", "followup", "what",
              "description", "remediation"),
    "owner": ("owner", "assignee", "who", "responsible", "assigned", "dri"),
    "due": ("due", "due date", "deadline", "eta", "target", "by when"),
    "priority": ("priority",), "status": ("status", "state", "done"),
    "horizon": ("horizon", "timeframe", "term", "type", "category", "kind"),
    "ticket": ("ticket", "bug", "issue", "jira", "link", "tracking", "tracker", "reference",
               "ref", "pr", "card"),
}
"""Header cells (folded, or their first words) of an action-item table's columns."""

ACTION_STATES: dict[str, str] = {
    "planned": "open", "not started": "open", "open": "open", "todo": "open", "to do": "open",
    "new": "open", "backlog": "open", "pending": "open", "not done": "open", "no": "open",
    "ongoing": "in_progress", "in progress": "in_progress", "started": "in_progress",
    "wip": "in_progress", "doing": "in_progress", "in review": "in_progress",
    "done": "done", "complete": "done", "completed": "done", "closed": "done",
    "fixed": "done", "resolved": "done", "merged": "done", "shipped": "done", "yes": "done",
}
"""How teams write where an action item stands (folded), and the state it means."""

DONE_MARKS = ("✅", "✔", "☑")
"""Marks that say an action item is done, alone or beside a status word."""

NO_VALUE = frozenset({"", "-", "n a", "na", "tbd", "tbc", "none", "unknown", "not set"})
"""Cells (folded) that say a field has no value yet, rather than giving one."""

HOUSE_TITLE_PREFIX = "Incident Report: "
"""What the house templates write before an incident's title in their H1."""

NOT_TITLES = ("metadata", "incident metadata", "document metadata", "meta", "contents",
              "table of contents", "toc", "draft")
"""Headings (folded) of a document's parts that are never its title."""

NOT_REPORT_ROLES = ("narrative", "references")
"""Roles any document has (context, links): a heading naming one does not make it a report."""

FRONT_MATTER_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "date": ("date", "incident date", "occurred", "occurred at", "occurred on"),
    "severity": ("max severity", "maximum severity", "highest severity", "peak severity",
                 "severity", "sev", "priority", "impact level", "current severity"),
    "status": ("status", "state", "incident status", "current status"),
    "began": ("start", "started", "started at", "started on", "start time", "start date",
              "began", "began at", "begin", "impact start", "outage start"),
    "detected": ("detected", "detected at", "detected on", "detection time"),
    "mitigated": ("mitigated", "mitigated at", "mitigated on"),
    "resolved": ("resolved", "resolved at", "resolved on", "resolution time", "end",
                 "ended", "ended at", "end time", "end date", "fixed at", "fixed on"),
    "duration": ("duration", "outage duration", "incident duration", "total duration",
                 "downtime", "impact duration"),
}
"""Front matter keys (folded) by what they state, the preferred key first (a status
page's ``max_severity`` before its ``current_severity``)."""

EARLIER_THAN_POSTED = re.compile(
    r"\b(?:last (?:night|evening|week|weekend)|yesterday|over the weekend|"
    r"earlier (?:today|this week)|the (?:previous|prior) (?:day|night|evening)|"
    r"the day before)\b")
"""Words (lower case) saying the trouble began before a post was written: its front
matter ``date`` is then when it was posted, not when the incident began."""

INCIDENT_WORDS = re.compile(
    r"\b(?:outages?|incidents?|downtime|went down|is down|was down|failures?|failed|"
    r"failing|broken|broke|errors?|crash(?:ed|es)?|unavailable|unreachable|degraded|"
    r"degradation|disrupt(?:ed|ion)|halt(?:ed)?|exploit(?:ed)?|attack(?:ed|er)?|"
    r"compromised?|breach|corrupt(?:ed|ion)|data loss|post-?mortem|post mortem|"
    r"root cause|restored|recovered|rolled back|roll(?:ed)? ?back|stopped working|"
    r"not working|retrospective)\b")
"""Words (lower case) of something going wrong and being put right: a titled document that
says several of them, or one with a date, narrates an incident."""

NOT_REPORT_TITLES = re.compile(
    r"\b(?:change ?log|release notes?|releases|install(?:ation|ing)?|getting started|"
    r"contributing|code of conduct|roadmap|read ?me|licen[cs]e|table of contents|how to|"
    r"guide|tutorial|runbook|playbook|template)\b")
"""Titles (lower case) of documents that are not incident reports however many words of
failure they say (a changelog's "fixed a crash", a runbook's "if the API is down")."""

ABOUT_FILES = re.compile(
    r"\b(?:this (?:repo|repository|folder|directory)|(?:each|every|one) "
    r"(?:file|folder|directory)|in the `?[\w./-]+`? (?:folder|directory))\b")
"""An opening (lower case) that speaks of files and folders: a README or an index."""

LESSON_ROLES = ("went_well", "went_wrong", "lucky")
"""Roles that are kinds of lessons (a lessons section's sub-headings, or headings alone)."""

STATUS_LABELS = {  # how each status is written in a report
    "investigating": "Investigating",
    "identified": "Identified",
    "mitigating": "Mitigating",
    "mitigated": "Mitigated",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "closed": "Closed",
}

SEVERITY_WORDS = {"P0": "Critical", "P1": "High", "P2": "Medium", "P3": "Low"}

FIGURE_LABELS = {
    "duration_minutes": "Duration",
    "time_to_mitigate_minutes": "Time to mitigation",
    "time_to_detect_minutes": "Time to detection",
    "time_to_repair_minutes": "Time to repair",
    "time_to_resolve_minutes": "Time to resolve",
    "success_rate_pct": "Success rate",
    "error_budget_consumed_pct": "Error budget consumed",
    "error_budget_minutes": "Error budget",
    "slo_breached": "SLO breached",
    "failed_requests": "Failed requests",
    "total_requests": "Total requests",
}

FIGURE_WORDS: dict[str, str] = {
    "time to detection": "time_to_detect_minutes", "time to detect": "time_to_detect_minutes",
    "detection delay": "time_to_detect_minutes", "time to detection ttd": "time_to_detect_minutes",
    "time to repair": "time_to_repair_minutes", "time to recovery": "time_to_repair_minutes",
    "time to recover": "time_to_repair_minutes", "time to restore": "time_to_repair_minutes",
    "time to resolve": "time_to_resolve_minutes", "time to resolution": "time_to_resolve_minutes",
    "time to mitigation": "time_to_mitigate_minutes",
    "time to mitigate": "time_to_mitigate_minutes",
    "total duration": "duration_minutes", "duration": "duration_minutes",
    "total impact duration": "duration_minutes", "impact duration": "duration_minutes",
    "outage duration": "duration_minutes", "incident duration": "duration_minutes",
}
"""Labels of stated figures as teams write them (folded), by the figure they state."""

_BY_HEADING = {words: role for role, names in ROLES.items() for words in names}
_NUMBERING = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*|[ivxIVX]{1,4}|[a-zA-Z])[.)]\s+|^\d{1,2}\s+")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """A label or heading folded for comparison: lower case, words only."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def names_a_part(heading: str) -> bool:
    """Whether a heading only names a part of a report (``Issue Summary``, ``Overview``,
    ``Metadata``), so it cannot be the report's title."""
    words = fold(_NUMBERING.sub("", heading.strip().lstrip("#*_ "))).split()
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
    text = " ".join(words)
    return text in _BY_HEADING or text in NOT_TITLES


@functools.lru_cache(maxsize=4096)
def heading_role(heading: str) -> str | None:
    """The role a heading names, whatever its case, punctuation, numbering, emoji or
    decoration (``Timeline (all times PST) 01/16/2024``, ``3. Root Causes:``), or ``None``.

    The longest run of leading words that names a role wins, so ``Root cause analysis`` is
    a root cause and ``Timeline (all times PST)`` a timeline.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip()
    text = _NUMBERING.sub("", text.lstrip("#*_ "))
    while (bare := _TRAILING_NOTE.sub("", text)) != text and bare.strip():
        text = bare  # "Immediate Actions (Completed)", "Timeline (all times PST)"
    words = fold(text).split()
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]  # "The Cause", "Our response"
    if len(words) > 1 and words[-1] in _TIMELINE_NOUNS and len(words) <= _SHORT:
        return "timeline"  # a kind of timeline ("Follow-up timeline", "Recovery timeline")
    for n in range(min(len(words), 8), 0, -1):
        role = _BY_HEADING.get(" ".join(words[:n]))
        if role is not None:
            return role
    if len(words) <= _SHORT:
        # A short heading that ends with a role's name ("Establishing the timeline").
        for n in range(len(words) - 1, 0, -1):
            role = _BY_HEADING.get(" ".join(words[-n:]))
            if role in _SECTION_ROLES:
                return role
    return None


_TIMELINE_NOUNS = frozenset({"timeline", "timelines", "chronology"})
"""Last words that make a heading a timeline whatever words come before them."""
_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")
_LEADING = frozenset({"the", "our", "a", "an", "this", "incident", "outage"})
"""Words a heading may start with before the role it names ("The cause")."""
_SECTION_ROLES = frozenset({"summary", "impact", "root_cause", "trigger", "contributing",
                            "detection", "resolution", "timeline", "actions", "lessons",
                            "went_well", "went_wrong", "lucky"})
"""Roles a heading may name by its last words (not "... owner" or "... status")."""
_SHORT = 4
"""Most words of a heading read by its last words ("Establishing the timeline")."""


PLACEHOLDERS = re.compile(
    r"\[(?:TITLE|title|Title|DATE|Date|NAME|Name|Incident Title|Service Name|Summary|"
    r"Description|Owner|TBD|YYYY-MM-DD)\]|INC-YYYYMMDD-#+|\bYYYY-MM-DD\b|\bHH:MM\b|"
    r"^(?:ISSUE|INCIDENT|REPORT|EVENT)?\s*(?:NAME|TITLE)$|"
    r"^(?i:(?:issue|incident|report|event|postmortem|post mortem)?\s*(?:name|title))$|"
    r"<(?:title|date|name|summary|description)>|\{\{[^}]{1,40}\}\}|"
    r"<[A-Z][a-z]*(?: [^<>\n]{1,120})?(?: here| goes here)>|\b20[xX]{2}-MM-DD\b|\bHH:mm\b")
"""Marks of a blank template: a report with these in its title or header is not one yet."""

LIFECYCLE_WORDS: dict[str, tuple[str, ...]] = {
    "began": ("outage begins", "outage began", "outage starts", "outage started",
              "incident begins", "incident began", "incident starts", "incident started",
              "start of incident", "start of outage", "start of the incident",
              "start of the outage", "impact begins", "impact began", "impact starts",
              "impact started", "problem starts", "problem started", "problem begins",
              "issue starts", "issue started", "issue begins", "began failing",
              "started failing", "start failing", "goes down", "went down", "is hard down",
              "site is down", "became unavailable", "becomes unavailable", "outage start",
              "starts degrading", "started degrading", "begins degrading", "drops to zero",
              "dropped to zero", "drops to 0%", "dropped to 0%", "reaches 0%", "is at 0%",
              "fell to zero", "falls to zero", "chain stalled", "service degraded",
              "begins experiencing", "began experiencing", "started experiencing",
              "starts experiencing", "began impacting", "begins impacting",
              "started impacting", "began affecting", "started affecting",
              "failures began", "failures started", "failures begin",
              "degradation begins", "errors begin", "errors start", "errors started",
              "stopped working", "stops working", "stopped creating", "wave begins",
              "wave began", "attack begins", "attack began", "attack started",
              "storm begins", "storm began", "begins to drop", "began to drop",
              "starts to drop", "started to drop", "begins to fail", "began to fail",
              "starts to fail", "started to fail", "rate drops", "rate dropped",
              "failed to deploy", "deploy failed", "deployment failed",
              "was not available", "is not available", "were not available",
              "are not available"),
    "detected": ("alert fired", "alert fires", "alerts fired", "alerts fire",
                 "alert triggered", "alerts triggered", "alarm fired", "alarms fired",
                 "pages on-call", "paged on-call", "pages oncall", "paged oncall",
                 "was paged", "got paged", "notices", "noticed",
                 "reported by", "user reported", "users reported", "user reports",
                 "users report", "reports that", "reported that", "team alerted",
                 "first detected", "respond to alarms", "investigation starts",
                 "investigation begins", "became aware", "becomes aware", "first report",
                 "first reports", "is reported", "was reported", "reported on", "reports on",
                 "reports of", "realized", "realised", "discovered", "fault detected",
                 "issue detected", "problem detected", "monitoring detected", "team aware",
                 "problem is identified", "issue is identified", "notified", "notifying",
                 "we notice", "was noticed", "is noticed", "detected the", "alert received",
                 "identified by", "recognizes", "recognized", "recognised",
                 "received an alert", "alert was received", "on-call paged", "oncall paged",
                 "informed of", "was informed", "were informed", "was alerted",
                 "were alerted", "notice that", "notice a", "notice the", "notice drop",
                 "realization", "realisation", "first pinged",
                 "pinged on-call", "pinged oncall", "first noticed", "first sign",
                 "something is wrong", "something was wrong", "something is up",
                 "something was up", "something is off", "something was off"),
    "mitigated": ("mitigation applied", "rolled back", "rollback complete",
                  "service restored", "service partially restored",
                  "impact mitigated", "declared mitigated", "temporarily restore",
                  "temporary fix", "workaround applied", "workaround in place",
                  "mitigation in place", "mitigation deployed", "stabilized", "stabilised"),
    "resolved": ("outage ends", "outage ended", "outage end", "incident ends",
                 "incident ended", "end of incident", "end of outage", "end of the outage",
                 "end of the incident", "service fully restored", "fully restored",
                 "declared resolved", "declared as resolved", "declared over",
                 "fully recovered", "back to normal", "returns to normal",
                 "returned to normal", "return to normal", "service resumes",
                 "service resumed", "permanently fixed", "problem solved",
                 "issue resolved", "incident resolved", "all clear", "operating normally",
                 "functioning normally", "working again",
                 "is back up", "back online", "impact ends", "impact ended",
                 "outage to an end", "problem was resolved", "problem is resolved",
                 "issue was resolved", "issue is resolved", "resolution is confirmed",
                 "confirmed healthy", "is healthy again", "is healthy", "back to 100%",
                 "as normal",
                 "issue goes away", "problem goes away", "are now back", "is now back",
                 "functional state", "functional again", "fully functional",
                 "fully operational", "back to functional", "recovered fully",
                 "recover fully", "fully recover", "service is restored",
                 "service was restored", "service has been restored", "is restored",
                 "was restored", "were restored", "are restored", "has been restored",
                 "have been restored", "launch fine",
                 "everything is fine", "at its usual rate", "at the usual rate",
                 "running again", "up and running again", "stable again",
                 "flowing again", "created again", "is once again", "are once again",
                 "false positive", "confirmed working", "confirmed clean", "verified clean",
                 "verified to be clean", "final release", "permanent fix"),
    "closed": ("incident closed", "closed the incident", "postmortem complete"),
}
"""Words in a timeline row (or a key event's label) that say which moment it is."""

_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("reopened", re.compile(r"\breopen(ed|ing|s)?\b", re.I)),
    ("severity", re.compile(r"\b(escalat|downgrad)\w*\b.*\bP[0-3]\b", re.I)),
    ("closed", re.compile(r"^(incident\s+)?(fully\s+)?closed\b|\b(incident|record|postmortem|"
                          r"post-mortem)\s+(fully\s+)?closed\b", re.I)),
    ("resolved", re.compile(r"^(incident\s+)?resolved\b|\bincident\s+(was\s+)?resolved\b|"
                            r"^resolution\b", re.I)),
    ("declared", re.compile(r"^(incident\s+)?declared\b(?!\s+(as\s+)?(mitigated|resolved|"
                            r"closed|over)\b)|\b(incident|outage|major incident)\s+(was\s+)?"
                            r"declared\b(?!\s+(as\s+)?(mitigated|resolved|closed|over)\b)",
                            re.I)),
    ("mitigated", re.compile(r"^(incident\s+)?(mitigated|repaired)\b|\b(incident|impact|issue)\s+"
                             r"(was\s+)?(mitigated|repaired)\b|^rollback\s+complete", re.I)),
    ("acknowledged", re.compile(r"\b(alert|page|incident)\s+acknowledged\b|^acknowledged\b",
                                re.I)),
    ("detected", re.compile(r"^(first\s+)?detected\b|\b(first|incident|issue|problem)\s+"
                            r"detected\b|^alert\s+(fired|triggered)\b|^initial\s+alert\b", re.I)),
    ("began", re.compile(r"^(fault|outage|impact|incident|problem)\s+(occurs|occurred|began|"
                         r"begins|started|starts)\b", re.I)),
)
"""A row's kind from its words as the house templates write them (``Incident resolved``)."""


def _phrases(names: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"[\s-]+")
                            for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


_LIFECYCLE = tuple((kind, _phrases(LIFECYCLE_WORDS[kind])) for kind in (
    "resolved", "mitigated", "detected", "began"))
_WORD = re.compile(r"[a-z0-9%']+")


def _first_words() -> frozenset[str]:
    """The longest word of every lifecycle phrase (its rarest, most likely): a row with
    none of them has no phrase."""
    return frozenset(max(_WORD.findall(name.lower()), key=len) for kind, _ in _LIFECYCLE
                     for name in LIFECYCLE_WORDS[kind] if _WORD.search(name.lower()))


_FIRST = _first_words()


def _first_words_of() -> dict[str, frozenset[str]]:
    """The key words (see :func:`_first_words`) of each kind's phrases."""
    return {kind: frozenset(max(_WORD.findall(name.lower()), key=len)
                            for name in LIFECYCLE_WORDS[kind] if _WORD.search(name.lower()))
            for kind, _ in _LIFECYCLE}


_FIRST_OF = _first_words_of()


def may_name_a_moment(text: str) -> bool:
    """False when ``text`` holds no key word of any lifecycle phrase (so no phrase): a
    cheap test before the long patterns."""
    return not _FIRST.isdisjoint(_WORD.findall(text.lower()))


@functools.lru_cache(maxsize=4096)
def classify(text: str) -> str:
    """The kind a reader takes a timeline row for from its words alone: the house phrases
    first (``Incident resolved``), then what teams write (``Outage begins``, ``alert fired``,
    ``users reported``, ``rolled back``, ``back to normal``). Shared by the reader and the
    renderer, which marks a row whose words alone would be read as another kind."""
    words = text.strip()
    for kind, pattern in _KINDS:
        if pattern.search(words):
            return kind
    # What a row says first is what it is ("reported on Gitter ... back to normal" is the
    # report, the rest is what followed). A row with no phrase's key word has no phrase:
    # one pass over its words spares the long patterns.
    if not may_name_a_moment(words):
        return "entry"
    found = [(m.start(), kind) for kind, pattern in _LIFECYCLE if (m := pattern.search(words))
             and not _not_so(kind, words)]
    return min(found)[1] if found else "entry"


@functools.lru_cache(maxsize=4096)
def names_moment(text: str, kind: str) -> bool:
    """True when ``text`` holds the words of lifecycle moment ``kind`` anywhere, whatever
    kind :func:`classify` takes it for: "Site is hard down, engineers respond to alarms"
    says both when it began and when it was detected."""
    if _FIRST_OF[kind].isdisjoint(_WORD.findall(text.lower())):
        return False  # none of its phrases' key words: no phrase (the long pattern spared)
    pattern = next(p for k, p in _LIFECYCLE if k == kind)
    return pattern.search(text) is not None and not _not_so(kind, text)


def _not_so(kind: str, words: str) -> bool:
    """Words of ``kind`` that say something else here: a cause found ("noticed that this is
    because ..."), or a drop in what is bad ("error rate dropped to 0.8%")."""
    if kind == "detected":
        return _FOUND_WHY.search(words) is not None
    return kind == "began" and _EASING.search(words) is not None


_EASING = re.compile(r"\b(?:errors?|error\s+rate|failures?|latency|load|queue|backlog|cpu|"
                     r"memory|usage|timeouts?)\b[^.]{0,30}?\b(?:drops?|dropped|begins?\s+to\s+drop|"
                     r"began\s+to\s+drop|starts?\s+to\s+drop|started\s+to\s+drop)\b", re.IGNORECASE)
"""A drop in what is bad: the problem easing, not starting."""


_FOUND_WHY = re.compile(
    r"\b(?:notic|realis|realiz|discover|found|recogni[sz])\w*\s+that\s+(?:this|it|that|the\s+"
    r"\w+)\s+(?:is|was|were|are)\s+(?:because|due\s+to|caused\s+by)\b", re.IGNORECASE)
"""'noticed that this is because ...': a row that explains a cause, not a detection."""


TASK_VERBS = re.compile(
    r"^(?:[-*+]\s+)?(?:add|adopt|alert|analy[sz]e|audit|automate|build|change|check|clean|"
    r"configure|consider|create|define|deploy|develop|disable|document|enable|enforce|"
    r"ensure|establish|evaluate|explore|extend|file|fix|hire|implement|improve|increase|"
    r"introduce|investigate|limit|look|make|migrate|monitor|move|notify|publish|reduce|"
    r"refactor|remove|replace|require|research|restrict|review|revoke|rotate|run|schedule|"
    r"set|ship|split|start|stop|switch|test|track|train|update|upgrade|use|validate|verify|"
    r"write)\b", re.IGNORECASE)
"""Verbs a task starts with ("Add an alert ..."): a line that starts with one is an item."""

CAUSE_CUES = re.compile(
    r"\b(?=[abcdfiorstw])(?:caused by|was caused|were caused|root cause|due to|the cause|"
    r"triggered by|as a result of|resulted from|stemmed from|was the result of|the culprit|"
    r"a bug in|a bug that|bug in the|ran out of|run out of|out of memory|"
    r"came from the|come from the|identified that|found that|determined that|discovered that|"
    r"realised that|realized that|turned out|it appears that|appears to (?:be|have)|"
    r"seems to (?:be|have)|we suspect|suspected|which (?:caused|led to|resulted in))\b",
    re.IGNORECASE)
"""Words that say a sentence of prose states why it happened ("X had a bug which caused
..."; a sentence that starts "This caused ..." says it less directly: a weak cue)."""

CAUSE_FOUND = re.compile(
    r"\b(?:root cause|cause|explanation|reason|culprit)\s+(?:was\s+|is\s+|has been\s+)?"
    r"(?:found|identified|revealed|discovered|determined|established|confirmed)\b\s*"
    r"(?:[.:]|$)", re.IGNORECASE)
"""Words of a timeline row that announce the cause was found ("14:51 Explanation revealed.",
"Root cause identified:"): what follows them states it."""

CAUSE_LABELS = frozenset({"problem", "the problem", "culprit", "the culprit"})
"""Run-in labels (folded) that name what went wrong inside a timeline row or a note
(``**Problem**: the base image used a release that was removed``), besides the labels of
the root-cause and trigger roles."""

HEDGED = re.compile(r"\b(?:believed?|likely|probabl[ey]|suspect\w*|seem\w*|appear\w*|may|"
                    r"might|could|perhaps|possibly|think)\b", re.IGNORECASE)
"""Words that say a statement is a guess: a sure statement of the cause is read first."""

_CAUSE_NAMED = (r"(?:root[\s-]+causes?|(?:primary|main|ultimate|underlying|actual|real|likely|"
                r"probable|direct|immediate|proximate) causes?|cause of (?:the|this|these|that|"
                r"our|all|an?)\b)")
NAMED_CAUSE_CUES = re.compile(
    r"\b(?=[abcdilmprtuw])(?:" + _CAUSE_NAMED + r"[^.;]{0,60}?(?:\b(?:is|was|were|are|"
    r"seems?|seemed|appears?|appeared|turned out|lies|lay|comes?|came)\b|:)|"
    r"(?:be|is|was|were|are|as)\s+(?:the|a|an|one of the)?\s*(?:\w+\s+)?" + _CAUSE_NAMED +
    r"|(?:core|underlying|real|actual) "
    r"(?:problem|issue) (?:was|is)|(?:problem|issue|bug) (?:was|is) (?:that|with|in)\b|"
    r"the culprit|(?:is|was|are|were) what (?:is |was )?(?:caus|trigger)(?:ed|es|ing)\b)",
    re.IGNORECASE)
"""Words that state the cause outright ("the root cause was", "the cause of the outage is",
"... is the primary cause", "the problem was that"): the surest statement of why, wherever a
report makes it ("did not solve the root cause" names one without stating it)."""

STRONG_CAUSE_CUES = re.compile(
    r"\b(?=[abcdilmprtuw])(?:" + _CAUSE_NAMED + r"|(?:core|underlying|real|actual) "
    r"(?:problem|issue) (?:was|is)|"
    r"(?:problem|issue|bug) (?:was|is) (?:that|with|in)\b|the culprit|caused by|was caused|"
    r"were caused|is caused|are caused)", re.IGNORECASE)
"""Words that say outright that a sentence names the cause ("the root cause was",
"the cause of the outage", "was caused by")."""

WEAK_CAUSE_CUES = re.compile(
    r"\b(?=[abcfhilmorsw])(?:because|caused|causing|led to|leads to|lead to|resulted in|"
    r"results in|had a bug|has a bug|a bug (?:in|that|which|where)|failed to|misconfigur\w+|"
    r"by mistake|accidentally|"
    r"inadvertently|incorrectly|resulting in|(?:can|could|may|might|would) cause|overlooked|"
    r"hence|should(?:n['’]t| not) have (?:had|been))\b", re.IGNORECASE)
"""Words of a sentence that tells why, less surely; read only where a report tells its
story (the summary, context, analysis)."""

@functools.lru_cache(maxsize=32)
def folded_pattern(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` (written in lower case, compiled to ignore case) for text already lowered:
    several times faster over a whole report."""
    return re.compile(pattern.pattern)


THIS_CAUSED = re.compile(
    r"^(?:this|that|which|these|it)\b(?:(?!\b(?:was|were|is|are|been|be)\b)[^.]){0,40}?\b"
    r"(?:caused|causes|led to|leads to|"
    r"resulted in|results in|meant|triggered)\b", re.IGNORECASE)
"""A sentence that says what the one before it caused: the one before states the cause."""

_NOT_KNOWN = r"not (?:yet )?(?:been )?(?:known|determined|identified|understood|found)"
UNKNOWN_CAUSE = re.compile(
    r"(?m)\b(?=[acinorstuw])(?:(?:still|currently|remains?|is|are|was|were) (?:\w+ )?unknown|"
    r"unclear (?:what|why|how)|under investigation|still investigating|no root cause|"
    r"(?:cause|reason|why|source|origin|culprit|trigger)\b[^.]{0,40}?\b" + _NOT_KNOWN + "|"
    + _NOT_KNOWN + r"\b[^.]{0,12}?\b(?:cause|reason|why))\b|"
    r"^\W*(?:unknown|tbd|tbc|to be (?:determined|confirmed))(?: (?:at this (?:time|point)|yet|"
    r"for now))?\W*$", re.IGNORECASE)
"""Words that say the cause is not known: such a sentence states no cause ("not identified"
alone may be about anything: "the leader pod, which was not identified yet"; a sentence that
is only "Unknown." or "TBD" is a placeholder)."""

CAUSE_NOUNS = re.compile(r"\b(?:causes?|reasons?|why|source|origin|culprit|trigger)\b",
                         re.IGNORECASE)
"""Words that name the cause itself: a sentence with one that says it is unknown says the
report's cause is unknown ("The root cause is still unknown")."""

SEEKING_CAUSE = re.compile(
    r"\b(?:investigat\w*|look(?:ed|ing)? (?:for|into)|search\w* for|trying to (?:find|understand)|"
    r"exclud\w*|ruled? out|determine|identify|began|started)\b[^.]{0,30}?\bcause\b(?![^.]{0,40}?"
    r"\b(?:was|is|were|are)\b)|\bruled out as\b", re.IGNORECASE)
"""Words of a sentence that looks for the cause, or rules one out, without stating it."""

DETECTION_WORDS = re.compile(
    r"\b(?:alert\w*|alarm\w*|pag(?:e|ed|ing)|report\w*|notic\w*|monitor\w*|pingdom|"
    r"detect\w*|spotted|flagged|complain\w*|raised|escalat\w*|ticket|notif\w*)\b",
    re.IGNORECASE)
"""Words that say how a problem was noticed, not what it was."""

RESOLUTION_CUES = re.compile(
    r"\b(?:fixed by|resolved by|was fixed|were fixed|we fixed|fixed the (?:problem|issue)|"
    r"resolved the (?:problem|issue)|mitigated by|restored by|was restored|solved by|"
    r"was solved|addressed by|was addressed|recovered by|was resolved by|"
    r"temporarily fixed|which fixed|to fix (?:this|the (?:problem|issue))|reverted|"
    r"rolled (?:it )?back|(?:we|they|team) (?:restarted|redeployed|re-deployed|replaced|removed|"
    r"deleted|increased|scaled)|(?:implemented|applied|deployed|released|shipped) (?:a |the )?"
    r"(?:[\w-]+ ){0,3}(?:fix|patch|hotfix)|restored (?:service|access|the)|was mitigated)\b",
    re.IGNORECASE)
"""Words that say a sentence of prose states how it was resolved."""

FIX_WORDS = re.compile(
    r"\b(?:fix(?:ed|es)?|hotfix(?:ed)?|patch(?:ed)?|rolled (?:back|over)|reverted|revert|"
    r"rollback|workaround)\b", re.IGNORECASE)
"""Words of a timeline row that say a fix was made ("Certificate rolled over", "Ross made a
commit to fix the version"), not only that things work again: with no resolution stated,
the last such row is how it ended."""


FIX_SHIPPED = re.compile(
    r"\b(?:revert(?:ed|s)?\b|rolled\s+back\b|(?:released|deployed|published|shipped|merged)\b"
    r"[^.\n]{0,40}\bfix(?:es)?\b|fix(?:es)?\s+(?:was\s+|were\s+)?(?:released|deployed|"
    r"published|shipped|merged)\b|(?:access\s+(?:was\s+|were\s+)?)revoked\b|removing\s+the\b"
    r"[^.\n]{0,30}\baccess\b)", re.IGNORECASE)
"""Words of a timeline row that says a fix was put in place ("reverted the change", "version
2.5.2 was released that included the bug fixes", "removing the gained access"): stricter
than :data:`FIX_WORDS`, as a finished report's last such row is when it was resolved."""


def reason(text: str) -> str | None:
    """The words that made :func:`classify` take a row for what it is (``outage begins``),
    or ``None`` for a plain entry."""
    words = text.strip()
    for _, pattern in _KINDS:
        if (match := pattern.search(words)):
            return match.group(0)
    found = [m for _, pattern in _LIFECYCLE if (m := pattern.search(words))]
    return min(found, key=lambda m: m.start()).group(0) if found else None


NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
                "fifty": 50, "sixty": 60, "ninety": 90, "twenty-four": 24, "forty-eight": 48,
                "seventy-two": 72}
_AMOUNT = r"(?:\d+(?:\.\d+)?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_UNIT = r"(?:hours?|hrs?|h|minutes?|mins?|m|days?|d)"
DURATION_PROSE = re.compile(
    r"\b(?:lasted|lasting|for|of)\s+(?:(?:about|approximately|approx\.?|around|roughly|at "
    r"least|nearly|almost|just over|just under|a little over|more than|over|some|~)\s*)?"
    r"(?P<amount>" + _AMOUNT + r")\s*-?\s*(?P<unit>"
    + _UNIT + r")\b(?:\s*(?:and\s+)?(?P<more>\d+)\s*(?:minutes?|mins?|m)\b)?"
    r"|\b(?:lasted|for)\s+(?:about\s+|approximately\s+|~)?(?P<h>\d+)h\s*(?P<m>\d+)m\b",
    re.IGNORECASE)
"""A duration stated in prose ("the outage lasted for 47 minutes", "for about 1h50m")."""
OUTAGE_WORDS = re.compile(r"\b(?:outage|down|downtime|unusable|unavailable|lasted|problem|"
                          r"incident|effect|stopped|degraded|disruption|broken|failing|failed)\b",
                          re.IGNORECASE)
"""Words that make a duration in a sentence the incident's."""


def prose_minutes(sentence: str) -> tuple[float, str] | None:
    """The duration a sentence states for the incident, in minutes, and its words."""
    if not OUTAGE_WORDS.search(sentence):
        return None
    found = DURATION_PROSE.search(sentence)
    if not found:
        return None
    if found["h"]:
        return int(found["h"]) * 60 + int(found["m"]), found.group(0)
    amount = found["amount"].lower()
    value = float(NUMBER_WORDS.get(amount, 0) or amount)
    unit = found["unit"].lower()
    scale = 1440 if unit.startswith("d") else 60 if unit.startswith("h") else 1
    minutes = value * scale + (int(found["more"]) if found["more"] else 0)
    return minutes, found.group(0)


STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "investigating": ("investigating", "ongoing", "open", "active", "in progress"),
    "identified": ("identified",),
    "mitigating": ("mitigating", "mitigated"),
    "monitoring": ("monitoring",),
    "resolved": ("resolved", "complete", "completed", "done", "fixed", "final", "finished"),
    "closed": ("closed",),
}
"""A status as teams write it (``Status: Complete``), by the status it means."""


def status_of(text: str) -> str | None:
    """The status a written value means (``Resolved``, ``complete``), or ``None``."""
    words = fold(text)
    for status, names in STATUS_WORDS.items():
        if words in names:
            return status
    return None


# --------------------------------------------------------------------------- a team's words


class VocabularyError(ValueError):
    """A vocabulary file that cannot be used, with where and why in one line."""


def extend(words: dict[str, Any], *, source: str = "vocabulary") -> None:
    """Add a team's own words: ``headings`` (role -> headings or labels), ``phrases``
    (began/detected/mitigated/resolved/closed -> words in a timeline row) and ``severities``
    (label -> rank, 0 the most severe). Unknown roles or kinds are refused, naming them."""
    from incidentlog import severity

    global _LIFECYCLE, _FIRST, _FIRST_OF
    heading_role.cache_clear()
    classify.cache_clear()
    names_moment.cache_clear()
    for key in words:
        if key not in ("headings", "phrases", "severities"):
            raise VocabularyError(f"{source}: unknown table [{key}] (headings, phrases, "
                                  "severities)")
    for role, names in dict(words.get("headings", {})).items():
        if role not in ROLES:
            raise VocabularyError(f"{source}: [headings] {role!r} is not a role "
                                  f"({', '.join(sorted(ROLES))})")
        for name in _strings(names, f"{source}: [headings] {role}"):
            ROLES[role] = (*ROLES[role], fold(name))
            _BY_HEADING[fold(name)] = role
    for kind, names in dict(words.get("phrases", {})).items():
        if kind not in LIFECYCLE_WORDS:
            raise VocabularyError(f"{source}: [phrases] {kind!r} is not one of "
                                  f"{', '.join(LIFECYCLE_WORDS)}")
        LIFECYCLE_WORDS[kind] = (*LIFECYCLE_WORDS[kind],
                                 *_strings(names, f"{source}: [phrases] {kind}"))
    for label, value in dict(words.get("severities", {})).items():
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 5:
            raise VocabularyError(f"{source}: [severities] {label!r} must be a rank 0-5")
        severity.WORDS[label.lower()] = value
    _LIFECYCLE = tuple((kind, _phrases(LIFECYCLE_WORDS[kind])) for kind in (
        "resolved", "mitigated", "detected", "began"))
    _FIRST = _first_words()
    _FIRST_OF = _first_words_of()


def _strings(value: object, where: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise VocabularyError(f"{where}: expected a string or a list of strings")


def load(path: str | Path) -> None:
    """Add the words of a TOML file: ``incidentlog.toml`` (tables at the top) or a
    ``pyproject.toml`` (under ``[tool.incidentlog.vocabulary]``)."""
    name = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise VocabularyError(f"{name}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise VocabularyError(f"{name}: not TOML: {exc}") from None
    if Path(path).name == "pyproject.toml":
        data = data.get("tool", {}).get("incidentlog", {}).get("vocabulary", {})
    extend(data, source=name)


def discover(folder: str | Path = ".") -> Path | None:
    """``incidentlog.toml`` in ``folder``, else its ``pyproject.toml`` if that has a
    ``[tool.incidentlog.vocabulary]`` table."""
    own = Path(folder) / "incidentlog.toml"
    if own.is_file():
        return own
    project = Path(folder) / "pyproject.toml"
    try:
        if project.is_file() and "[tool.incidentlog.vocabulary" in project.read_text(
                encoding="utf-8"):
            return project
    except (OSError, UnicodeDecodeError):
        return None
    return None
