"""The two example incidents of the house templates, built with the Python API.

Run: python examples/seed_incidents.py [sqlite:///incidents.db]
It records both incidents (if absent) and prints them in their own template.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

from incidentlog import IncidentLog
from incidentlog import events as ev
from incidentlog.render import render_markdown

A_ID = "INC-20251023-0001"
B_ID = "2024-11-19-001"


def _at(day: str, hms: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hms}").replace(tzinfo=UTC)


def template_a_events() -> list[ev.Event]:
    """Template A's example: a bad deployment rolled back in 27 minutes."""
    def t(hm: str) -> datetime:
        return _at("2025-10-23", hm + ":00")

    oncall = "@oncall-engineer"

    def entry(hm: str, text: str, by: str = oncall, marks: ev.Mark | None = None
              ) -> ev.TimelineEntryAdded:
        return ev.TimelineEntryAdded(occurred_at=t(hm), actor=oncall, text=text, by=by,
                                     marks=marks)

    def section(heading: str, markdown: str, level: int = 3) -> ev.SectionNoted:
        return ev.SectionNoted(occurred_at=t("14:50"), actor=oncall, heading=heading,
                               markdown=markdown, level=level)

    def item(n: int, owner: str, title: str, horizon: str, done: bool = False
             ) -> ev.ActionItemAdded:
        return ev.ActionItemAdded(occurred_at=t("14:55"), actor="@sre-lead",
                                  item_id=f"INC-{n:03d}", title=title, owner=owner,
                                  horizon=horizon, status="done" if done else "open")

    def lesson(kind: str, title: str, text: str) -> ev.LessonRecorded:
        return ev.LessonRecorded(occurred_at=t("14:55"), actor=oncall, kind=kind, title=title,
                                 text=text)

    return [
        ev.IncidentDeclared(
            incident_id=A_ID, title="Inference gateway errors after v1.2.3", severity="P1",
            commander=oncall, detected_at=t("14:23"), services=("inference-gateway",),
            summary="Deployment v1.2.3 made the inference gateway fail 12% of prediction "
                    "requests until it was rolled back.",
            occurred_at=t("14:25"), actor=oncall, note="Incident declared in #incidents",
            by=oncall),
        entry("14:23", "Alert fired: HighErrorRate", "Prometheus", "detected"),
        entry("14:24", "Alert acknowledged", marks="acknowledged"),
        entry("14:27", "Dashboard shows 12% error rate"),
        entry("14:30", "Identified recent deployment as cause"),
        entry("14:32", "Initiated rollback to v1.2.2"),
        ev.Mitigated(occurred_at=t("14:35"), actor=oncall, note="Rollback completed",
                     by="Kubernetes", action="Rollback deployment from v1.2.3 to v1.2.2",
                     commands="kubectl rollout undo deployment/inference-gateway\n"
                              "kubectl rollout status deployment/inference-gateway",
                     commands_language="bash",
                     why_it_worked="v1.2.2 had proper null checking for EXIF data"),
        entry("14:38", "Error rate dropped to 0.8%", "Prometheus"),
        entry("14:40", "Monitoring for 10 minutes"),
        ev.Resolved(occurred_at=t("14:50"), actor=oncall, by=oncall,
                    summary="Rolled back inference-gateway from v1.2.3 to v1.2.2."),
        ev.ImpactAssessed(
            occurred_at=t("14:50"), actor=oncall, users_affected="~200 unique clients",
            revenue="N/A",
            services=(ev.ServiceImpact("inference-gateway", "12% error rate"),
                      ev.ServiceImpact("feature-store", "Minor increase in cache misses"),
                      ev.ServiceImpact("model-registry", "No impact")),
            failed_requests=840, total_requests=7000, slo_target=99.5, slo_actual=99.72,
            facts=(ev.Fact("user", "", "Geography: All regions"),)),
        ev.RootCauseIdentified(
            occurred_at=t("14:30"), actor=oncall,
            summary="Insufficient test coverage for edge cases (images without EXIF metadata)",
            whys=(
                ev.Why("Why did inference requests fail?",
                       "Because the prediction handler threw NullPointerException"),
                ev.Why("Why did it throw NullPointerException?",
                       "Because code tried to access `image.exif.datetime` without null check"),
                ev.Why("Why was there no null check?",
                       "Because the developer assumed all images have EXIF data"),
                ev.Why("Why wasn't this caught in testing?",
                       "Because test images all had EXIF metadata"),
                ev.Why("Why didn't test images cover this case?",
                       "Because test data generation didn't include edge cases"),
            ),
            contributing_factors=(
                "**Code Review**: Reviewer didn't catch missing null check",
                "**CI/CD**: Integration tests didn't cover null EXIF scenario",
                "**Deployment Process**: No canary deployment to catch issue before full "
                "rollout",
                "**Monitoring**: Alert fired correctly, but 2-minute delay before page",
            )),
        section("What Happened",
                "At 14:23 UTC, Prometheus detected an elevated error rate on the "
                "inference-gateway service. Deployment v1.2.3, live at 14:20 UTC, introduced "
                "a NullPointerException when processing images without EXIF metadata."),
        section("Verification",
                "- Error rate dropped from 12% to 0.8% (baseline 0.3%)\n"
                "- Monitored for 10 minutes to ensure stability\n"
                "- Spot-checked logs for residual errors\n"
                "- Verified SLO dashboard showed recovery"),
        item(1, "@dev-lead", "Add null check to EXIF access in v1.2.4", "immediate", True),
        item(2, "@qa-lead", "Add test case for images without EXIF metadata", "immediate", True),
        item(3, oncall, "Complete post-mortem document", "immediate"),
        item(4, "@sre-lead", "Implement canary deployment for inference-gateway", "short-term"),
        item(5, "@qa-lead", "Expand test data generator to include edge cases", "short-term"),
        item(6, "@dev-lead", "Add defensive coding guideline to style guide", "short-term"),
        item(7, "@platform-lead", "Implement automated rollback on error spike", "long-term"),
        item(8, "@qa-lead", "Fuzzing test suite for prediction handler", "long-term"),
        item(9, "@sre-lead", "Reduce alert detection delay to <1 minute", "long-term"),
        lesson("went_well", "Alert Detection",
               "Prometheus detected issue within 2 minutes of deployment"),
        lesson("went_well", "Mitigation", "Rollback executed cleanly without additional issues"),
        lesson("went_wrong", "Deployment Safety",
               "No canary deployment to catch issue before full rollout"),
        lesson("went_wrong", "Test Coverage", "Edge case not covered in integration tests"),
        lesson("lucky", "Timing",
               "Incident occurred during business hours with full team available"),
        section("Supporting Data",
                "### Metrics\n\n**Request Volume**:\n- Total requests during incident: 7,000\n"
                "- Failed requests: 840", level=2),
        section("References",
                "- **Runbook**: runbooks/001-high-error-rate.md", level=2),
        ev.SignedOff(occurred_at=_at("2025-10-24", "10:30:00"), actor="@sre-lead",
                     role="Incident Commander", name=oncall),
        ev.SignedOff(occurred_at=_at("2025-10-24", "10:31:00"), actor="@sre-lead",
                     role="Service Owner", name="@dev-lead"),
        ev.SignedOff(occurred_at=_at("2025-10-24", "10:32:00"), actor="@sre-lead",
                     role="SRE Lead", name="@sre-lead"),
    ]


