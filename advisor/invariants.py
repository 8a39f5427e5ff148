"""Checks a playbook's invariants over many generated deals and sessions.

A team declares promises no negotiation may break ("a critical flag whenever
an offer of ours is past a bottom line", "every objection gets a rebuttal").
Single rules are easy to check one by one; what a chain of firings does over
a whole session is not. Here hypothesis generates random but valid deals and
sessions, every step of every session runs through the real engine, and for
each broken invariant the smallest deal and session that break it are kept,
with the rules that fired, ready to be saved as a case file.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable
from pydantic import TypeAdapter

from .advice import SEVERITY_RANK, Advice
from .compiler import compile_playbook, text_of
from .consult import Advisor
from .deal import CustomerType, Deal, Influence
from .entries import OBJECTION_TYPES, Entry
from .facts import deal_facts
from .inputs import deal_from_data
from .plan import Text, pick
from .playbook import InvariantSpec, read_playbook

logger = logging.getLogger(__name__)

Fact = dict[str, Any]
_ENTRIES = TypeAdapter(list[Entry])
#: Fields of a derived fact that propose an amount, and the term they are on
#: when the fact names none.
_PROPOSED = {"value": None, "amount": "contract_amount", "price": "contract_amount"}


@dataclass(frozen=True)
class Invariant:
    """One declared invariant, with where it is written."""

    id: str
    check: str
    severity: str
    says: Text
    file: str
    line: int | None


@dataclass
class Violation:
    """The smallest deal and session found that break one invariant."""

    invariant: Invariant
    deal: Deal
    entries: list[Entry]
    advice: Advice
    reason: str

    def to_text(self) -> str:
        """The violation, the rules behind it, and the session as a case file."""
        says = pick(self.invariant.says, "en")
        lines = [
            f"BROKEN {self.invariant.id} ({self.invariant.file}:"
            f"{self.invariant.line}){': ' + says if says else ''}",
            f"  {self.reason}",
            f"  rules fired, in order: {', '.join(self.advice.fired) or 'none'}",
        ]
        lines.extend(
            f"  derived by {item.rule}: {item.kind} {item.fields}"
            for item in self.advice.derived
        )
        lines.append("  smallest session found, as a case file:")
        lines.extend(f"    {line}" for line in self.case_yaml().splitlines())
        return "\n".join(lines) + "\n"

    def case_yaml(self) -> str:
        """The deal and entries as a case file's YAML, to pin the fix down."""
        data: dict[str, Any] = {
            "case": f"{self.invariant.id} holds",
            "deal": self.deal.model_dump(mode="json", exclude_defaults=True),
        }
        if self.entries:
            data["entries"] = [
                {"kind": entry.kind, **_entry_fields(entry)} for entry in self.entries
            ]
        data["expect"] = _expectation(self.invariant)
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=88)


def _expectation(invariant: Invariant) -> dict[str, Any]:
    if invariant.check == "flag_past_bottom_line":
        return {"flags": [{"severity": invariant.severity}]}
    return {}


def _entry_fields(entry: Entry) -> dict[str, Any]:
    fields = entry.model_dump(mode="json", by_alias=True, exclude_none=True)
    fields.pop("kind", None)
    fields.pop("id", None)
    return fields


@dataclass
class CheckReport:
    """The invariants checked, how many sessions ran, and what broke."""

    invariants: list[Invariant] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    sessions: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations

    def to_text(self) -> str:
        """Each broken invariant in detail, then one line per invariant."""
        lines = [violation.to_text() for violation in self.violations]
        broken = {violation.invariant.id for violation in self.violations}
        for invariant in self.invariants:
            state = "BROKEN" if invariant.id in broken else "holds"
            lines.append(f"{state:6} {invariant.id} ({invariant.check})\n")
        lines.append(
            f"{len(self.invariants)} invariants, {len(broken)} broken, "
            f"{self.sessions} sessions run\n"
        )
        return "".join(lines)


