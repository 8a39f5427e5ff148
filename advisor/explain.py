"""Why a rule fired for a deal, or why it did not and what came closest.

The advice itself always comes from the engine. To explain it, the rule's
compiled conditions are evaluated here again in Python against the same facts
(and the facts the engine run derived), so each condition can be named with
the value it saw. For a rule that did not fire, the unmet conditions are
ranked by how close the facts came: "competitor_count is 0; the rule needs
more than 0" ranks before a condition on a fact that does not exist at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .advice import Advice
from .consult import Advisor
from .deal import Deal
from .entries import Entry
from .errors import PlaybookError, Problem, did_you_mean
from .facts import CATALOGUE
from .plan import AllOf, AnyOf, Compare, PlaybookPlan, Ref, RulePlan, Test

Fact = dict[str, Any]
Bindings = dict[str, Fact]

#: How a sentence names what an operator needs.
_NEEDS = {
    "==": "{value}",
    "!=": "anything but {value}",
    "<": "less than {value}",
    "<=": "at most {value}",
    ">": "more than {value}",
    ">=": "at least {value}",
    "contains": "to contain {value}",
    "lacks": "not to contain {value}",
    "exists": "to be given",
    "missing": "to be absent",
}
_ABSENT = object()
#: Why a built-in fact kind can be absent, for kinds not made by one entry.
_ABSENT_WHY = {
    "position": "positions come from offers and concessions on a term "
    "with a bottom line",
    "objection_stats": "objection counts come from objections recorded",
    "goal": "the deal file lists no goals",
    "bottom_line": "the deal file sets no bottom lines",
    "selling_point": "the deal file lists no selling points",
    "expected_objection": "the deal file expects no objections",
}
_MAX_DEPTH = 4


def compare_passes(test: Compare, fact: Fact, bound: Bindings) -> bool:
    """Whether ``fact`` passes one comparison, as the engine decides it.

    An absent field passes only ``missing``; the engine treats every other
    comparison with an absent field as false, and so does this.
    """
    if test.op == "missing":
        return test.field not in fact
    if test.field not in fact:
        return False
    if test.op == "exists":
        return True
    actual = fact[test.field]
    wanted = _resolve(test.value, bound)
    if wanted is _ABSENT:
        return False
    return _holds(test.op, actual, wanted)


def test_passes(test: Test | None, fact: Fact, bound: Bindings) -> bool:
    """Whether ``fact`` passes a pattern's whole test (``None`` always passes)."""
    if test is None:
        return True
    if isinstance(test, AllOf):
        return all(test_passes(part, fact, bound) for part in test.tests)
    if isinstance(test, AnyOf):
        return any(test_passes(part, fact, bound) for part in test.tests)
    return compare_passes(test, fact, bound)


def compares_of(test: Test | None) -> Iterator[Compare]:
    """Every comparison inside ``test``, in order."""
    if test is None:
        return
    if isinstance(test, Compare):
        yield test
        return
    for part in test.tests:
        yield from compares_of(part)


def matches(rule: RulePlan, facts: Sequence[Fact]) -> list[Bindings]:
    """Every way the rule's patterns match ``facts``, each as alias -> fact."""
    found: list[Bindings] = [{}]
    for pattern in rule.patterns:
        found = [
            {**bound, pattern.alias: fact}
            for bound in found
            for fact in facts
            if fact["kind"] == pattern.kind and test_passes(pattern.test, fact, bound)
        ]
        if not found:
            break
    return found


def _resolve(value: Any, bound: Bindings) -> Any:
    if isinstance(value, Ref):
        return bound.get(value.alias, {}).get(value.field, _ABSENT)
    return value


