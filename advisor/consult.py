"""Runs a deal through a compiled playbook and turns what fired into advice.

``Advisor`` is the door every caller uses: the CLI, embedding tools and the
live sessions. It loads and compiles a playbook once and can then be
consulted many times, from several threads at once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import engine, resources
from .advice import (
    SEVERITY_RANK,
    Advice,
    BottomLineView,
    GoalView,
    OfferPackage,
)
from .compiler import SINGLETONS, compile_playbook
from .deal import Deal
from .entries import Entry
from .facts import deal_facts, headroom, opening_of
from .packages import packages_from
from .plan import Action, PlaybookPlan, Ref, RulePlan, pick
from .playbook import read_playbook
from .template import Template, render

logger = logging.getLogger(__name__)

Fact = dict[str, Any]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def load_playbook(path: str | Path | None = None) -> PlaybookPlan:
    """Read, check and compile a playbook; the shipped default when ``path`` is None.

    Raises ``PlaybookError`` listing every problem with its file and line.
    """
    source = read_playbook(path or resources.default_playbook())
    plan = compile_playbook(source)
    logger.info(
        "loaded playbook %s %s (%d rules)", plan.name, plan.version, len(plan.rules)
    )
    return plan


class Advisor:
    """A compiled playbook, ready to consult.

    Safe to share between threads: each consultation runs in a fresh engine
    session, and calls into the engine are serialised underneath.
    """

    def __init__(self, plan: PlaybookPlan) -> None:
        self.plan = plan
        self._ruleset = engine.ruleset_for(plan.digest, plan.rules)
        self._rules = {rule.id: rule for rule in plan.rules}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Advisor:
        """An advisor for the playbook at ``path``, or for the shipped default."""
        return cls(load_playbook(path))

    def consult(
        self,
        deal: Deal,
        entries: Sequence[Entry] = (),
        lang: str | None = None,
    ) -> Advice:
        """Advice for ``deal`` and the entries recorded so far.

        ``lang`` picks the language of texts (``zh``, ``en``, ...); by default
        Chinese when the deal's title is written in Chinese, else English.
        Raises ``EngineError`` only on a fault of the advisor itself.
        """
        return self.consult_with_stats(deal, entries, lang)[0]

    def consult_with_stats(
        self,
        deal: Deal,
        entries: Sequence[Entry] = (),
        lang: str | None = None,
    ) -> tuple[Advice, engine.RunStats]:
        """Like :meth:`consult`, with what the run cost (used by the benchmark)."""
        facts = deal_facts(deal, entries)
        language = lang or guess_language(deal)
        points = [fact for fact in facts if fact["kind"] == "selling_point"]
        run = _Run(self.plan, self._rules, language, _singletons(facts), points)

        stats = self._ruleset.run(facts, run.on_fire)

        return run.advice(deal, facts), stats

    def facts(self, deal: Deal, entries: Sequence[Entry] = ()) -> list[Fact]:
        """The facts a consultation would match, for explanations and tests."""
        return deal_facts(deal, entries)


def guess_language(deal: Deal) -> str:
    """``zh`` when the deal's title or customer is written in Chinese, else ``en``."""
    sample = deal.deal.title + deal.customer.name
    return "zh" if _CJK.search(sample) else "en"


def _singletons(facts: Iterable[Fact]) -> dict[str, Fact]:
    return {fact["kind"]: fact for fact in facts if fact["kind"] in SINGLETONS}