def check_playbook(path: str | Path, examples: int = 200) -> CheckReport:
    """Run the playbook's invariants over generated deals and sessions.

    ``examples`` bounds how many deals are generated per invariant; runs are
    derandomised, so the same playbook gives the same report. Raises
    ``PlaybookError`` if the playbook does not validate.
    """
    source = read_playbook(path)
    advisor = Advisor(compile_playbook(source))
    report = CheckReport(
        invariants=[_invariant(item.spec, item) for item in source.invariants]
    )
    for invariant in report.invariants:
        violation = _smallest_violation(advisor, invariant, examples, report)
        if violation is not None:
            report.violations.append(violation)
    logger.info(
        "checked %d invariants on %d sessions", len(report.invariants), report.sessions
    )
    return report


def _invariant(spec: InvariantSpec, item: Any) -> Invariant:
    return Invariant(
        spec.id,
        spec.check,
        spec.severity,
        text_of(spec.says),
        item.located.file,
        item.located.line_of(item.path),
    )


def _smallest_violation(
    advisor: Advisor, invariant: Invariant, examples: int, report: CheckReport
) -> Violation | None:
    def breaks(session: tuple[Deal, list[Entry]]) -> bool:
        report.sessions += 1
        return _first_break(advisor, invariant, *session) is not None

    try:
        deal, entries = find(
            sessions(),
            breaks,
            settings=settings(
                max_examples=examples,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                deadline=None,
            ),
        )
    except (NoSuchExample, Unsatisfiable):
        return None
    found = _first_break(advisor, invariant, deal, entries)
    assert found is not None
    steps, advice, reason = found
    return Violation(invariant, deal, entries[:steps], advice, reason)


def _first_break(
    advisor: Advisor, invariant: Invariant, deal: Deal, entries: Sequence[Entry]
) -> tuple[int, Advice, str] | None:
    """The first step of the session at which the invariant breaks, if any."""
    check = CHECKS[invariant.check]
    for steps in range(len(entries) + 1):
        advice = advisor.consult(deal, entries[:steps], lang="en")
        facts = deal_facts(deal, entries[:steps])
        reason = check(invariant, deal, facts, advice)
        if reason:
            return steps, advice, reason
    return None


# The checks an invariant can name: each returns why the advice breaks it.


def _flag_past_bottom_line(
    invariant: Invariant, deal: Deal, facts: list[Fact], advice: Advice
) -> str:
    least = SEVERITY_RANK[invariant.severity]
    worst = max((SEVERITY_RANK[flag.severity] for flag in advice.flags), default=-1)
    past = [
        fact
        for fact in facts
        if fact["kind"] == "position"
        and fact["by"] == "us"
        and fact["past_bottom_line"]
    ]
    if not past or worst >= least:
        return ""
    fact = past[0]
    return (
        f"our {fact['term']} position {fact['value']:,} is past the bottom line "
        f"{fact['limit']:,}, but no flag of {invariant.severity} or worse was raised"
    )


def _rebut_every_objection(
    invariant: Invariant, deal: Deal, facts: list[Fact], advice: Advice
) -> str:
    answered = {rebuttal.objection for rebuttal in advice.rebuttals}
    for fact in facts:
        kind = fact["kind"]
        if kind in ("objection", "expected_objection") and fact["type"] not in answered:
            where = "raised" if kind == "objection" else "expected"
            return f"a {fact['type']} objection was {where}, but no rebuttal answers it"
    return ""


def _no_proposal_past_bottom_line(
    invariant: Invariant, deal: Deal, facts: list[Fact], advice: Advice
) -> str:
    for item in advice.derived:
        for name, default_term in _PROPOSED.items():
            value = item.fields.get(name)
            term = item.fields.get("term", default_term)
            line = deal.bottom_lines.get(str(term)) if term else None
            if line is None or not isinstance(value, (int, float)):
                continue
            past = value < line.limit if line.direction == "min" else value > line.limit
            if past:
                return (
                    f"rule {item.rule} proposes {term} {value:,} in a {item.kind} "
                    f"fact, past the bottom line {line.limit:,}"
                )
    return ""


