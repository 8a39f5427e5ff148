"""The shipped playbook on the shipped examples gives the handbook's advice."""

from __future__ import annotations

import pytest

from advisor import Advice, Advisor, Deal, deal_from_data


@pytest.fixture(scope="module")
def zh_brief(default_advisor: Advisor, deal_zh: Deal) -> Advice:
    return default_advisor.consult(deal_zh)


@pytest.fixture(scope="module")
def en_brief(default_advisor: Advisor, deal_en: Deal) -> Advice:
    return default_advisor.consult(deal_en)


def test_a_price_sensitive_customer_gets_tiered_pricing_first(zh_brief: Advice) -> None:
    first = zh_brief.recommendations[0]

    assert (first.strategy, first.rule) == (
        "value_for_money",
        "strategy.price_sensitive",
    )
    assert first.title == "强调性价比：阶梯报价与批量折扣"


def test_price_pressure_chains_to_equivalent_packages(zh_brief: Advice) -> None:
    packages = next(
        item
        for item in zh_brief.recommendations
        if item.strategy == "equivalent_packages"
    )

    assert [fact.kind for fact in zh_brief.derived] == [
        "price_pressure",
        "packages_needed",
    ]
    assert packages.facts[0].kind == "packages_needed"
    assert "Leonardelli" in packages.evidence


def test_the_chinese_brief_flags_the_competitor_and_lukewarm_satisfaction(
    zh_brief: Advice,
) -> None:
    assert [(flag.severity, flag.rule) for flag in zh_brief.flags] == [
        ("warning", "check.low_satisfaction"),
        ("info", "check.competitor_in_contact"),
    ]
    assert zh_brief.flags[1].message == "客户正在接触竞品：竞品A。准备好差异化对比。"


def test_expected_objections_get_replies_citing_the_deals_selling_points(
    zh_brief: Advice,
) -> None:
    replies = {item.objection: item for item in zh_brief.rebuttals}

    assert list(replies) == ["price", "delivery"]
    assert replies["price"].selling_points == [
        "运维成本降低30%，同行业头部企业已在使用"
    ]
    assert "45天内交付" in replies["delivery"].reply
    assert replies["delivery"].selling_points == ["优先排产，45天内交付"]


def test_the_brief_lists_goals_by_tier_with_their_bottom_lines(
    zh_brief: Advice,
) -> None:
    goals = [(goal.id, goal.tier) for goal in zh_brief.goals]
    amount = zh_brief.goals[0]

    assert goals == [
        ("amount", "must"),
        ("payment", "must"),
        ("training", "try"),
        ("bundle", "give_up"),
    ]
    assert amount.bottom_line is not None
    assert (amount.target, amount.bottom_line.limit) == (500000, 450000)


def test_a_quality_first_customer_gets_technical_assurance_first(
    en_brief: Advice,
) -> None:
    assert en_brief.recommendations[0].strategy == "technical_assurance"


def test_offers_on_the_table_are_checked_against_the_bottom_line(
    en_brief: Advice,
) -> None:
    flags = {flag.rule: flag for flag in en_brief.flags}

    assert flags["guard.position_warning"].message == (
        "contract_amount is near the bottom line: 5,000 left (12% of the range)."
    )
    assert flags["guard.customer_asks_past_bottom_line"].severity == "warning"
    assert flags["guard.concession_for_nothing"].severity == "warning"


def test_the_english_brief_flags_the_gaps_in_customer_research(
    en_brief: Advice,
) -> None:
    rules = {flag.rule for flag in en_brief.flags}

    assert {
        "check.no_decision_maker",
        "check.low_satisfaction",
        "guard.must_goal_without_number",
    } <= rules


def test_replies_follow_the_order_of_the_expected_objections(en_brief: Advice) -> None:
    assert [item.objection for item in en_brief.rebuttals] == [
        "trust",
        "function",
        "competitor",
    ]


def test_an_offer_past_the_bottom_line_is_blocking(default_advisor: Advisor) -> None:
    deal = deal_from_data(
        {
            "deal": {"title": "Floor test", "list_price": 600000},
            "customer": {"name": "Acme", "type": "price_sensitive"},
            "bottom_lines": {"contract_amount": {"min": 450000}},
            "entries": [{"kind": "offer", "term": "contract_amount", "value": 440000}],
        }
    )

    flag = default_advisor.consult(deal).flags[0]

    assert (flag.severity, flag.rule) == ("blocking", "guard.position_past_bottom_line")
    assert flag.message == (
        "Our contract_amount position 440,000 is past the bottom line 450,000: "
        "withdraw it or trade it for something of equal value."
    )


def test_a_goal_past_its_bottom_line_is_critical(default_advisor: Advisor) -> None:
    deal = deal_from_data(
        {
            "deal": {"title": "Goal test"},
            "customer": {"name": "Acme", "type": "relationship"},
            "goals": [
                {
                    "id": "amount",
                    "tier": "must",
                    "metric": "contract_amount",
                    "op": ">=",
                    "target": 400000,
                }
            ],
            "bottom_lines": {"contract_amount": {"min": 450000}},
        }
    )

    flags = {flag.rule: flag for flag in default_advisor.consult(deal).flags}

    assert flags["guard.goal_beyond_bottom_line"].severity == "critical"


def test_a_chinese_deal_can_be_briefed_in_english(
    default_advisor: Advisor, deal_zh: Deal
) -> None:
    brief = default_advisor.consult(deal_zh, lang="en")

    assert brief.lang == "en"
    assert brief.recommendations[0].title == (
        "Stress value for money: tiered quotes and volume discounts"
    )
