"""The only module that talks to durable-rules.

It translates a rule plan into a durable-rules ruleset and runs facts through
it, one short-lived session per run. durable-rules has sharp edges that must
never reach a caller, and each is fenced here:

- Its Python ``Host`` starts timer and dispatcher threads that crashed the
  process when they raced our calls, so the Host is never used: this module
  drives the C extension directly and drains the fired actions itself.
- The C extension has no locks; one process-wide lock serialises every call
  into it. It never releases the GIL, so the lock costs no parallelism.
- A ruleset holds at most 1,024 live sessions, so every run uses a fresh
  session id and deletes that session's state when done, also on error.
- Deleting the state of a session in which no rule fired crashed the process,
  so every run asserts a start fact that an internal rule always fires on.
- A fact that no rule matches makes the engine refuse the whole batch, so an
  internal rule that can never fire matches every fact: no fact is "unhandled".
- Asserting a fact identical to one already present is refused, so every fact
  is sent with an identity made of its kind and id.
- Exceptions inside actions would be stored in the session and lost; there
  are no durable actions here at all, only our loop calling back into Python.
- Rulesets are never deleted (that crashed the process): a reload registers a
  new ruleset under the plan's digest, and an unchanged plan reuses its own.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import durable_rules_engine as _durable

from .errors import EngineError
from .plan import AllOf, AnyOf, Compare, Pattern, Ref, RulePlan, Test

logger = logging.getLogger(__name__)

Fact = dict[str, Any]

_START_RULE = "$start"
_CATCH_RULE = "$catch"
_START_KIND = "$start"
_NEVER_KIND = "$never"
_MAX_PROPERTIES = 255
_MAX_FIRINGS = 50_000
_BATCH = 1_000
# The engine's own priority: lower fires first. Playbook priorities run from
# 0 to 100 with higher more important, so they are turned around here.
_TOP_PRIORITY = 100

_lock = threading.RLock()
_rulesets: dict[str, int] = {}
_session_ids = itertools.count(1)


class Firing(NamedTuple):
    """One rule that fired and the facts it matched, by the rule's aliases.

    For a rule that waits for several matches (``at_least``), ``facts`` holds
    the first match and ``group`` all of them.
    """

    rule: str
    facts: dict[str, Fact]
    group: tuple[Fact, ...] = ()


#: Called for each firing; returns derived facts to add to the session.
OnFire = Callable[[Firing], Iterable[Fact]]


@dataclass
class RunStats:
    """What one run cost, for the benchmark: wall time and time in the C engine."""

    firings: int = 0
    facts: int = 0
    engine_seconds: float = 0.0
    total_seconds: float = 0.0
    derived: int = 0
    errors: list[str] = field(default_factory=list)
    debug: bool = False


class Ruleset:
    """A plan's rules registered in the engine; cheap to share between threads."""

    def __init__(self, name: str, handle: int, rules: Sequence[RulePlan]) -> None:
        self.name = name
        self._handle = handle
        self.rule_count = len(rules)
        self._aliases = {
            rule.id: {pattern.alias for pattern in rule.patterns} for rule in rules
        }
        self._counted = {rule.id for rule in rules if rule.at_least}

    def run(self, facts: Sequence[Fact], on_fire: OnFire) -> RunStats:
        """Run ``facts`` through the rules in a fresh session; forward-chain.

        ``on_fire`` is called once per firing, in the engine's order (highest
        priority first among the rules ready to fire), and may return derived
        facts, which join the session and can make further rules fire. A
        derived fact identical to one already present is ignored. Raises
        ``EngineError`` if the engine fails or ``on_fire`` raises; the
        session is cleaned up either way.
        """
        stats = RunStats(facts=len(facts), debug=logger.isEnabledFor(logging.DEBUG))
        started = time.perf_counter()
        with _lock:
            sid = f"s{next(_session_ids)}"
            self._drain(sid, facts, on_fire, stats)
        stats.total_seconds = time.perf_counter() - started
        if stats.errors:
            raise EngineError(
                "the advisor failed while applying rule "
                f"{stats.errors[0]}; please report this with the deal file"
            )
        return stats

    def _drain(
        self, sid: str, facts: Sequence[Fact], on_fire: OnFire, stats: RunStats
    ) -> None:
        known: list[Fact] = []
        payload = _payload(
            [{"kind": _START_KIND, "id": _START_KIND}, *facts], sid, known
        )
        touched = False
        try:
            tick = time.perf_counter()
            result = _durable.assert_facts(self._handle, payload)
            state_handle = result[1]
            message = _durable.start_action_for_state(self._handle, state_handle)
            stats.engine_seconds += time.perf_counter() - tick

            while message:
                touched = True
                self._fire(sid, message[1], known, on_fire, stats)
                tick = time.perf_counter()
                following = _durable.complete_and_start_action(
                    self._handle, state_handle
                )
                stats.engine_seconds += time.perf_counter() - tick
                message = (None, following) if following else None
        except Exception as error:
            logger.exception("durable-rules failed in session %s", sid)
            stats.errors.append(_engine_failure(str(error)))
        finally:
            # The start rule fires first in every session; deleting a session
            # that never fired crashed the engine, so only touched ones go.
            if touched:
                _durable.delete_state(self._handle, sid)

    def _firings(self, rule: str, message: str, known: list[Fact]) -> list[Firing]:
        matches = _matches(message, known)
        names = self._aliases[rule]
        if rule in self._counted:
            group = tuple(fact for _, fact in matches)
            return [Firing(rule, {matches[0][0]: group[0]}, group)]

        width = len(names)
        firings = [
            Firing(rule, dict(matches[start : start + width]))
            for start in range(0, len(matches), width)
        ]
        if any(firing.facts.keys() != names for firing in firings):
            # Reading facts out of the engine's text relies on its layout;
            # should that ever change, fail loudly rather than advise wrongly.
            raise RuntimeError(f"unexpected action text for rule {rule}")
        return firings

    def _fire(
        self,
        sid: str,
        message: str,
        known: list[Fact],
        on_fire: OnFire,
        stats: RunStats,
    ) -> None:
        rule = message[2 : message.index('"', 2)]
        if rule == _START_RULE:
            return

        derived: list[Fact] = []
        for firing in self._firings(rule, message, known):
            stats.firings += 1
            if stats.firings > _MAX_FIRINGS:
                raise RuntimeError(f"more than {_MAX_FIRINGS} firings: a rule loop?")
            if stats.errors:
                return
            if stats.debug:
                logger.debug("rule %s fired on %s", rule, firing.facts)
            try:
                derived.extend(on_fire(firing))
            except Exception as error:
                logger.exception("handling rule %s failed", rule)
                stats.errors.append(f"{rule!r} ({error})")
                return

        for fact in derived:
            payload = _payload([fact], sid, known)[1:-1]
            tick = time.perf_counter()
            code = _durable.assert_fact(self._handle, payload)
            stats.engine_seconds += time.perf_counter() - tick
            if code[0] == 0:
                stats.derived += 1