Check = Callable[[Invariant, Deal, list[Fact], Advice], str]
CHECKS: dict[str, Check] = {
    "flag_past_bottom_line": _flag_past_bottom_line,
    "rebut_every_objection": _rebut_every_objection,
    "no_proposal_past_bottom_line": _no_proposal_past_bottom_line,
}


# Generated deals and sessions: random, but each one a valid negotiation
# (openings above floors, concessions moving from where we stood).


@st.composite
def sessions(draw: st.DrawFn) -> tuple[Deal, list[Entry]]:
    """A random valid deal and a session of entries that could follow it."""
    list_price = draw(st.integers(20, 400)) * 5_000
    floor = list_price * draw(st.integers(50, 95)) // 100
    data: dict[str, Any] = {
        "deal": {"title": "Generated deal", "list_price": list_price},
        "customer": _customer(draw),
        "goals": _goals(draw, list_price, floor),
        "bottom_lines": {"contract_amount": {"min": floor}},
        "expected_objections": [
            {"type": kind}
            for kind in draw(st.lists(st.sampled_from(OBJECTION_TYPES), unique=True))
        ],
    }
    if draw(st.booleans()):
        data["bottom_lines"]["payment_days"] = {"max": 90, "opening": 30}
    deal = deal_from_data(data, "<generated>")
    return deal, _ENTRIES.validate_python(_entries(draw, list_price))


def _customer(draw: st.DrawFn) -> dict[str, Any]:
    customer: dict[str, Any] = {
        "name": "Generated customer",
        "type": draw(st.sampled_from([item.value for item in CustomerType])),
        "competitors_in_contact": draw(
            st.lists(st.sampled_from(["RivalSoft", "Cheapo"]), unique=True)
        ),
        "decision_chain": [
            {"name": f"person {index}", "influence": influence}
            for index, influence in enumerate(
                draw(
                    st.lists(st.sampled_from([i.value for i in Influence]), max_size=2)
                )
            )
        ],
    }
    satisfaction = draw(st.none() | st.integers(1, 5))
    if satisfaction is not None:
        customer["past_satisfaction"] = satisfaction
    return customer


def _goals(draw: st.DrawFn, list_price: int, floor: int) -> list[dict[str, Any]]:
    goals: list[dict[str, Any]] = []
    if draw(st.booleans()):
        target = draw(st.integers(floor, list_price))
        goals.append(
            {
                "id": "amount",
                "tier": "must",
                "metric": "contract_amount",
                "op": ">=",
                "target": target,
            }
        )
    if draw(st.booleans()):
        goals.append({"id": "scope", "tier": "try", "text": "keep the service scope"})
    return goals


def _entries(draw: st.DrawFn, list_price: int) -> list[dict[str, Any]]:
    ours = list_price
    entries: list[dict[str, Any]] = []
    for kind in draw(st.lists(st.sampled_from(_ENTRY_KINDS), max_size=6)):
        if kind == "concession":
            after = ours - draw(st.integers(1, 40)) * list_price // 100
            entry = {"kind": kind, "term": "contract_amount", "from": ours, "to": after}
            if draw(st.booleans()):
                entry["for"] = "a longer contract"
            ours = after
        elif kind == "offer":
            by = draw(st.sampled_from(["us", "customer"]))
            value = draw(st.integers(30, 105)) * list_price // 100
            entry = {"kind": kind, "by": by, "term": "contract_amount", "value": value}
            if by == "us":
                ours = value
        elif kind == "objection":
            entry = {"kind": kind, "type": draw(st.sampled_from(OBJECTION_TYPES))}
        elif kind == "attitude":
            entry = {
                "kind": kind,
                "topic": "price",
                "to": draw(st.sampled_from(["firm", "softening"])),
            }
        else:
            entry = {"kind": kind, "text": f"a {kind}"}
        entries.append(entry)
    return entries


_ENTRY_KINDS = ("concession", "offer", "objection", "attitude", "next_action", "note")
