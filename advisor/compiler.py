"""Compiles a read playbook into the engine-neutral rule plan.

Conditions and actions are checked against the fact catalogue here, each
mistake reported with its file and line and, where one is close, a hint:
an unknown fact kind, field or operator, a comparison of a number with text,
a reference to a strategy, rebuttal or setting the playbook does not define.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import PlaybookError, Problem, did_you_mean
from .facts import CATALOGUE
from .plan import (
    PLACEHOLDER,
    SEVERITIES,
    Action,
    AllOf,
    AnyOf,
    Compare,
    Operator,
    Pattern,
    PlaybookPlan,
    Rebuttal,
    Ref,
    RulePlan,
    Strategy,
    Test,
    Text,
)
from .playbook import PlaybookSource, RuleSpec, Sourced, TextSpec

OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "contains", "exists")
_NEGATED: dict[str, Operator] = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    ">=": "<",
    ">": "<=",
    "<=": ">",
    "exists": "missing",
    "missing": "exists",
    "contains": "lacks",
    "lacks": "contains",
}
_ORDERED = ("<", "<=", ">", ">=")
# The engine's text matching cannot take these characters literally.
_UNMATCHABLE = "]^\\"
_REFERENCE = re.compile(r"^\$(\w+)\.(\w+)$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
#: Facts there is exactly one of; a message may show their fields anywhere.
SINGLETONS = ("deal", "customer", "session")

Fields = dict[str, str]


def compile_playbook(source: PlaybookSource) -> PlaybookPlan:
    """The rule plan for ``source``; raise ``PlaybookError`` listing every problem."""
    problems: list[Problem] = []
    strategies = {
        key: Strategy(
            key,
            _text(item, "title", problems),
            _text(item, "how", problems),
            _text(item, "evidence", problems),
        )
        for key, item in source.strategies.items()
    }
    rebuttals = {
        key: Rebuttal(
            key,
            item.spec.objection,
            _text(item, "reply", problems),
            _text(item, "evidence", problems),
            tuple(item.spec.selling_point_keywords),
        )
        for key, item in source.rebuttals.items()
    }
    context = _Context(source, _catalogue_with_derived(source, problems), problems)

    rules = _rules(source, context, problems)

    if problems:
        raise PlaybookError(problems)
    return PlaybookPlan(
        name=source.meta.name,
        version=source.meta.version,
        digest=source.digest,
        languages=tuple(source.meta.languages),
        rules=tuple(rules),
        strategies=strategies,
        rebuttals=rebuttals,
        settings=dict(source.settings),
        sources=tuple(located.file for located in source.files),
    )


def _rules(
    source: PlaybookSource, context: _Context, problems: list[Problem]
) -> list[RulePlan]:
    rules: list[RulePlan] = []
    seen: dict[str, Sourced] = {}
    for item in source.rules:
        spec: RuleSpec = item.spec
        if spec.id in seen:
            first = seen[spec.id]
            problems.append(
                item.problem(
                    f"rule id {spec.id!r} is used twice; the first is at "
                    f"{first.located.file}:{first.located.line_of(first.path)}. "
                    "Give each rule its own id",
                    "id",
                    code="duplicate-id",
                )
            )
            continue
        seen[spec.id] = item
        rule = context.rule(item)
        if rule is not None and spec.enabled:
            rules.append(rule)
    return rules


def text_of(spec: TextSpec | None) -> Text:
    """A text spec as a plan ``Text``: a plain string serves every language."""
    if spec is None:
        return {}
    if isinstance(spec, str):
        return {"": spec}
    return dict(spec)


def _text(item: Sourced, name: str, problems: list[Problem]) -> Text:
    text = text_of(getattr(item.spec, name))
    for language in text:
        if language and not _LANGUAGE.match(language):
            problems.append(
                item.problem(
                    f"{language!r} is not a language code; use one like zh or en",
                    name,
                    language,
                )
            )
    return text


def _catalogue_with_derived(
    source: PlaybookSource, problems: list[Problem]
) -> dict[str, Fields]:
    """The fact catalogue plus the kinds this playbook's rules derive."""
    catalogue = {
        kind: {name: kind_of for name, (kind_of, _) in fields.items()}
        for kind, fields in CATALOGUE.items()
    }
    derived: dict[str, Fields] = {}
    for item in source.rules:
        for index, action in enumerate(item.spec.then):
            spec = action.get("assert") if isinstance(action, dict) else None
            if not isinstance(spec, dict) or not isinstance(spec.get("fact"), str):
                continue
            kind = spec["fact"]
            if kind in catalogue:
                problems.append(
                    item.problem(
                        f"{kind!r} is a built-in fact kind; name the derived "
                        "fact something else",
                        "then",
                        index,
                        "assert",
                        "fact",
                    )
                )
                continue
            fields = spec.get("fields") or {}
            if isinstance(fields, dict):
                known = derived.setdefault(kind, {})
                for name, value in fields.items():
                    known.setdefault(str(name), _literal_type(value))
    catalogue.update(derived)
    return catalogue