def _holds(op: str, actual: Any, wanted: Any) -> bool:
    if op in ("contains", "lacks"):
        if isinstance(actual, list):
            return (wanted in actual) == (op == "contains")
        return op == "contains" and str(wanted) in str(actual)
    if op == "==":
        return bool(actual == wanted)
    if op == "!=":
        return bool(actual != wanted)
    if not _is_number(actual) or not _is_number(wanted):
        return False
    left, right = float(actual), float(wanted)
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Miss:
    """One unmet condition and how far the facts were from meeting it.

    ``distance`` is 0 for a near miss and grows with the gap: the relative gap
    for numbers (below 1, since a number can be moved a step at a time), 1 for
    a different text or a missing field, 2 for a missing fact. ``via`` names
    the derived fact kinds this miss stands in the way of.
    """

    kind: str
    fact_id: str | None
    field: str
    op: str
    needed: Any
    actual: Any
    distance: float
    via: tuple[str, ...] = ()

    def sentence(self) -> str:
        """The miss in words, as a salesperson would read it."""
        return self._plain() + _derivation_note(self.via)

    def _plain(self) -> str:
        if self.fact_id is None:
            return str(self.needed)
        subject = f"{self.kind}.{self.field}"
        if self.kind not in ("deal", "customer", "session"):
            subject = f"{self.kind} {self.fact_id}: {self.field}"
        needs = _NEEDS[self.op].format(value=_shown(self.needed))
        if self.actual is _ABSENT:
            return f"{subject} is not given; the rule needs {needs}"
        return f"{subject} is {_shown(self.actual)}; the rule needs {needs}"


def _derivation_note(via: Sequence[str]) -> str:
    if not via:
        return ""
    return f" (to derive {' for '.join(reversed(via))})"


def _shown(value: Any) -> str:
    if isinstance(value, Ref):
        return f"${value.alias}.{value.field}"
    if isinstance(value, bool):
        return str(value).lower()
    if _is_number(value):
        number = float(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.4g}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def misses_of(test: Test | None, fact: Fact, bound: Bindings) -> list[Miss]:
    """The comparisons of ``test`` that ``fact`` fails, closest first."""
    if test is None or test_passes(test, fact, bound):
        return []
    if isinstance(test, Compare):
        return [_miss(test, fact, bound)]
    if isinstance(test, AllOf):
        found = [miss for part in test.tests for miss in misses_of(part, fact, bound)]
        return sorted(found, key=lambda miss: miss.distance)
    branches = [misses_of(part, fact, bound) for part in test.tests]
    return min(branches, key=_total)


def _total(misses: Sequence[Miss]) -> float:
    return sum(miss.distance for miss in misses)


def _miss(test: Compare, fact: Fact, bound: Bindings) -> Miss:
    actual = fact.get(test.field, _ABSENT)
    wanted = _resolve(test.value, bound)
    needed = test.value if wanted is _ABSENT else wanted
    distance = 1.0
    if _is_number(actual) and _is_number(wanted):
        scale = max(abs(float(wanted)), abs(float(actual)), 1.0)
        distance = min(abs(float(actual) - float(wanted)) / scale, 0.99)
    return Miss(
        fact["kind"], str(fact["id"]), test.field, test.op, needed, actual, distance
    )


@dataclass(frozen=True)
class ChainStep:
    """A fact a rule matched and, for a derived one, the rule and facts behind it."""

    fact: Fact
    derived_by: RulePlan | None = None
    sources: tuple[tuple[str, ChainStep], ...] = ()


@dataclass
class Explanation:
    """Why one rule fired or did not, for one deal and its entries."""

    rule: RulePlan
    fired: bool
    advice: Advice
    chains: list[dict[str, ChainStep]] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    def to_text(self) -> str:
        """The explanation as lines for a terminal."""
        rule = self.rule
        where = f"{rule.source}:{rule.line}" if rule.line else rule.source
        lines = [f"rule {rule.id} (priority {rule.priority}, {where})"]
        if self.fired:
            lines.append("fired, because these facts matched:")
            for chain in self.chains:
                for alias, step in chain.items():
                    lines.extend(_chain_lines(alias, step, rule, "  "))
            for item in self.advice.for_rule(rule.id):
                lines.append(f"advice: {_advice_line(item)}")
            return "\n".join(lines) + "\n"
        lines.append("did not fire; unmet conditions, closest first:")
        lines.extend(
            f"  {index}. {miss.sentence()}"
            for index, miss in enumerate(self.misses, start=1)
        )
        return "\n".join(lines) + "\n"


