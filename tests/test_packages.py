"""Offer packages: equal value to us, never past a bottom line or a must-goal."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import Concession, Deal, deal_from_data
from advisor.consult import load_playbook
from advisor.packages import DEFAULT_SETTINGS, offer_packages


def handbook_deal(**bottom_lines: object) -> Deal:
    lines = {
        "contract_amount": {"min": 450000},
        "payment_days": {"max": 60, "opening": 30},
    }
    lines.update(bottom_lines)  # type: ignore[arg-type]
    return deal_from_data(
        {
            "deal": {"title": "Annual maintenance", "list_price": 600000},
            "customer": {"name": "Huadong", "type": "price_sensitive"},
            "goals": [
                {
                    "id": "amount",
                    "metric": "contract_amount",
                    "op": ">=",
                    "target": 500000,
                    "tier": "must",
                },
                {"id": "bundle", "text": "bundled add-on", "tier": "give_up"},
            ],
            "bottom_lines": lines,
        }
    )


def test_three_packages_trade_price_term_and_a_give_up_item() -> None:
    packages = offer_packages(handbook_deal())

    assert [(p.id, p.terms, p.gives_up) for p in packages] == [
        ("hold_price", {"contract_amount": 600000, "payment_days": 60}, []),
        ("price_for_term", {"contract_amount": 573000, "payment_days": 15}, []),
        (
            "give_up_item",
            {"contract_amount": 588000, "payment_days": 30},
            ["bundled add-on"],
        ),
    ]


def test_packages_are_of_equal_value_within_one_price_step() -> None:
    values = [package.value for package in offer_packages(handbook_deal())]

    assert max(values) - min(values) <= DEFAULT_SETTINGS["package_price_step"]


def test_packages_start_from_our_latest_position() -> None:
    moved = Concession(term="contract_amount", before=600000, after=540000, id=1)

    packages = offer_packages(handbook_deal(), [moved])

    assert packages[0].terms["contract_amount"] == 540000


def test_no_packages_when_the_must_goal_leaves_no_room() -> None:
    at_goal = Concession(term="contract_amount", before=600000, after=500000, id=1)

    assert offer_packages(handbook_deal(), [at_goal]) == []


def test_no_packages_without_a_price_bottom_line() -> None:
    deal = handbook_deal()
    deal = deal.model_copy(
        update={"bottom_lines": {"payment_days": deal.bottom_lines["payment_days"]}}
    )

    assert offer_packages(deal) == []


def test_the_playbook_weights_change_the_packages() -> None:
    settings_ = load_playbook().settings

    dear_days = offer_packages(
        handbook_deal(), settings={**settings_, "value_per_payment_day": 0.002}
    )

    assert dear_days[0].terms["payment_days"] == 45


def test_packages_speak_the_deals_language() -> None:
    titles = [package.title for package in offer_packages(handbook_deal(), lang="zh")]

    assert titles == [
        "守住价格，放宽付款期",
        "缩短付款期，换取更低价格",
        "放弃可放弃项：bundled add-on",
    ]


@settings(max_examples=200, deadline=None)
@given(
    price=st.integers(100_000, 2_000_000),
    floor_share=st.floats(0.5, 0.99),
    goal_share=st.floats(0.5, 1.0),
    opening_days=st.integers(0, 90),
    extra_days=st.integers(0, 120),
)
def test_no_package_passes_a_bottom_line_or_a_must_goal(
    price: int,
    floor_share: float,
    goal_share: float,
    opening_days: int,
    extra_days: int,
) -> None:
    floor = round(price * floor_share)
    goal = max(floor, round(price * goal_share))
    deal = deal_from_data(
        {
            "deal": {"title": "Any deal", "list_price": price},
            "customer": {"name": "Any", "type": "quality_first"},
            "goals": [
                {
                    "id": "amount",
                    "metric": "contract_amount",
                    "op": ">=",
                    "target": goal,
                    "tier": "must",
                }
            ],
            "bottom_lines": {
                "contract_amount": {"min": floor},
                "payment_days": {
                    "max": opening_days + extra_days,
                    "opening": opening_days,
                },
            },
        }
    )

    packages = offer_packages(deal)

    assert len(packages) in (0, 2, 3)
    for package in packages:
        assert package.terms["contract_amount"] >= goal
        assert package.terms["payment_days"] <= opening_days + extra_days


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_brief_lists_packages_when_the_deal_has_a_list_price(
    lang: str, default_advisor: object
) -> None:
    from advisor import Advisor
    from advisor.render import to_markdown, to_text

    assert isinstance(default_advisor, Advisor)
    advice = default_advisor.consult(handbook_deal(), lang=lang)

    heading = {"en": "Offer packages", "zh": "等值报价方案"}[lang]
    assert [package.id for package in advice.packages] == [
        "hold_price",
        "price_for_term",
        "give_up_item",
    ]
    assert heading in to_text(advice)
    assert f"## {heading}" in to_markdown(advice)