def template_b_events() -> list[ev.Event]:
    """Template B's example: a corrupted index took search down for 45 minutes."""
    def t(hms: str) -> datetime:
        return _at("2024-11-19", hms)

    ic = "@incident-commander"

    def entry(hms: str, text: str, by: str, marks: ev.Mark | None = None
              ) -> ev.TimelineEntryAdded:
        return ev.TimelineEntryAdded(occurred_at=t(hms), actor=ic, text=text, by=by,
                                     marks=marks)

    def fact(part: str, label: str, value: str) -> ev.Fact:
        return ev.Fact(part, label, value)

    def section(heading: str, markdown: str, level: int = 3) -> ev.SectionNoted:
        return ev.SectionNoted(occurred_at=t("15:15:00"), actor=ic, heading=heading,
                               markdown=markdown, level=level)

    def item(n: int, title: str, owner: str, due: str, priority: str,
             status: ev.ActionStatus = "open") -> ev.ActionItemAdded:
        return ev.ActionItemAdded(occurred_at=t("15:10:00"), actor=ic, item_id=str(n),
                                  title=title, owner=owner, due=date.fromisoformat(due),
                                  priority=priority, status=status)

    def lesson(kind: str, title: str, text: str) -> ev.LessonRecorded:
        return ev.LessonRecorded(occurred_at=t("15:15:00"), actor=ic, kind=kind, title=title,
                                 text=text)

    return [
        ev.IncidentDeclared(
            incident_id=B_ID, title="Discovery Service search outage", severity="P0",
            detected_at=t("14:00:00"), services=("Discovery Service",),
            summary="On November 19, 2024, the Discovery Service experienced a complete outage "
                    "lasting 45 minutes affecting 100% of search functionality. Service was "
                    "restored by rolling back the migration and rebuilding the index.",
            occurred_at=t("14:02:30"), actor="@oncall-engineer", note="Incident declared P0",
            by="@oncall-engineer"),
        entry("14:00:00", "Initial alert triggered: DiscoveryServiceDown", "Prometheus",
              "detected"),
        entry("14:05:00", "War room created: #incident-2024-11-19-001", ic),
        entry("14:08:00", "Root cause identified: database index corruption", "@database-sme"),
        entry("14:12:00", "Rollback initiated", "@database-sme"),
        entry("14:25:00", "Index rebuild started", "@database-sme"),
        ev.Mitigated(occurred_at=t("14:42:00"), actor=ic, note="Service health checks passing",
                     by="System",
                     action="Stopped the migration, reverted it, and rebuilt the index "
                            "CONCURRENTLY.",
                     commands="DROP INDEX idx_services_name_trgm;\n"
                              "CREATE INDEX CONCURRENTLY idx_services_name_trgm\n"
                              "ON services USING gin(name gin_trgm_ops);",
                     commands_language="sql"),
        ev.Resolved(occurred_at=t("14:45:00"), actor=ic, note="Incident resolved, monitoring phase",
                    by=ic),
        ev.ImpactAssessed(
            occurred_at=t("15:00:00"), actor=ic,
            users_affected="12,500 users (100% of active users during outage window)",
            revenue="~$2,100 (estimated lost transactions)", slo_target=99.9,
            downtime_minutes=45,
            facts=(
                fact("user", "Affected Functionality", "Complete search outage"),
                fact("user", "Support Tickets", "47 tickets filed during outage"),
                fact("business", "Partner Impact", "3 enterprise customers reported issues"),
                fact("technical", "Services Affected",
                     "Discovery Service (primary), Publishing Service (secondary)"),
                fact("technical", "Data Impact", "No data loss or corruption"),
            )),
        ev.RootCauseIdentified(
            occurred_at=t("14:08:00"), actor="@database-sme",
            summary="Database index corruption during migration",
            immediate_cause="Database index corruption during migration",
            causes=(
                "**Insufficient Testing**: Migration was not tested on production-like dataset",
                "**Missing Validation**: No post-migration index validation step",
            )),
        section("What Happened",
                "A database migration to add a GIN index corrupted the existing trigram index "
                "on `services.name`; every search query that used it failed."),
        section("Why We Didn't Catch It Sooner",
                "1. **Monitoring Gap**: No alerting on database index health\n"
                "2. **Health Check Limitation**: Health endpoint didn't verify database query "
                "functionality, only connection"),
        lesson("went_well", "Fast Detection", "Alert triggered within 30 seconds of first failure"),
        lesson("went_wrong", "Manual Process", "Rollback was manual, should be automated"),
        item(1, "Add database index health monitoring", "@devops", "2024-11-22", "P0",
             "in_progress"),
        item(2, "Implement automated migration rollback", "@database-team", "2024-11-26", "P0"),
        item(3, "Add synthetic search monitoring", "@sre-team", "2024-11-29", "P1"),
        lesson("technical", "Test with Production Data Volume",
               "Small datasets don't reveal issues that appear at scale"),
        lesson("process", "Canary Migrations",
               "Database changes should follow same gradual rollout as code"),
        lesson("communication", "Faster Status Updates",
               "Status page should update within 2 minutes"),
        section("Follow-Up Actions",
                "### Immediate (Next 7 Days)\n\n**Process Changes**:\n"
                "- All migrations require staging test with production data volume\n\n"
                "### Medium Term (Next 30 Days)\n\n**Automation**:\n"
                "- Implement automated migration rollback on health check failure", level=2),
        section("External Communication",
                "### External (Customers)\n\n**Status Page Post-Mortem**:\n"
                "```\nSubject: Incident Report - Search Functionality Outage (Nov 19, 2024)\n"
                "```", level=2),
        section("Appendix",
                "### Related Incidents\n\n"
                "- 2024-10-15: Similar index issue on staging (severity: P3)", level=2),
        ev.Closed(occurred_at=t("15:15:00"), actor=ic, note="Incident fully closed", by=ic),
    ]


def sign_offs_b() -> list[ev.Event]:
    """Template B's sign-off table (recorded after close would be refused: before it)."""
    day = "2024-11-20"
    return [
        ev.SignedOff(occurred_at=_at(day, "09:00:00"), actor="@incident-commander",
                     role=role, name=name)
        for role, name in (("Incident Commander", "John Doe"),
                           ("Engineering Manager", "Jane Smith"))
    ]


def record(log: IncidentLog) -> None:
    """Record both example incidents, unless the log has them already."""
    if not log.exists(A_ID):
        log.append(A_ID, *template_a_events())
    if not log.exists(B_ID):
        events = template_b_events()
        closing = events.pop()
        log.append(B_ID, *events, *sign_offs_b(), closing)


def main(url: str | None = None) -> None:
    with IncidentLog(url) as log:
        record(log)
        print(render_markdown(log.get(A_ID), "a", log.events(A_ID)))
        print(render_markdown(log.get(B_ID), "b", log.events(B_ID)))


if __name__ == "__main__":
    main(*sys.argv[1:])