def _advice_line(item: Any) -> str:
    if hasattr(item, "strategy"):
        return f"recommends {item.strategy} ({item.title})"
    if hasattr(item, "severity"):
        return f"{item.severity} flag: {item.message}"
    return f"rebuttal {item.rebuttal} for a {item.objection} objection"


def _chain_lines(
    alias: str, step: ChainStep, rule: RulePlan | None, indent: str
) -> list[str]:
    fact = step.fact
    shown = _tested_fields(rule, alias, fact)
    name = fact["kind"] if step.derived_by else f"{fact['kind']} {fact['id']}"
    label = f"{indent}{alias} = {name}"
    lines = [f"{label} ({shown})" if shown else label]
    if step.derived_by:
        lines.append(f"{indent}  derived by rule {step.derived_by.id} from:")
        for source_alias, source in step.sources:
            lines.extend(
                _chain_lines(source_alias, source, step.derived_by, indent + "    ")
            )
    return lines


def _tested_fields(rule: RulePlan | None, alias: str, fact: Fact) -> str:
    names: list[str] = []
    if rule is not None:
        for pattern in rule.patterns:
            if pattern.alias == alias:
                names = [test.field for test in compares_of(pattern.test)]
    if not names:
        names = [name for name in fact if name not in ("kind", "id")]
    unique = dict.fromkeys(name for name in names if name in fact)
    return ", ".join(f"{name}={_shown(fact[name])}" for name in unique)


def explain_rule(
    advisor: Advisor,
    deal: Deal,
    rule_id: str,
    entries: Sequence[Entry] = (),
    lang: str | None = None,
) -> Explanation:
    """Why rule ``rule_id`` fired for ``deal`` or, if it did not, what it missed.

    Raises ``PlaybookError`` when the playbook has no such rule, or has it
    disabled. The advice is the engine's; conditions are re-checked in Python.
    """
    rule = _rule(advisor.plan, rule_id)
    advice = advisor.consult(deal, entries, lang=lang)
    facts = [*advisor.facts(deal, entries), *derived_facts(advice)]
    explanation = Explanation(rule, rule.id in advice.fired, advice)
    if explanation.fired:
        derived = {item.id: item.rule for item in advice.derived}
        explanation.chains = [
            {
                alias: _step(advisor.plan, fact, facts, derived, 0)
                for alias, fact in bound.items()
            }
            for bound in matches(rule, facts)
        ]
    else:
        explanation.misses = unmet_conditions(advisor.plan, rule, facts)
    return explanation


def _rule(plan: PlaybookPlan, rule_id: str) -> RulePlan:
    try:
        return plan.rule(rule_id)
    except KeyError:
        hint = did_you_mean(rule_id, [rule.id for rule in plan.rules])
        where = plan.sources[0] if plan.sources else None
        raise PlaybookError(
            [
                Problem(
                    f"the playbook has no enabled rule {rule_id!r}; {hint}".rstrip(
                        "; "
                    ),
                    where,
                    code="unknown-rule",
                )
            ]
        ) from None


def derived_facts(advice: Advice) -> list[Fact]:
    """The facts rules derived during the run that gave ``advice``."""
    return [
        {"kind": item.kind, "id": item.id, **item.fields} for item in advice.derived
    ]


