"""Finds the mistakes a team makes in a playbook that still validates.

Validation (``playbook.py``, ``compiler.py``) rejects what cannot run. Lint
looks for what runs but is wrong: a rule that can never fire, a strategy or
rebuttal no rule uses, two rules on the same condition giving conflicting
advice, a flag message showing a field its facts may lack, a text missing in
one of the playbook's languages. Each finding is a ``Problem`` with the file,
line, a code and a sentence that says what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Any, get_args

import yaml

from .compiler import SINGLETONS, compile_playbook
from .deal import CustomerType, DealKind, GoalTier
from .entries import ATTITUDES, OBJECTION_TYPES, Objection
from .errors import PlaybookError, Problem, did_you_mean
from .explain import compares_of, test_passes
from .facts import CATALOGUE, deal_facts
from .inputs import deal_from_data
from .plan import (
    PLACEHOLDER,
    AllOf,
    AnyOf,
    Compare,
    Operator,
    PlaybookPlan,
    Ref,
    RulePlan,
    Test,
)
from .playbook import PlaybookSource, RuleSpec, Sourced, read_playbook

logger = logging.getLogger(__name__)

Fact = dict[str, Any]

#: Every lint code, with what it means; the docs and ``--format json`` use these.
CODES = {
    "never-fires": "a rule whose condition no deal or session can meet",
    "unknown-value": "a condition compares with a value the field never has",
    "unused-strategy": "a strategy no enabled rule recommends",
    "unused-rebuttal": "a rebuttal no enabled rule uses",
    "conflicting-rules": "two rules on the same condition give conflicting advice",
    "duplicate-rule": "two rules on the same condition give the same advice",
    "message-field-unmatched": "a flag message shows a field its facts may lack",
    "missing-translation": "a text is missing in one of the playbook's languages",
}

#: The values a field can take, where the deal and entry formats fix them.
KNOWN_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("customer", "type"): tuple(item.value for item in CustomerType),
    ("deal", "deal_kind"): tuple(item.value for item in DealKind),
    ("goal", "tier"): tuple(item.value for item in GoalTier),
    ("objection", "type"): OBJECTION_TYPES,
    ("objection_stats", "type"): OBJECTION_TYPES,
    ("objection", "effect"): get_args(
        get_args(Objection.model_fields["effect"].annotation)[0]
    ),
    ("attitude", "to"): ATTITUDES,
    ("offer", "by"): ("us", "customer"),
    ("position", "by"): ("us", "customer"),
    ("position", "direction"): ("min", "max"),
    ("bottom_line", "direction"): ("min", "max"),
}

_MAX_CONJUNCTIONS = 256


@dataclass
class LintResult:
    """What lint found; ``valid`` is false when the playbook does not validate.

    For an invalid playbook, ``findings`` holds the validation problems.
    """

    findings: list[Problem] = field(default_factory=list)
    valid: bool = True


def lint_playbook(path: str | Path) -> LintResult:
    """Lint the playbook at ``path`` and the rule modules it includes."""
    try:
        source = read_playbook(path)
        plan = compile_playbook(source)
    except PlaybookError as error:
        return LintResult(error.problems, valid=False)
    findings = lint_source(source, plan)
    logger.info("linted %s: %d findings", path, len(findings))
    return LintResult(findings)


def lint_source(source: PlaybookSource, plan: PlaybookPlan) -> list[Problem]:
    """Every finding for a read and compiled playbook, in file and line order."""
    items = {item.spec.id: item for item in source.rules}
    findings = [
        *_never_fires(source, plan, items),
        *_unknown_values(plan, items),
        *_unused(source, plan),
        *_same_condition(plan, items),
        *_message_fields(plan, items),
        *_translations(source),
    ]
    return sorted(findings, key=lambda p: (p.file or "", p.line or 0, p.code))


def _finding(item: Sourced, code: str, message: str, *path: str | int) -> Problem:
    return item.problem(message, *path, code=code)


# A rule that can never fire.


def _never_fires(
    source: PlaybookSource, plan: PlaybookPlan, items: dict[str, Sourced]
) -> Iterator[Problem]:
    derived = _derived_fields(plan)
    for rule in plan.rules:
        item = items[rule.id]
        for index, pattern in enumerate(rule.patterns):
            where = ("when", index)
            clash = contradiction(pattern.test)
            if clash is not None:
                yield _finding(
                    item,
                    "never-fires",
                    f"rule {rule.id} can never fire: its condition on "
                    f"{pattern.kind} asks for {clash}; fix or remove one of them",
                    *where,
                )
            yield from _underived(rule, item, index, derived)
        if rule.at_least and rule.patterns[0].kind in SINGLETONS:
            kind = rule.patterns[0].kind
            yield _finding(
                item,
                "never-fires",
                f"rule {rule.id} can never fire: there is only one {kind} fact, "
                f"so at_least {rule.at_least} is never reached",
                "when",
            )


def _derived_fields(plan: PlaybookPlan) -> dict[str, set[str]]:
    """Derived fact kinds that enabled rules assert, with the fields they set."""
    derived: dict[str, set[str]] = {}
    for rule in plan.rules:
        for action in rule.actions:
            if action.kind == "assert":
                fields = derived.setdefault(action.target, set())
                fields.update(name for name, _ in action.fields)
    return derived


def _underived(
    rule: RulePlan, item: Sourced, index: int, derived: dict[str, set[str]]
) -> Iterator[Problem]:
    pattern = rule.patterns[index]
    if pattern.kind in CATALOGUE:
        return
    if pattern.kind not in derived:
        yield _finding(
            item,
            "never-fires",
            f"rule {rule.id} can never fire: no enabled rule derives "
            f"{pattern.kind} facts; enable the rule that asserts them or remove "
            "this one",
            "when",
            index,
        )
        return
    for test in compares_of(pattern.test):
        known = {*derived[pattern.kind], "id", "kind"}
        if test.field not in known and test.op != "missing":
            yield _finding(
                item,
                "never-fires",
                f"rule {rule.id} can never fire: no enabled rule gives "
                f"{pattern.kind} facts a field {test.field!r}; "
                f"{did_you_mean(test.field, derived[pattern.kind])}",
                "when",
                index,
            )


def contradiction(test: Test | None) -> str | None:
    """A description of why ``test`` can never pass, or None if it can.

    The test is expanded into alternatives of plain comparisons; it can never
    pass when every alternative asks one field for incompatible things. Very
    large tests are assumed satisfiable rather than expanded.
    """
    conjunctions = _conjunctions(test)
    if conjunctions is None or not conjunctions:
        return None
    clashes = [_clash(conjunction) for conjunction in conjunctions]
    if any(clash is None for clash in clashes):
        return None
    return clashes[0]


def _conjunctions(test: Test | None) -> list[list[Compare]] | None:
    if test is None:
        return [[]]
    if isinstance(test, Compare):
        return [[test]]
    parts = [_conjunctions(part) for part in test.tests]
    if any(part is None for part in parts):
        return None
    if isinstance(test, AnyOf):
        return [c for part in parts if part is not None for c in part]
    expanded: list[list[Compare]] = [[]]
    for part in parts:
        assert part is not None
        expanded = [[*left, *right] for left, right in product(expanded, part)]
        if len(expanded) > _MAX_CONJUNCTIONS:
            return None
    return expanded


def _clash(conjunction: Sequence[Compare]) -> str | None:
    by_field: dict[str, list[Compare]] = {}
    for test in conjunction:
        if not isinstance(test.value, Ref):
            by_field.setdefault(test.field, []).append(test)
    for name, tests in by_field.items():
        for first, second in product(tests, tests):
            if first is not second and _incompatible(first, second):
                return f"{name} {_said(first)} and {name} {_said(second)}"
    return None


def _incompatible(first: Compare, second: Compare) -> bool:
    ops = {first.op, second.op}
    if "missing" in ops:
        return ops != {"missing"}
    if first.op == "==" and second.op == "==":
        return first.value != second.value
    if first.op == "==" and second.op == "!=":
        return first.value == second.value
    if (first.op, second.op) == ("contains", "lacks"):
        return first.value == second.value
    if first.op == "==" and second.op in ("<", "<=", ">", ">="):
        return not _within(first.value, second.op, second.value)
    if first.op in (">", ">=") and second.op in ("<", "<="):
        low, high = first.value, second.value
        if not isinstance(low, (int, float)) or not isinstance(high, (int, float)):
            return False
        if first.op == ">=" and second.op == "<=":
            return low > high
        return low >= high
    return False


def _within(value: Any, op: Operator, bound: Any) -> bool:
    if not isinstance(value, (int, float)) or not isinstance(bound, (int, float)):
        return True
    return test_passes(Compare("v", op, bound, "number"), {"v": value}, {})


def _said(test: Compare) -> str:
    if test.op in ("exists", "missing"):
        return "to be given" if test.op == "exists" else "to be absent"
    return f"{test.op} {test.value!r}"


def _unknown_values(plan: PlaybookPlan, items: dict[str, Sourced]) -> Iterator[Problem]:
    for rule in plan.rules:
        for index, pattern in enumerate(rule.patterns):
            for test in compares_of(pattern.test):
                known = KNOWN_VALUES.get((pattern.kind, test.field))
                if known is None or test.op not in ("==", "!="):
                    continue
                if isinstance(test.value, str) and test.value not in known:
                    hint = did_you_mean(test.value, known)
                    yield _finding(
                        items[rule.id],
                        "unknown-value",
                        f"{pattern.kind}.{test.field} is never {test.value!r}, so "
                        f"rule {rule.id} never sees it; {hint}",
                        "when",
                        index,
                    )


# Strategies and rebuttals no rule uses.


def _unused(source: PlaybookSource, plan: PlaybookPlan) -> Iterator[Problem]:
    used = {
        (action.kind, action.target) for rule in plan.rules for action in rule.actions
    }
    for key, item in source.strategies.items():
        if ("recommend", key) not in used:
            yield _finding(
                item,
                "unused-strategy",
                f"no enabled rule recommends the strategy {key!r}; add a rule "
                "that does, or remove it",
            )
    for key, item in source.rebuttals.items():
        if ("rebut", key) not in used:
            yield _finding(
                item,
                "unused-rebuttal",
                f"no enabled rule uses the rebuttal {key!r}; add a rule with "
                f"'rebut: {key}', or remove it",
            )


# Two rules on the same condition.


def _same_condition(plan: PlaybookPlan, items: dict[str, Sourced]) -> Iterator[Problem]:
    seen: dict[Any, RulePlan] = {}
    for rule in plan.rules:
        key = condition_key(rule)
        first = seen.setdefault(key, rule)
        if first is rule:
            continue
        where = f"{first.source}:{first.line}"
        conflict = _conflict(first, rule)
        if conflict:
            yield _finding(
                items[rule.id],
                "conflicting-rules",
                f"rules {first.id} ({where}) and {rule.id} have the same "
                f"condition but {conflict}; merge them into one rule or make "
                "their conditions differ",
                "when",
            )
        elif _advice_of(first) == _advice_of(rule):
            yield _finding(
                items[rule.id],
                "duplicate-rule",
                f"rule {rule.id} repeats rule {first.id} ({where}): same "
                "condition, same advice; remove one",
                "when",
            )


def condition_key(rule: RulePlan) -> Any:
    """A form of a rule's condition that ignores names and the order of tests."""
    names = {pattern.alias: index for index, pattern in enumerate(rule.patterns)}
    patterns = tuple(
        (pattern.kind, _canonical(pattern.test, names)) for pattern in rule.patterns
    )
    return patterns, rule.at_least