def _engine_failure(message: str) -> str:
    if message.endswith("error code: 303"):
        # The engine walks the rules a fact passes with a fixed stack of 64.
        return (
            "(engine: one fact passed more than 64 range tests of different "
            "rules at once; give those rules an equality test, such as a term "
            "or a type, that tells them apart)"
        )
    return f"(engine: {message})"


def ruleset_for(digest: str, rules: Sequence[RulePlan]) -> Ruleset:
    """The engine's ruleset for a plan, registered once per process by digest."""
    with _lock:
        handle = _rulesets.get(digest)
        if handle is None:
            definition = ruleset_definition(rules)
            name = f"playbook-{digest}"
            try:
                handle = _durable.create_ruleset(
                    name, json.dumps(definition, ensure_ascii=False)
                )
            except Exception as error:
                raise EngineError(
                    f"the rule engine refused the compiled playbook ({error}); "
                    "please report this with the playbook"
                ) from None
            _rulesets[digest] = handle
            logger.info("registered ruleset %s with %d rules", name, len(rules))
        return Ruleset(f"playbook-{digest}", handle, rules)


def registered_rulesets() -> int:
    """How many rulesets this process has registered (they are never freed)."""
    with _lock:
        return len(_rulesets)


def _payload(facts: Iterable[Fact], sid: str, known: list[Fact]) -> str:
    """The JSON the engine takes, each fact led by a short identity.

    The engine hands matched facts back as the very text it was given. With
    an identity of our own written first (``f`` and the fact's place in
    ``known``), a firing's facts are found by a plain text search instead of
    decoding every fact of every firing again. The identity also keeps two
    facts with equal fields apart, which the engine would refuse as one.
    """
    batch = []
    for fact in facts:
        if len(fact) + 1 > _MAX_PROPERTIES:
            raise EngineError(
                f"a {fact.get('kind')} fact has {len(fact)} fields; "
                f"the engine takes at most {_MAX_PROPERTIES - 2}"
            )
        # The identity goes first: a key keeps the place it was first given,
        # even when the fact's own id overwrites its value for a moment.
        outgoing = {"id": None, "sid": sid, **fact}
        outgoing["id"] = f"f{len(known)}"
        batch.append(outgoing)
        known.append(fact)
    return json.dumps(batch, ensure_ascii=False)


