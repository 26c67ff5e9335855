"""Impact sections: services affected, users, requests, SLO figures."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from incidentlog import events as ev
from incidentlog.parse import figures
from incidentlog.parse.lists import Item, items
from incidentlog.parse.source import Block, Section
from incidentlog.parse.text import (
    norm,
    split_label,
)

if TYPE_CHECKING:
    from incidentlog.parse.house import Reader


def blast_radius(reader: Reader, s: Section) -> list[Block]:
    leftover: list[Block] = []
    blocks = s.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        labelled = reader.label_before_list(blocks, i)
        if labelled:
            key, after = labelled
            lst = items(reader.doc, after)
            if key == "affected services" and all(not x.body for x in lst):
                services(reader, lst)
                i += 2
                continue
            if key in ("technical impact", "business impact") and all(
                    not x.body for x in lst):
                for x in lst:  # as template A writes what B heads on its own
                    pair = split_label(x.text)
                    label, value = pair if pair else ("", x.text)
                    reader.b.fact(key.split()[0], label, value, x.line)
                i += 2
                continue
            if key in ("user impact", "slo impact") and all(not x.body for x in lst):
                fact_list(reader, "user" if key == "user impact" else "slo", lst)
                i += 2
                continue
        leftover.append(block)
        i += 1
    return leftover


def services(reader: Reader, lst: list[Item]) -> None:
    found = []
    for item in lst:
        name, sep, effect = item.text.partition(": ")
        found.append(ev.ServiceImpact(name.strip(), effect.strip() if sep else ""))
    reader.b.set_impact(lst[0].line, services=tuple(found))


def fact_list(reader: Reader, part: str, lst: list[Item]) -> None:
    generated = [generated_impact(reader, part, x) for x in lst]
    if all(generated):
        return
    for item in lst:
        figures.numbers_in(reader, item.text, item.line)
        pair = split_label(item.text)
        label, value = pair if pair else ("", item.text)
        reader.b.fact(part, label, value, item.line)


_FAILED = re.compile(r"^([\d,]+) failed requests \(out of ([\d,]+) total\): [\d.]+% success "
                     r"rate$")


_SLO = re.compile(r"^Monthly availability SLO: ([\d.]+)% \(target: ([\d.]+)%\) [✅❌]$")


def generated_impact(reader: Reader, part: str, item: Item) -> bool:
    """A line the renderer generates from numbers: read the numbers back, keep no fact."""
    text = item.text
    if part == "user" and (m := _FAILED.match(text)):
        reader.b.set_impact(item.line, failed_requests=int(m[1].replace(",", "")),
                          total_requests=int(m[2].replace(",", "")))
        return True
    if part == "user" and (m := re.match(r"^(Total|Failed) requests: ([\d,]+)$", text)):
        field = "total_requests" if m[1] == "Total" else "failed_requests"
        reader.b.set_impact(item.line, **{field: int(m[2].replace(",", ""))})
        return True
    if part == "slo" and (m := _SLO.match(text)):
        reader.b.set_impact(item.line, slo_actual=float(m[1]), slo_target=float(m[2]))
        return True
    if part == "slo" and (m := re.match(r"^SLO target: ([\d.]+)% \(error budget [\d.]+ "
                                        r"min/month\)$", text)):
        reader.b.set_impact(item.line, slo_target=float(m[1]))
        return True
    if part == "slo" and (m := re.match(r"^Downtime: ([\d.]+) minutes$", text)):
        reader.b.set_impact(item.line, downtime_minutes=float(m[1]))
        return True
    return (part == "slo" and text in ("SLO breached", "No SLO breach")) or (
        part == "slo" and re.match(r"^Error budget consumed: [\d.]+%$", text) is not None)


def part(part: str) -> Callable[[Reader, Section], list[Block]]:
    """The reader of one of template B's impact sections (user, business, technical)."""

    def read(reader: Reader, s: Section) -> list[Block]:
        leftover = []
        for block in s.blocks:
            if block.type == "list" and all(not x.body for x in items(reader.doc, block)):
                facts_b(reader, part, items(reader.doc, block))
                continue
            leftover.append(block)
        return leftover

    return read


def facts_b(reader: Reader, part: str, lst: list[Item]) -> None:
    for item in lst:
        pair = split_label(item.text)
        label, value = pair if pair else ("", item.text)
        key = norm(label)
        if part == "user" and key == "affected users" and "users_affected" not in reader.b.impact:
            reader.b.set_impact(item.line, users_affected=value)
        elif part == "business" and key == "revenue impact" and "revenue" not in reader.b.impact:
            reader.b.set_impact(item.line, revenue=value)
        elif part == "business" and key == "slo" and pair is not None:
            figures.numbers_in(reader, value, item.line)
            reader.b.fact("slo", "", value, item.line)  # as template A writes it
        elif part == "business" and key == "sla impact" and sla(reader, value, item.line):
            pass
        elif part == "business" and key == "availability" and (
                m := re.match(r"^([\d.]+)% \(target: ([\d.]+)%\)$", value)):
            reader.b.set_impact(item.line, slo_actual=float(m[1]), slo_target=float(m[2]))
        elif part == "technical" and key == "services affected" and (
                found := _services(value)) is not None:
            impacts, names = found
            if impacts:
                reader.b.set_impact(item.line, services=impacts)
            if names:
                reader.b.declared["services"] = names
        elif part == "technical" and key in ("failed requests", "total requests") and (
                re.fullmatch(r"[\d,]+", value)):
            field = "total_requests" if key == "total requests" else "failed_requests"
            reader.b.set_impact(item.line, **{field: int(value.replace(",", ""))})
        elif part == "technical" and key == "failed requests" and (
                m := re.match(r"^([\d,]+) of ([\d,]+) \([\d.]+% success rate\)$", value)):
            reader.b.set_impact(item.line, failed_requests=int(m[1].replace(",", "")),
                              total_requests=int(m[2].replace(",", "")))
        else:
            figures.numbers_in(reader, f"{label}: {value}" if label else value, item.line)
            reader.b.fact(part, label, value, item.line)


_SLA = re.compile(r"^~?([\d.]+) minutes against monthly error budget \(([\d.]+)% = "
                  r"([\d.]+) min/month\)$")


def sla(reader: Reader, value: str, line: int) -> bool:
    target = re.match(r"^SLO target ([\d.]+)% \(error budget [\d.]+ min/month\)$", value)
    if target:
        reader.b.set_impact(line, slo_target=float(target[1]))
        return True
    match = _SLA.match(value)
    if not match:
        return False
    reader.b.set_impact(line, downtime_minutes=float(match[1]), slo_target=float(match[2]))
    reader.b.figure("error_budget_minutes", float(match[3]), match[3], "", line)
    return True


_SERVICE = re.compile(r"^(?P<name>[^(),]+?)(?: \((?P<effect>[^()]+)\))?$")


def _services(value: str) -> tuple[tuple[ev.ServiceImpact, ...], tuple[str, ...]] | None:
    """``a (effect), b`` as impacts (with an effect) and plain names, if written that way."""
    impacts, names = [], []
    for part in value.split(", "):
        match = _SERVICE.match(part)
        if not match:
            return None
        if match["effect"]:
            impacts.append(ev.ServiceImpact(match["name"], match["effect"]))
        else:
            names.append(match["name"])
    return tuple(impacts), tuple(names)