def _canonical(test: Test | None, names: dict[str, int]) -> Any:
    if test is None:
        return None
    if isinstance(test, Compare):
        if isinstance(test.value, Ref):
            ref = ("ref", names.get(test.value.alias, -1), test.value.field)
            return (test.field, test.op, ref)
        return (test.field, test.op, test.value)
    label = "all" if isinstance(test, AllOf) else "any"
    return (label, frozenset(_canonical(part, names) for part in test.tests))


def _advice_of(rule: RulePlan) -> frozenset[Any]:
    return frozenset(
        (action.kind, action.target, action.severity) for action in rule.actions
    )


def _conflict(first: RulePlan, second: RulePlan) -> str:
    flags = {a.severity for a in (*first.actions, *second.actions) if a.kind == "flag"}
    if len(flags) > 1 and all(
        any(a.kind == "flag" for a in rule.actions) for rule in (first, second)
    ):
        return f"flag it with different severities ({', '.join(sorted(flags))})"
    rebuttals = [
        {a.target for a in rule.actions if a.kind == "rebut"}
        for rule in (first, second)
    ]
    if all(rebuttals) and rebuttals[0] != rebuttals[1]:
        both = sorted(rebuttals[0] | rebuttals[1])
        return f"answer it with different rebuttals ({', '.join(both)})"
    strategies = [
        {a.target for a in rule.actions if a.kind == "recommend"}
        for rule in (first, second)
    ]
    if (
        all(strategies)
        and strategies[0] != strategies[1]
        and first.priority == second.priority
    ):
        both = sorted(strategies[0] | strategies[1])
        return (
            f"recommend different strategies ({', '.join(both)}) at the same "
            "priority, so which comes first is left to chance"
        )
    return ""