@dataclass
class _Run:
    """Collects the advice of one consultation as rules fire."""

    plan: PlaybookPlan
    rules: dict[str, RulePlan]
    lang: str
    singletons: dict[str, Fact]
    selling_points: list[Fact]
    # Items are gathered as plain data and validated into models once, at
    # the end: one bulk validation costs far less than a model per firing.
    recommendations: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = field(
        default_factory=dict
    )
    rebuttals: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    derived: list[dict[str, Any]] = field(default_factory=list)
    derived_ids: set[str] = field(default_factory=set)
    fired: list[str] = field(default_factory=list)

    def on_fire(self, firing: engine.Firing) -> list[Fact]:
        rule = self.rules[firing.rule]
        self.fired.append(rule.id)
        new_facts = []
        for action in rule.actions:
            if action.kind == "recommend":
                self._recommend(rule, action.target, firing)
            elif action.kind == "flag":
                self._flag(rule, action, firing)
            elif action.kind == "rebut":
                self._rebut(rule, action.target, firing)
            else:
                fact = self._derive(rule, action, firing.facts)
                if fact is not None:
                    new_facts.append(fact)
        return new_facts

    def _explained(self, rule: RulePlan, firing: engine.Firing) -> dict[str, Any]:
        matched = [_matched(name, fact) for name, fact in firing.facts.items()]
        matched.extend(
            _matched(f"{name}#{i}", fact)
            for name in firing.facts
            for i, fact in enumerate(firing.group[1:], start=2)
        )
        return {
            "rule": rule.id,
            "priority": rule.priority,
            "because": pick(rule.because, self.lang),
            "facts": matched,
        }

    def _recommend(
        self, rule: RulePlan, strategy_id: str, firing: engine.Firing
    ) -> None:
        existing = self.recommendations.get(strategy_id)
        if existing is not None:
            if rule.id != existing["rule"] and rule.id not in existing["also_by"]:
                existing["also_by"].append(rule.id)
            return

        strategy = self.plan.strategies[strategy_id]
        self.recommendations[strategy_id] = {
            "strategy": strategy_id,
            "title": pick(strategy.title, self.lang),
            "how": pick(strategy.how, self.lang),
            "evidence": pick(strategy.evidence, self.lang),
            "also_by": [],
            **self._explained(rule, firing),
        }

    def _flag(self, rule: RulePlan, action: Action, firing: engine.Firing) -> None:
        template = Template.parse(pick(action.message, self.lang))
        values = template.values(firing.facts, self.singletons)
        key = (rule.id, values)
        if key in self.flags:
            return

        self.flags[key] = {
            "severity": action.severity,
            "message": template.fill(values),
            **self._explained(rule, firing),
        }

    def _rebut(self, rule: RulePlan, rebuttal_id: str, firing: engine.Firing) -> None:
        rebuttal = self.plan.rebuttals[rebuttal_id]
        objection: Fact = next(
            (
                fact
                for fact in firing.facts.values()
                if fact["kind"] in ("objection", "expected_objection")
            ),
            {},
        )
        objection_type = objection.get("type", rebuttal.objection)
        entry = objection["id"] if objection.get("kind") == "objection" else None
        key = (rebuttal_id, entry or objection_type)
        if key in self.rebuttals:
            return

        reply = pick(rebuttal.reply, self.lang)
        self.rebuttals[key] = {
            "rebuttal": rebuttal_id,
            "objection": objection_type,
            "objection_text": str(objection.get("text", "")),
            "entry": entry,
            "reply": render(reply, firing.facts, self.singletons),
            "evidence": pick(rebuttal.evidence, self.lang),
            "selling_points": self._selling_points(
                objection_type, rebuttal.selling_point_keywords
            ),
            "prepared_reply": "",
            **self._explained(rule, firing),
        }

    def _selling_points(self, objection: str, keywords: Sequence[str]) -> list[str]:
        chosen = []
        for point in self.selling_points:
            text = str(point.get("text", ""))
            addresses = point.get("addresses") or []
            lowered = text.lower()
            if objection in addresses or any(k.lower() in lowered for k in keywords):
                chosen.append(text)
        return chosen

    def _derive(
        self, rule: RulePlan, action: Action, facts: dict[str, Fact]
    ) -> Fact | None:
        fields: dict[str, Any] = {}
        for name, value in action.fields:
            if isinstance(value, Ref):
                resolved = facts.get(value.alias, {}).get(value.field)
                if resolved is not None:
                    fields[name] = resolved
            else:
                fields[name] = list(value) if isinstance(value, tuple) else value

        # A derived fact is known by its content: deriving the same thing
        # again, by another rule or round a loop of rules, adds nothing, and
        # that is what stops a cycle of rules from running forever.
        summary = ",".join(f"{name}={fields[name]}" for name in sorted(fields))
        fact_id = f"{action.target}({summary})"
        if fact_id in self.derived_ids:
            return None
        self.derived_ids.add(fact_id)
        self.derived.append(
            {"rule": rule.id, "kind": action.target, "id": fact_id, "fields": fields}
        )
        return {"kind": action.target, "id": fact_id, **fields}

    def advice(self, deal: Deal, facts: list[Fact]) -> Advice:
        flags = sorted(
            self.flags.values(),
            key=lambda flag: (-SEVERITY_RANK[flag["severity"]], -flag["priority"]),
        )
        expected = [objection.type for objection in deal.expected_objections]
        rebuttals = sorted(
            self.rebuttals.values(),
            key=lambda item: (
                item["entry"] is None,
                expected.index(item["objection"])
                if item["objection"] in expected
                else len(expected),
                -item["priority"],
            ),
        )
        for item in rebuttals:
            item["prepared_reply"] = _prepared_reply(deal, item["objection"])
        recommendations = sorted(
            self.recommendations.values(), key=lambda item: -item["priority"]
        )

        return Advice.model_validate(
            {
                "playbook": {
                    "name": self.plan.name,
                    "version": self.plan.version,
                    "digest": self.plan.digest,
                },
                "lang": self.lang,
                "deal": deal.deal.title,
                "recommendations": recommendations,
                "flags": flags,
                "rebuttals": rebuttals,
                "goals": _goal_views(deal, facts),
                "bottom_lines": _bottom_line_views(deal, facts),
                "derived": self.derived,
                "fired": self.fired,
                "packages": self._packages(deal, facts),
            }
        )

    def _packages(self, deal: Deal, facts: list[Fact]) -> list[OfferPackage]:
        if deal.deal.list_price is None:
            return []
        positions = {
            fact["term"]: fact["value"]
            for fact in facts
            if fact["kind"] == "position" and fact["by"] == "us"
        }
        return packages_from(deal, positions, self.plan.settings, self.lang)