_FACT_START = '{"id": "f'


def _matches(message: str, known: list[Fact]) -> list[tuple[str, Fact]]:
    """The facts in an action's text, each with the rule's name for it.

    The text reads {"RULE":[{"NAME":{"id": "fN", ...},"NAME2":{...}}, ...]}:
    one element per match, the engine handing over several at once.
    """
    first = message.find(_FACT_START)
    if message.find(_FACT_START, first + 1) < 0:
        name = message[message.rindex('"', 0, first - 2) + 1 : first - 2]
        return [(name, known[_index_at(message, first)])]

    pieces = message.split(_FACT_START)
    matches = []
    for before, piece in itertools.pairwise(pieces):
        name = before[before.rindex('"', 0, -2) + 1 : -2]
        matches.append((name, known[int(piece[: piece.index('"')])]))
    return matches


def _index_at(message: str, start: int) -> int:
    digits = start + len(_FACT_START)
    return int(message[digits : message.index('"', digits)])


def ruleset_definition(rules: Sequence[RulePlan]) -> dict[str, Any]:
    """The rules as durable-rules takes them, with the two internal rules."""
    definition: dict[str, Any] = {
        _START_RULE: {"all": [{"m": {"kind": _START_KIND}}], "pri": -1},
        _CATCH_RULE: {
            "all": [{"a": {"$ex": {"kind": 1}}}, {"b": {"kind": _NEVER_KIND}}]
        },
    }
    for rule in rules:
        body: dict[str, Any] = {
            "all": [{p.alias: _pattern(p)} for p in rule.patterns],
            "pri": _TOP_PRIORITY - rule.priority,
        }
        if rule.at_least:
            body["count"] = rule.at_least
        else:
            # The engine hands over every match ready at once, up to the cap,
            # which saves a round trip per match on a rule that fires often.
            body["cap"] = _BATCH
        definition[rule.id] = body
    return definition


def _pattern(pattern: Pattern) -> dict[str, Any]:
    tests: list[Test] = []
    if isinstance(pattern.test, AllOf):
        tests.extend(pattern.test.tests)
    elif pattern.test is not None:
        tests.append(pattern.test)

    # Equality tests become hash nodes in the engine's network and spread
    # rules apart; put first, they keep the range tests under any one node
    # few, and the engine fails when one fact passes more than 64 of those.
    tests.sort(key=lambda test: not (isinstance(test, Compare) and test.op == "=="))
    return {"$and": [{"kind": pattern.kind}, *(_test(test) for test in tests)]}


_OPERATORS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def _test(test: Test) -> dict[str, Any]:
    if isinstance(test, AllOf):
        return {"$and": [_test(item) for item in test.tests]}
    if isinstance(test, AnyOf):
        return {"$or": [_test(item) for item in test.tests]}
    return _compare(test)


def _compare(test: Compare) -> dict[str, Any]:
    value = _value(test.value)
    if test.op == "==":
        return {test.field: value}
    if test.op in _OPERATORS:
        return {_OPERATORS[test.op]: {test.field: value}}
    if test.op == "exists":
        return {"$ex": {test.field: 1}}
    if test.op == "missing":
        return {"$nex": {test.field: 1}}
    if test.field_type == "list":
        if test.op == "contains":
            return {"$iany": {test.field: {"$i": value}}}
        return {"$iall": {test.field: {"$neq": {"$i": value}}}}
    # On text, "contains" is a substring test; the engine's regular
    # expressions match the whole text, hence the wildcards around it.
    return {"$mt": {test.field: f".*{_escape(str(test.value))}.*"}}


def _value(value: Any) -> Any:
    if isinstance(value, Ref):
        return {value.alias: value.field}
    return value


def _escape(text: str) -> str:
    # The engine's regular expressions know no backslash escapes; a one-
    # character class is how a special character is matched literally.
    return "".join(f"[{char}]" if char in ".*+?()[{}|$" else char for char in text)