# Flag messages showing fields their facts may lack.


def _message_fields(plan: PlaybookPlan, items: dict[str, Sourced]) -> Iterator[Problem]:
    for rule in plan.rules:
        kinds = {pattern.alias: pattern for pattern in rule.patterns}
        item: Sourced = items[rule.id]
        spec: RuleSpec = item.spec
        flag_index = [i for i, raw in enumerate(spec.then) if "flag" in raw]
        flags = [a for a in rule.actions if a.kind == "flag"]
        for index, action in zip(flag_index, flags, strict=True):
            shown: set[tuple[str, str]] = set()
            for template in action.message.values():
                for match in PLACEHOLDER.finditer(template):
                    shown.add((match.group(1), match.group(2)))
            for owner, name in sorted(shown):
                sentence = _unmatched(rule, kinds, owner, name)
                if sentence:
                    yield _finding(
                        item,
                        "message-field-unmatched",
                        sentence,
                        "then",
                        index,
                        "flag",
                        "message",
                    )


def _unmatched(
    rule: RulePlan, patterns: dict[str, Any], owner: str, name: str
) -> str | None:
    if owner == "settings" or name in ("id", "kind"):
        return None
    pattern = patterns.get(owner)
    kind = pattern.kind if pattern else owner
    if kind not in CATALOGUE:
        return None
    test = pattern.test if pattern else None
    tested = {t.field for t in compares_of(test) if t.op != "missing"}
    if name in tested or _always_given(kind, name, test):
        return None
    matched = (
        f"the rule does not test {owner}.{name}"
        if pattern
        else f"rule {rule.id} does not match {owner}"
    )
    return (
        f"the message shows {{{owner}.{name}}}, but {matched} and some {kind} "
        f"facts have no {name}, so it would read '?'; add "
        f"'{name}: {{exists: true}}' to the condition or leave it out"
    )