def _prepared_reply(deal: Deal, objection: str) -> str:
    for expected in deal.expected_objections:
        if expected.type == objection and expected.reply:
            return expected.reply
    return ""


def _matched(name: str, fact: Fact) -> dict[str, Any]:
    fields = {key: value for key, value in fact.items() if key not in ("kind", "id")}
    return {"name": name, "kind": fact["kind"], "id": fact["id"], "fields": fields}


def _goal_views(deal: Deal, facts: list[Fact]) -> list[GoalView]:
    lines = {view.term: view for view in _bottom_line_views(deal, facts)}
    order = {"must": 0, "try": 1, "give_up": 2}
    goals = sorted(deal.goals, key=lambda goal: order[goal.tier.value])
    return [
        GoalView(
            id=goal.id,
            tier=goal.tier.value,
            text=goal.text or "",
            metric=goal.metric,
            op=goal.op,
            target=goal.target,
            bottom_line=lines.get(goal.metric or ""),
        )
        for goal in goals
    ]


def _bottom_line_views(deal: Deal, facts: list[Fact]) -> list[BottomLineView]:
    positions = {
        fact["term"]: fact
        for fact in facts
        if fact["kind"] == "position" and fact["by"] == "us"
    }
    views = []
    for term, line in deal.bottom_lines.items():
        opening = opening_of(term, line, deal)
        position = positions.get(term)
        left = share = None
        if position is not None:
            left, share = headroom(position["value"], line, opening)
        views.append(
            BottomLineView(
                term=term,
                direction=line.direction,
                limit=line.limit,
                opening=opening,
                position=position["value"] if position else None,
                left=left,
                share=share,
            )
        )
    return views