def _literal_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str) and _REFERENCE.match(value):
        return "any"
    return "text"


@dataclass
class _Context:
    source: PlaybookSource
    catalogue: dict[str, Fields]
    problems: list[Problem]

    def rule(self, item: Sourced) -> RulePlan | None:
        spec: RuleSpec = item.spec
        before = len(self.problems)
        aliases: dict[str, str] = {}
        patterns: list[Pattern] = []
        at_least = None
        for index, raw in enumerate(spec.when):
            compiled = self._pattern(item, index, raw, aliases)
            if compiled is None:
                continue
            pattern, count = compiled
            patterns.append(pattern)
            if count is not None:
                at_least = count
        if at_least is not None and len(spec.when) > 1:
            self.problems.append(
                item.problem(
                    "at_least counts the matches of a rule's only pattern; "
                    "move the other patterns to a rule of their own",
                    "when",
                )
            )
        actions = [
            self._action(item, index, raw, aliases)
            for index, raw in enumerate(spec.then)
        ]
        because = _text(item, "because", self.problems)
        if len(self.problems) > before:
            return None
        return RulePlan(
            id=spec.id,
            priority=spec.priority,
            patterns=tuple(patterns),
            actions=tuple(action for action in actions if action is not None),
            because=because,
            at_least=at_least,
            source=item.located.file,
            line=item.located.line_of(item.path),
        )

    def _pattern(
        self, item: Sourced, index: int, raw: dict[str, Any], aliases: dict[str, str]
    ) -> tuple[Pattern, int | None] | None:
        parts = self._pattern_parts(item, index, raw)
        if parts is None:
            return None
        kind, alias, where, count, where_path = parts

        if not isinstance(kind, str) or kind not in self.catalogue:
            hint = did_you_mean(str(kind), self.catalogue)
            self._problem(item, f"unknown fact kind {kind!r}; {hint}", *where_path)
            return None
        if not isinstance(alias, str) or not re.match(r"^[A-Za-z_]\w*$", alias):
            self._problem(item, f"{alias!r} is not a usable name", "when", index, "as")
            return None
        if alias in aliases:
            self._problem(
                item,
                f"two patterns are named {alias!r}; give each its own name "
                "with 'fact: KIND' and 'as: NAME'",
                "when",
                index,
            )
            return None
        if count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or count < 2
        ):
            self._problem(
                item, "at_least must be a whole number of 2 or more", "when", index
            )
            return None
        if where is not None and not isinstance(where, dict):
            self._problem(
                item, "conditions must be a mapping of field: value", *where_path
            )
            return None

        test = self._where(item, where_path, where, kind, aliases) if where else None
        aliases[alias] = kind
        return Pattern(alias, kind, test), count

    def _pattern_parts(
        self, item: Sourced, index: int, raw: dict[str, Any]
    ) -> tuple[Any, Any, Any, Any, tuple[str | int, ...]] | None:
        """Kind, name, conditions, count and path of either way to write a pattern."""
        if "fact" in raw:
            unknown = set(raw) - {"fact", "as", "where", "at_least"}
            if unknown:
                self._problem(
                    item,
                    f"{sorted(unknown)[0]!r} is not part of a pattern; "
                    "use fact, as, where and at_least",
                    "when",
                    index,
                )
                return None
            kind = raw["fact"]
            return (
                kind,
                raw.get("as", kind),
                raw.get("where"),
                raw.get("at_least"),
                ("when", index, "where"),
            )
        if len(raw) == 1:
            kind, where = next(iter(raw.items()))
            return kind, kind, where, None, ("when", index, kind)
        self._problem(
            item,
            "a pattern is either 'KIND: {conditions}' or "
            "'fact: KIND' with as, where and at_least",
            "when",
            index,
        )
        return None

    def _where(
        self,
        item: Sourced,
        path: tuple[str | int, ...],
        where: dict[str, Any],
        kind: str,
        aliases: dict[str, str],
    ) -> Test | None:
        tests: list[Test] = []
        for key, value in where.items():
            here = (*path, key)
            if key in ("all", "any"):
                if not isinstance(value, list) or not all(
                    isinstance(part, dict) for part in value
                ):
                    self._problem(item, f"{key} takes a list of condition maps", *here)
                    continue
                parts = [
                    self._where(item, (*here, i), part, kind, aliases)
                    for i, part in enumerate(value)
                ]
                if all(part is not None for part in parts):
                    group = AllOf if key == "all" else AnyOf
                    tests.append(group(tuple(p for p in parts if p is not None)))
            elif key == "not":
                if not isinstance(value, dict):
                    self._problem(item, "not takes a map of conditions", *here)
                    continue
                inner = self._where(item, here, value, kind, aliases)
                if inner is not None:
                    negated = self._negate(item, here, inner)
                    if negated is not None:
                        tests.append(negated)
            else:
                test = self._field(item, here, key, value, kind, aliases)
                if test is not None:
                    tests.append(test)
        if not tests:
            return None
        return tests[0] if len(tests) == 1 else AllOf(tuple(tests))

    def _field(
        self,
        item: Sourced,
        path: tuple[str | int, ...],
        name: str,
        value: Any,
        kind: str,
        aliases: dict[str, str],
    ) -> Test | None:
        fields = self.catalogue[kind]
        if name not in fields and name != "id":
            hint = did_you_mean(name, [*fields, "all", "any", "not"])
            self._problem(item, f"{kind} facts have no field {name!r}; {hint}", *path)
            return None
        field_type = fields.get(name, "text")

        if isinstance(value, dict):
            ops = value
        elif isinstance(value, list):
            ops = {"in": value}
        else:
            ops = {"==": value}
        tests: list[Test] = []
        for op, operand in ops.items():
            here = (*path, op) if isinstance(value, dict) else path
            tested = _Tested(item, here, name, field_type, aliases)
            test = self._compare(tested, str(op), operand)
            if test is not None:
                tests.append(test)
        if len(tests) != len(ops):
            return None
        return tests[0] if len(tests) == 1 else AllOf(tuple(tests))

    def _compare(self, field: _Tested, op: str, operand: Any) -> Test | None:
        if op not in OPERATORS:
            hint = did_you_mean(op, OPERATORS)
            self._at(field, f"unknown operator {op!r}; {hint}")
            return None
        if op == "exists":
            if not isinstance(operand, bool):
                self._at(field, "exists takes true or false")
                return None
            if operand:
                return Compare(field.name, "exists", None, field.type)
            return Compare(field.name, "missing", None, field.type)
        if op in ("in", "not_in"):
            return self._one_of(field, op, operand)

        value = self._operand(field.item, field.path, operand, field.aliases)
        if value is _INVALID:
            return None
        if op == "contains":
            return self._contains(field, value)
        return self._ordered(field, op, value)

    def _one_of(self, field: _Tested, op: str, operand: Any) -> Test | None:
        if not isinstance(operand, list) or not operand:
            self._at(field, f"{op} takes a list of values")
            return None
        each = [self._compare(field, "==", part) for part in operand]
        tests = tuple(test for test in each if test is not None)
        if len(tests) != len(each):
            return None
        group: Test = AnyOf(tests) if len(tests) > 1 else tests[0]
        return self._negate(field.item, field.path, group) if op == "not_in" else group

    def _contains(self, field: _Tested, value: Any) -> Test | None:
        if field.type not in ("list", "text", "any"):
            self._at(
                field,
                f"contains needs a list or text field; {field.name} is a {field.type}",
            )
            return None
        if field.type == "text" and isinstance(value, Ref):
            self._at(field, "contains on text takes a literal text, not a reference")
            return None
        if field.type == "text" and set(str(value)) & set(_UNMATCHABLE):
            self._at(
                field,
                f"contains on text cannot look for {_UNMATCHABLE}; "
                "shorten the text to leave them out",
            )
            return None
        return Compare(field.name, "contains", value, field.type)

    def _ordered(self, field: _Tested, op: str, value: Any) -> Test | None:
        value_type = self._type_of(value, field.aliases)
        if field.type == "list":
            self._at(field, f"{field.name} is a list; test it with contains")
            return None
        if op in _ORDERED and field.type not in ("number", "any"):
            self._at(field, f"{op} compares numbers; {field.name} is a {field.type}")
            return None
        if "any" not in (field.type, value_type) and field.type != value_type:
            shown = f"${value.alias}.{value.field}" if isinstance(value, Ref) else value
            self._at(
                field, f"{field.name} is a {field.type} but {shown!r} is a {value_type}"
            )
            return None
        return Compare(field.name, op, value, field.type)  # type: ignore[arg-type]

    def _at(self, field: _Tested, message: str) -> None:
        self._problem(field.item, message, *field.path)

    def _operand(
        self,
        item: Sourced,
        path: tuple[str | int, ...],
        operand: Any,
        aliases: dict[str, str],
    ) -> Any:
        if isinstance(operand, (dict, list)) or operand is None:
            self._problem(item, "compare with a single value", *path)
            return _INVALID
        if not isinstance(operand, str):
            return operand
        match = _REFERENCE.match(operand)
        if not match:
            return operand
        owner, name = match.groups()
        if owner == "settings":
            if name not in self.source.settings:
                hint = did_you_mean(name, self.source.settings)
                self._problem(item, f"no setting {name!r} is defined; {hint}", *path)
                return _INVALID
            return self.source.settings[name]
        if owner not in aliases:
            self._problem(
                item,
                f"{operand} refers to {owner!r}, which no earlier pattern of "
                "this rule names",
                *path,
            )
            return _INVALID
        fields = self.catalogue[aliases[owner]]
        if name not in fields and name != "id":
            hint = did_you_mean(name, fields)
            self._problem(
                item, f"{aliases[owner]} facts have no field {name!r}; {hint}", *path
            )
            return _INVALID
        return Ref(owner, name)

    def _type_of(self, value: Any, aliases: dict[str, str]) -> str:
        if isinstance(value, Ref):
            return self.catalogue[aliases[value.alias]].get(value.field, "text")
        return _literal_type(value)

    def _negate(
        self, item: Sourced, path: tuple[str | int, ...], test: Test
    ) -> Test | None:
        # The engine has no "not", so a negation is pushed down to the
        # comparisons (De Morgan), each of which has an opposite.
        if isinstance(test, AllOf):
            parts = [self._negate(item, path, part) for part in test.tests]
            if any(part is None for part in parts):
                return None
            return AnyOf(tuple(p for p in parts if p is not None))
        if isinstance(test, AnyOf):
            parts = [self._negate(item, path, part) for part in test.tests]
            if any(part is None for part in parts):
                return None
            return AllOf(tuple(p for p in parts if p is not None))
        if test.op in ("contains", "lacks") and test.field_type != "list":
            self._problem(
                item, "not cannot be applied to contains on a text field", *path
            )
            return None
        return Compare(test.field, _NEGATED[test.op], test.value, test.field_type)

    def _action(
        self, item: Sourced, index: int, raw: dict[str, Any], aliases: dict[str, str]
    ) -> Action | None:
        path = ("then", index)
        keys = [key for key in ("recommend", "flag", "rebut", "assert") if key in raw]
        if len(keys) != 1 or len(raw) != 1:
            self._problem(
                item,
                "an action is one of recommend: STRATEGY, flag: {severity, "
                "message}, rebut: REBUTTAL or assert: {fact, fields}",
                *path,
            )
            return None
        key = keys[0]
        value = raw[key]
        if key == "recommend":
            return self._named(item, path, key, value, self.source.strategies)
        if key == "rebut":
            return self._named(item, path, key, value, self.source.rebuttals)
        if key == "flag":
            return self._flag(item, (*path, key), value, aliases)
        return self._assert(item, (*path, key), value, aliases)

    def _named(
        self,
        item: Sourced,
        path: tuple[str | int, ...],
        key: str,
        value: Any,
        defined: dict[str, Sourced],
    ) -> Action | None:
        what = "strategy" if key == "recommend" else "rebuttal"
        if not isinstance(value, str) or value not in defined:
            hint = did_you_mean(str(value), defined)
            self._problem(
                item,
                f"{key} names {value!r}, but the playbook defines no such "
                f"{what}; {hint}",
                *path,
                key,
            )
            return None
        return Action(key, target=value)  # type: ignore[arg-type]

    def _flag(
        self,
        item: Sourced,
        path: tuple[str | int, ...],
        value: Any,
        aliases: dict[str, str],
    ) -> Action | None:
        if not isinstance(value, dict) or set(value) - {"severity", "message"}:
            self._problem(item, "a flag is {severity: ..., message: ...}", *path)
            return None
        severity = value.get("severity")
        if severity not in SEVERITIES:
            hint = did_you_mean(str(severity), SEVERITIES)
            self._problem(
                item, f"unknown severity {severity!r}; {hint}", *path, "severity"
            )
            return None
        message = value.get("message")
        if not isinstance(message, (str, dict)) or not message:
            self._problem(item, "a flag needs a message", *path)
            return None
        text = text_of(message)
        for template in text.values():
            self._placeholders(item, (*path, "message"), template, aliases)
        return Action("flag", severity=severity, message=text)

    def _placeholders(
        self,
        item: Sourced,
        path: tuple[str | int, ...],
        template: str,
        aliases: dict[str, str],
    ) -> None:
        for match in PLACEHOLDER.finditer(template):
            owner, name = match.group(1), match.group(2)
            kind = aliases.get(owner) or (owner if owner in SINGLETONS else None)
            if owner == "settings":
                if name not in self.source.settings:
                    self._problem(item, f"no setting {name!r} is defined", *path)
                continue
            if kind is None:
                self._problem(
                    item,
                    f"the message shows {{{owner}.{name}}}, but the rule matches "
                    f"no fact named {owner!r}; use one of "
                    f"{', '.join(sorted({*aliases, *SINGLETONS}))}",
                    *path,
                )
                continue
            if name not in self.catalogue[kind] and name not in ("id", "kind"):
                hint = did_you_mean(name, self.catalogue[kind])
                self._problem(
                    item, f"{kind} facts have no field {name!r}; {hint}", *path
                )

    def _assert(
        self,
        item: Sourced,
        path: tuple[str | int, ...],
        value: Any,
        aliases: dict[str, str],
    ) -> Action | None:
        if not isinstance(value, dict) or not isinstance(value.get("fact"), str):
            self._problem(item, "assert takes {fact: KIND, fields: {...}}", *path)
            return None
        if set(value) - {"fact", "fields"}:
            self._problem(item, "assert takes only fact and fields", *path)
            return None
        fields = value.get("fields") or {}
        if not isinstance(fields, dict):
            self._problem(item, "fields must be a mapping", *path, "fields")
            return None
        resolved: list[tuple[str, Any]] = []
        for name, raw in fields.items():
            if isinstance(raw, list) and all(isinstance(x, str) for x in raw):
                resolved.append((str(name), tuple(raw)))
                continue
            operand = self._operand(item, (*path, "fields", name), raw, aliases)
            if operand is _INVALID:
                return None
            resolved.append((str(name), operand))
        return Action("assert", target=value["fact"], fields=tuple(resolved))

    def _problem(self, item: Sourced, message: str, *path: str | int) -> None:
        self.problems.append(item.problem(message, *path))


@dataclass(frozen=True)
class _Tested:
    """The field a condition tests, and where in the playbook it stands."""

    item: Sourced
    path: tuple[str | int, ...]
    name: str
    type: str
    aliases: dict[str, str]


class _Invalid:
    pass


_INVALID = _Invalid()