def _always_given(kind: str, name: str, test: Test | None) -> bool:
    """Whether every sample fact of ``kind`` that passes ``test`` has ``name``.

    When no sample passes, nothing shows the field missing, and so no finding
    is made: lint only reports what it can show.
    """
    samples = [fact for fact in sample_facts() if fact["kind"] == kind]
    return all(name in fact for fact in samples if _passes_loosely(test, fact))


def _passes_loosely(test: Test | None, fact: Fact) -> bool:
    # A join to another fact cannot be judged on one fact alone; it is taken
    # as met whenever the field is there.
    if test is None:
        return True
    if isinstance(test, AllOf):
        return all(_passes_loosely(part, fact) for part in test.tests)
    if isinstance(test, AnyOf):
        return any(_passes_loosely(part, fact) for part in test.tests)
    if isinstance(test.value, Ref):
        return test.field in fact
    return test_passes(test, fact, {})


@lru_cache(maxsize=1)
def sample_facts() -> tuple[Fact, ...]:
    """Facts of a spread of sample deals and sessions, sparse and full.

    Lint uses them to learn which fields a fact can lack, and which fields
    come with which others, from the fact builder itself rather than a list
    kept by hand.
    """
    facts: list[Fact] = []
    text = _SAMPLES.read_text(encoding="utf-8")
    for data in yaml.safe_load_all(text):
        facts.extend(deal_facts(deal_from_data(data, str(_SAMPLES))))
    return tuple(facts)


_SAMPLES = Path(__file__).with_name("lint_samples.yaml")


# Texts missing in one of the playbook's languages.


def _translations(source: PlaybookSource) -> Iterator[Problem]:
    languages = source.meta.languages
    if source.files:
        meta = Sourced(source.meta, source.files[0], ("playbook",))
        yield from _text_finding(
            meta, ("description",), source.meta.description, languages
        )
    for item in source.strategies.values():
        for name in ("title", "how", "evidence"):
            yield from _text_finding(item, (name,), getattr(item.spec, name), languages)
    for item in source.rebuttals.values():
        for name in ("reply", "evidence"):
            yield from _text_finding(item, (name,), getattr(item.spec, name), languages)
    for item in source.rules:
        yield from _text_finding(item, ("because",), item.spec.because, languages)
        for index, raw in enumerate(item.spec.then):
            flag = raw.get("flag")
            if isinstance(flag, dict) and "message" in flag:
                path = ("then", index, "flag", "message")
                yield from _text_finding(item, path, flag["message"], languages)
    for item in source.invariants:
        yield from _text_finding(item, ("says",), item.spec.says, languages)


def _text_finding(
    item: Sourced, path: tuple[str | int, ...], text: Any, languages: Sequence[str]
) -> Iterator[Problem]:
    if text is None or len(languages) < 2:
        return
    what = ".".join(str(part) for part in (*item.path, *path))
    if isinstance(text, str):
        yield _finding(
            item,
            "missing-translation",
            f"{what} is written once for every language; give it per language "
            f"as {{{', '.join(f'{lang}: ...' for lang in languages)}}}",
            *path,
        )
        return
    missing = [lang for lang in languages if lang not in text]
    if missing:
        yield _finding(
            item,
            "missing-translation",
            f"{what} has no {' or '.join(missing)} text; the playbook's "
            f"languages are {', '.join(languages)}, so add it",
            *path,
        )


def format_findings(findings: Sequence[Problem]) -> str:
    """Findings as ``FILE:LINE:COLUMN: CODE: SENTENCE`` lines."""
    return "".join(f"{p.where}: {p.code}: {p.message}\n" for p in findings)
