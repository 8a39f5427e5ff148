"""How a negotiation ended against its goals: target, result, rate, met.

A measurable goal is judged from the terms agreed (stated when the session
is closed, else the agreement entries recorded in the meeting); a goal
without numbers is judged met or not by the user. The handbook's example:
target 500,000, reached 480,000 gives a rate of 96% and a missed must-goal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from .deal import Deal, Goal
from .entries import Agreement, Entry, canonical_term, effective_entries
from .errors import SessionError

#: How a session can end, as ``advisor session close --outcome`` takes it.
OUTCOMES = ("won", "lost", "pending", "continued")

#: The outcomes a win rate counts; pending and continued are not decided yet.
DECIDED = ("won", "lost")

Term = float | int | str


class GoalResult(BaseModel):
    """One goal at the close: what was aimed for, what was reached, and the rate.

    ``rate`` is result against target (above 1 when a goal was beaten) and
    None for a goal without numbers or without a result yet; ``met`` is None
    while nobody knows.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    tier: str
    text: str = ""
    metric: str | None = None
    op: str | None = None
    target: float | None = None
    result: Term | None = None
    rate: float | None = None
    met: bool | None = None
    missed_must: bool = False


def parse_agreed(pairs: Iterable[str]) -> dict[str, Term]:
    """Turn ``term=value`` words into agreed terms; numbers become numbers.

    Short term words are made canonical (``price`` is ``contract_amount``).
    Raises ``SessionError`` for a word without ``=``.
    """
    agreed: dict[str, Term] = {}
    for pair in pairs:
        term, sign, value = pair.partition("=")
        if not sign or not term.strip() or not value.strip():
            raise SessionError(
                f"--agreed takes term=value, like contract_amount=480000; got {pair!r}"
            )
        agreed[canonical_term(term.strip())] = _number_or_text(value.strip())
    return agreed


def agreed_terms(
    agreed: Mapping[str, Any], entries: Sequence[Entry]
) -> dict[str, Term]:
    """The terms agreed: agreement entries, overridden by what the close stated."""
    terms: dict[str, Term] = {}
    for entry in effective_entries(list(entries)):
        if isinstance(entry, Agreement) and entry.term and entry.value is not None:
            terms[canonical_term(entry.term)] = entry.value
    terms.update({canonical_term(term): value for term, value in agreed.items()})
    return terms


def goal_results(
    deal: Deal, agreed: Mapping[str, Any], judged: Mapping[str, bool]
) -> list[GoalResult]:
    """Every goal of ``deal`` judged against the agreed terms and the user's word."""
    return judge_goals(deal.goals, agreed, judged)


def judge_goals(
    goals: Iterable[Goal], agreed: Mapping[str, Any], judged: Mapping[str, bool]
) -> list[GoalResult]:
    """Like ``goal_results`` for goals on their own (a review reads only these)."""
    return [_judge(goal, agreed, judged) for goal in goals]


def achievement(results: Iterable[GoalResult]) -> float | None:
    """The negotiation's goal achievement, 0 to 1; None when nothing is known.

    The mean over must and try goals with a result: a measurable goal counts
    its rate capped at 1, so beating one goal cannot hide missing another; a
    judged goal counts 1 when met and 0 when not. Can-give-up goals are left
    out, since giving them up is the plan.
    """
    scores = []
    for result in results:
        if result.tier == "give_up" or result.met is None:
            continue
        if result.rate is not None:
            scores.append(min(result.rate, 1.0))
        else:
            scores.append(1.0 if result.met else 0.0)
    return sum(scores) / len(scores) if scores else None


def missed_musts(results: Iterable[GoalResult]) -> list[str]:
    """The ids of must-goals known to be missed."""
    return [result.id for result in results if result.missed_must]


def _judge(
    goal: Goal, agreed: Mapping[str, Any], judged: Mapping[str, bool]
) -> GoalResult:
    common: dict[str, Any] = {
        "id": goal.id,
        "tier": goal.tier.value,
        "text": goal.text or "",
        "metric": goal.metric,
        "op": goal.op,
        "target": goal.target,
    }
    met: bool | None
    if goal.measurable and goal.metric is not None:
        result = agreed.get(canonical_term(goal.metric))
        rate, met = _measure(goal, result)
        common.update(result=result, rate=rate)
    else:
        met = judged.get(goal.id)
    return GoalResult(
        **common, met=met, missed_must=goal.tier.value == "must" and met is False
    )


def _measure(goal: Goal, result: Any) -> tuple[float | None, bool | None]:
    if not isinstance(result, int | float) or isinstance(result, bool):
        return None, None
    if not math.isfinite(result):
        return None, None
    target = float(goal.target or 0)
    met = _holds(goal.op or ">=", float(result), target)
    if target <= 0 or (result <= 0 and goal.op in ("<=", "<")):
        # A ratio means nothing around zero: the goal is simply met or not.
        return (1.0 if met else 0.0), met
    if goal.op in (">=", ">"):
        ratio = result / target
    elif goal.op in ("<=", "<"):
        ratio = target / result
    else:
        ratio = min(result / target, target / result) if result > 0 else 0.0
    if not math.isfinite(ratio):
        return (1.0 if met else 0.0), met
    return max(ratio, 0.0), met


def _holds(op: str, result: float, target: float) -> bool:
    return {
        ">=": result >= target,
        ">": result > target,
        "<=": result <= target,
        "<": result < target,
        "==": result == target,
    }[op]


def _number_or_text(value: str) -> Term:
    try:
        number = float(value.replace(",", ""))
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() else number
