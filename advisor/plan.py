"""The engine-neutral rule plan that a playbook compiles to.

Only plain, frozen data lives here: fact patterns, tests, actions. The engine
module translates a plan into whatever its rule engine wants, so a playbook
never depends on the engine underneath it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

#: A text in several languages: language code -> text. The key "" holds a
#: text given without a language, used whatever language is asked for.
Text = dict[str, str]

Scalar = str | int | float | bool

Operator = Literal[
    "==", "!=", "<", "<=", ">", ">=", "contains", "lacks", "exists", "missing"
]


@dataclass(frozen=True)
class Ref:
    """The value of a field of another matched fact, as in ``$objection.type``."""

    alias: str
    field: str


@dataclass(frozen=True)
class Compare:
    """One comparison of a fact field; ``contains``/``lacks`` test list items."""

    field: str
    op: Operator
    value: Scalar | Ref | None = None
    field_type: str = "text"


@dataclass(frozen=True)
class AllOf:
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class AnyOf:
    tests: tuple[Test, ...]


Test = Compare | AllOf | AnyOf


@dataclass(frozen=True)
class Pattern:
    """A fact of ``kind``, named ``alias`` in the rule, passing ``test``."""

    alias: str
    kind: str
    test: Test | None = None


@dataclass(frozen=True)
class Action:
    """What a rule does when it fires.

    ``recommend`` and ``rebut`` name a strategy or rebuttal in ``target``;
    ``flag`` carries ``severity`` and a ``message`` template; ``assert`` adds a
    derived fact of kind ``target`` with ``fields`` (values may be ``Ref``).
    """

    kind: Literal["recommend", "flag", "rebut", "assert"]
    target: str = ""
    severity: str = ""
    message: Text = field(default_factory=dict)
    fields: tuple[tuple[str, Scalar | Ref], ...] = ()


@dataclass(frozen=True)
class RulePlan:
    """One rule: when every pattern matches (joined), run the actions.

    ``priority`` is the playbook's: higher is more important and fires first.
    ``at_least`` makes the rule wait for that many matches of its one pattern.
    """

    id: str
    priority: int
    patterns: tuple[Pattern, ...]
    actions: tuple[Action, ...]
    because: Text
    at_least: int | None = None
    source: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Strategy:
    id: str
    title: Text
    how: Text
    evidence: Text


@dataclass(frozen=True)
class Rebuttal:
    id: str
    objection: str
    reply: Text
    evidence: Text
    selling_point_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaybookPlan:
    """A whole compiled playbook: its rules and the texts its advice uses.

    ``digest`` is a hash of the plan's content; two loads of the same files
    give the same digest, and the engine caches its compiled form by it.
    """

    name: str
    version: str
    digest: str
    languages: tuple[str, ...]
    rules: tuple[RulePlan, ...]
    strategies: dict[str, Strategy]
    rebuttals: dict[str, Rebuttal]
    settings: dict[str, float]
    sources: tuple[str, ...] = ()

    def rule(self, rule_id: str) -> RulePlan:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def pick(text: Text, lang: str) -> str:
    """The text in ``lang``, else one given without language, else any."""
    if not text:
        return ""
    if lang in text:
        return text[lang]
    if "" in text:
        return text[""]
    return next(iter(text.values()))


#: A placeholder in a message template: ``{alias.field}`` or ``{alias.field:,.0f}``.
PLACEHOLDER = re.compile(r"\{(\w+)\.(\w+)(?::([^{}]*))?\}")

#: Flag severities, least to most severe.
SEVERITIES = ("info", "warning", "critical", "blocking")
