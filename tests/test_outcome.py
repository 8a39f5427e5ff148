"""Goal achievement: target, result, rate, met, and the missed must-goal."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor.deal import Deal
from advisor.entries import Agreement
from advisor.errors import SessionError
from advisor.outcome import (
    achievement,
    agreed_terms,
    goal_results,
    missed_musts,
    parse_agreed,
)


def a_deal(*goals: dict[str, object]) -> Deal:
    return Deal.model_validate(
        {
            "deal": {"title": "Line 3 automation"},
            "customer": {"name": "Huaxin", "type": "price_sensitive"},
            "goals": list(goals),
        }
    )


AMOUNT = {
    "id": "amount",
    "tier": "must",
    "metric": "contract_amount",
    "op": ">=",
    "target": 500_000,
}
PAYMENT = {
    "id": "payment",
    "tier": "try",
    "metric": "payment_days",
    "op": "<=",
    "target": 60,
}
SUPPORT = {"id": "support", "tier": "must", "text": "Keep premium support"}
BUNDLE = {"id": "bundle", "tier": "give_up", "text": "Bundle the reporting module"}


def test_the_handbooks_example_reaches_96_percent_and_misses_a_must_goal() -> None:
    [result] = goal_results(a_deal(AMOUNT), {"contract_amount": 480_000}, {})

    assert (result.target, result.result, result.rate) == (500_000, 480_000, 0.96)
    assert result.met is False
    assert result.missed_must is True


def test_a_ceiling_goal_is_met_below_its_target_with_a_rate_above_one() -> None:
    [result] = goal_results(a_deal(PAYMENT), {"payment_days": 45}, {})

    assert result.met is True
    assert result.rate == pytest.approx(60 / 45)
    assert result.missed_must is False


@pytest.mark.parametrize(
    ("op", "result", "met", "rate"),
    [
        pytest.param("==", 3, True, 1.0, id="equal-met"),
        pytest.param("==", 2, False, 2 / 3, id="equal-short"),
        pytest.param(">", 3, False, 1.0, id="greater-not-strict"),
        pytest.param("<", 2, True, 1.5, id="less-met"),
    ],
)
def test_every_operator_judges_met_and_rate(
    op: str, result: int, met: bool, rate: float
) -> None:
    goal = {"id": "training", "tier": "try", "metric": "free_training_sessions"}
    deal = a_deal({**goal, "op": op, "target": 3})

    [judged] = goal_results(deal, {"free_training_sessions": result}, {})

    assert (judged.met, judged.rate) == (met, pytest.approx(rate))


def test_a_goal_without_numbers_is_what_the_user_judged() -> None:
    results = goal_results(a_deal(SUPPORT, BUNDLE), {}, {"support": False})

    assert [(r.id, r.met, r.missed_must) for r in results] == [
        ("support", False, True),
        ("bundle", None, False),
    ]


def test_a_goal_with_no_agreed_value_is_unknown_not_missed() -> None:
    [result] = goal_results(a_deal(AMOUNT), {}, {})

    assert (result.result, result.rate, result.met, result.missed_must) == (
        None,
        None,
        None,
        False,
    )


def test_achievement_caps_a_beaten_goal_and_leaves_out_can_give_up_goals() -> None:
    deal = a_deal(AMOUNT, PAYMENT, SUPPORT, BUNDLE)
    agreed = {"contract_amount": 480_000, "payment_days": 30}

    results = goal_results(deal, agreed, {"support": True, "bundle": False})

    assert achievement(results) == pytest.approx((0.96 + 1.0 + 1.0) / 3)
    assert missed_musts(results) == ["amount"]


def test_achievement_is_unknown_when_no_goal_has_a_result() -> None:
    assert achievement(goal_results(a_deal(AMOUNT, SUPPORT), {}, {})) is None


def test_agreed_words_become_terms_and_numbers() -> None:
    agreed = parse_agreed(["price=480,000", "payment=45", "scope=premium support"])

    assert agreed == {
        "contract_amount": 480_000,
        "payment_days": 45,
        "scope": "premium support",
    }


@pytest.mark.parametrize(
    "word", ["price", "price=", "=45"], ids=["no-sign", "no-value", "no-term"]
)
def test_an_agreed_word_without_term_and_value_is_refused(word: str) -> None:
    with pytest.raises(SessionError) as caught:
        parse_agreed([word])

    assert str(caught.value) == (
        f"--agreed takes term=value, like contract_amount=480000; got {word!r}"
    )


def test_the_close_overrides_agreements_and_corrected_ones_drop_out() -> None:
    entries = [
        Agreement(id=1, term="price", value=510_000),
        Agreement(id=2, term="payment_days", value=30),
        Agreement(id=3, term="payment_days", value=45, corrects=2),
    ]

    terms = agreed_terms({"price": 480_000}, entries)

    assert terms == {"contract_amount": 480_000, "payment_days": 45}


@given(
    target=st.floats(min_value=0, max_value=1e9, allow_nan=False),
    result=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text()
    ),
    op=st.sampled_from([">=", ">", "<=", "<", "=="]),
)
def test_any_agreed_value_gives_a_rate_that_is_a_finite_number_or_none(
    target: float, result: object, op: str
) -> None:
    goal = {"id": "g", "tier": "must", "metric": "contract_amount", "op": op}
    deal = a_deal({**goal, "target": target})

    [judged] = goal_results(deal, {"contract_amount": result}, {})

    assert judged.rate is None or (math.isfinite(judged.rate) and judged.rate >= 0)
    assert (judged.rate is None) == (judged.met is None)
    score = achievement([judged])
    assert score is None or 0 <= score <= 1