def _step(
    plan: PlaybookPlan,
    fact: Fact,
    facts: Sequence[Fact],
    derived: dict[str, str],
    depth: int,
) -> ChainStep:
    rule_id = derived.get(str(fact["id"]))
    if rule_id is None or depth >= _MAX_DEPTH:
        return ChainStep(fact)
    rule = plan.rule(rule_id)
    sources = tuple(
        (alias, _step(plan, source, facts, derived, depth + 1))
        for alias, source in derivation_of(rule, fact, facts).items()
    )
    return ChainStep(fact, rule, sources)


def derivation_of(rule: RulePlan, fact: Fact, facts: Sequence[Fact]) -> Bindings:
    """The facts ``rule`` matched when it derived ``fact`` (empty if none fits)."""
    wanted = {name: value for name, value in fact.items() if name not in ("kind", "id")}
    for bound in matches(rule, facts):
        for action in rule.actions:
            if action.kind != "assert" or action.target != fact["kind"]:
                continue
            produced = {}
            for name, value in action.fields:
                resolved = _resolve(value, bound)
                if resolved is not _ABSENT:
                    produced[name] = (
                        list(value) if isinstance(value, tuple) else resolved
                    )
            if produced == wanted:
                return bound
    return {}


def unmet_conditions(
    plan: PlaybookPlan, rule: RulePlan, facts: Sequence[Fact], depth: int = 0
) -> list[Miss]:
    """The conditions of ``rule`` the facts do not meet, closest first.

    Each pattern that nothing matches contributes the misses of the fact that
    came closest; a missing derived fact contributes what its deriving rules
    missed, so the list ends at facts a salesperson can change.
    """
    if rule.at_least:
        return _count_misses(rule, facts)
    found: list[Miss] = []
    bound: Bindings = {}
    for pattern in rule.patterns:
        candidates = [fact for fact in facts if fact["kind"] == pattern.kind]
        passing = [f for f in candidates if test_passes(pattern.test, f, bound)]
        if passing:
            bound[pattern.alias] = passing[0]
            continue
        if not candidates:
            found.extend(_absent_fact(plan, pattern.kind, facts, depth))
            continue
        closest = min(
            candidates, key=lambda f: _total(misses_of(pattern.test, f, bound))
        )
        found.extend(misses_of(pattern.test, closest, bound))
        bound[pattern.alias] = closest
    return sorted(found, key=lambda miss: miss.distance)


def _count_misses(rule: RulePlan, facts: Sequence[Fact]) -> list[Miss]:
    pattern = rule.patterns[0]
    count = sum(
        1
        for fact in facts
        if fact["kind"] == pattern.kind and test_passes(pattern.test, fact, {})
    )
    needed = rule.at_least or 0
    sentence = (
        f"{count} matching {pattern.kind} fact(s); the rule needs at least {needed}"
    )
    distance = (needed - count) / needed if needed else 1.0
    return [Miss(pattern.kind, None, "", "", sentence, count, distance)]


def _absent_fact(
    plan: PlaybookPlan, kind: str, facts: Sequence[Fact], depth: int
) -> list[Miss]:
    derivers = [
        rule
        for rule in plan.rules
        if any(a.kind == "assert" and a.target == kind for a in rule.actions)
    ]
    if kind in CATALOGUE or not derivers or depth >= _MAX_DEPTH:
        sentence = f"there is no {kind} fact; {_ABSENT_WHY.get(kind, '')}"
        if kind not in CATALOGUE:
            sentence = f"there is no {kind} fact; no enabled rule derives one"
        elif kind not in _ABSENT_WHY:
            sentence = f"there is no {kind} fact; record a {kind} entry"
        return [Miss(kind, None, "", "", sentence, _ABSENT, 2.0)]
    best = min(
        (unmet_conditions(plan, rule, facts, depth + 1) for rule in derivers),
        key=_total,
    )
    return [
        Miss(
            m.kind,
            m.fact_id,
            m.field,
            m.op,
            m.needed,
            m.actual,
            m.distance,
            (kind, *m.via),
        )
        for m in best
    ]
