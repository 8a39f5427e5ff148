"""Derived metrics: computed once in Python, named plainly, checked here."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import Advisor, BottomLine, deal_from_data
from advisor.facts import CATALOGUE, deal_facts, headroom


def a_deal(entries: list[dict[str, Any]], **extra: Any) -> Any:
    return deal_from_data(
        {
            "deal": {"title": "Metrics", "list_price": 600000},
            "customer": {"name": "Acme", "type": "price_sensitive"},
            "bottom_lines": {
                "contract_amount": {"min": 450000},
                "payment_days": {"max": 90, "opening": 30},
            },
            "entries": entries,
            **extra,
        }
    )


def facts_of(deal: Any, kind: str) -> list[dict[str, Any]]:
    return [fact for fact in deal_facts(deal) if fact["kind"] == kind]


@pytest.mark.parametrize(
    ("value", "line", "opening", "expected"),
    [
        (600000, {"min": 450000}, 600000, (150000, 1.0)),
        (480000, {"min": 450000}, 600000, (30000, 0.2)),
        (440000, {"min": 450000}, 600000, (-10000, -10000 / 150000)),
        (45, {"max": 90}, 30, (45, 0.75)),
        (90, {"max": 90}, 30, (0, 0.0)),
        (500, {"min": 450}, None, (50, None)),
    ],
    ids=[
        "at-opening",
        "a-fifth-left",
        "past-floor",
        "ceiling",
        "at-ceiling",
        "no-opening",
    ],
)
def test_headroom_is_the_distance_to_the_bottom_line_and_its_share(
    value: float, line: dict[str, float], opening: float | None, expected: Any
) -> None:
    assert headroom(value, BottomLine(**line), opening) == expected


def test_our_latest_position_per_term_is_checked_against_its_bottom_line() -> None:
    deal = a_deal(
        [
            {"kind": "offer", "term": "contract_amount", "value": 580000},
            {
                "kind": "concession",
                "term": "contract_amount",
                "from": 580000,
                "to": 540000,
            },
            {
                "kind": "offer",
                "by": "customer",
                "term": "contract_amount",
                "value": 430000,
            },
        ]
    )

    positions = {fact["id"]: fact for fact in facts_of(deal, "position")}

    assert positions["contract_amount:us"]["value"] == 540000
    assert positions["contract_amount:us"]["share"] == pytest.approx(0.6)
    assert positions["contract_amount:customer"]["past_bottom_line"] is True


def test_a_concession_knows_its_size_and_whether_it_grew() -> None:
    deal = a_deal(
        [
            {
                "kind": "concession",
                "term": "contract_amount",
                "from": 600000,
                "to": 580000,
            },
            {
                "kind": "concession",
                "term": "contract_amount",
                "from": 580000,
                "to": 540000,
                "for": "30-day payment",
            },
        ]
    )

    first, second = facts_of(deal, "concession")

    assert (first["size"], first["gave_nothing"], first["grew"]) == (20000, True, False)
    assert (second["size"], second["previous_size"], second["grew"]) == (
        40000,
        20000,
        True,
    )
    assert second["sequence"] == 2
    assert second["share_of_range"] == pytest.approx(40000 / 150000)


def test_repeated_objections_are_counted_per_type() -> None:
    deal = a_deal(
        [
            {"kind": "objection", "type": "trust"},
            {"kind": "objection", "type": "price"},
            {"kind": "objection", "type": "trust"},
        ]
    )

    repeats = [(fact["type"], fact["repeat"]) for fact in facts_of(deal, "objection")]
    stats = {fact["type"]: fact["count"] for fact in facts_of(deal, "objection_stats")}

    assert repeats == [("trust", 1), ("price", 1), ("trust", 2)]
    assert stats == {"price": 1, "trust": 2}


def test_a_corrected_entry_no_longer_counts() -> None:
    deal = a_deal(
        [
            {"kind": "offer", "id": 1, "term": "contract_amount", "value": 440000},
            {
                "kind": "offer",
                "id": 2,
                "term": "contract_amount",
                "value": 540000,
                "corrects": 1,
            },
        ]
    )

    (position,) = facts_of(deal, "position")

    assert (position["value"], position["entry"]) == (540000, 2)


def test_a_goal_past_its_bottom_line_is_marked() -> None:
    deal = a_deal(
        [],
        goals=[
            {
                "id": "low",
                "tier": "must",
                "metric": "contract_amount",
                "op": ">=",
                "target": 400000,
            },
            {
                "id": "fine",
                "tier": "must",
                "metric": "payment_days",
                "op": "<=",
                "target": 60,
            },
        ],
    )

    goals = {fact["id"]: fact for fact in facts_of(deal, "goal")}

    assert goals["low"]["beyond_bottom_line"] is True
    assert goals["fine"]["beyond_bottom_line"] is False


def test_every_fact_field_is_in_the_catalogue() -> None:
    deal = a_deal(
        [
            {"kind": kind, **fields}
            for kind, fields in [
                ("offer", {"term": "contract_amount", "value": 1}),
                ("concession", {"term": "payment_days", "from": 30, "to": 45}),
                ("objection", {"type": "price", "text": "x", "effect": "worked"}),
                ("attitude", {"to": "firm", "topic": "price"}),
                ("agreement", {"term": "contract_amount", "value": 500000}),
                ("open_issue", {"text": "legal review", "owner": "Li", "due": "2d"}),
                ("next_action", {"text": "send quote", "due": "10:00"}),
                ("keyword", {"words": ["cost"]}),
                ("agenda", {"items": ["price"]}),
                ("demand", {"topic": "price", "text": "5% off"}),
                ("response", {"topic": "price", "text": "for 30 days"}),
                ("note", {"text": "n"}),
            ]
        ]
    )

    for fact in deal_facts(deal):
        unknown = set(fact) - {"kind", "id"} - set(CATALOGUE[fact["kind"]])
        assert not unknown, f"{fact['kind']} has undocumented fields {unknown}"


entry = st.one_of(
    st.builds(
        dict,
        kind=st.just("offer"),
        by=st.sampled_from(["us", "customer"]),
        term=st.sampled_from(["contract_amount", "payment_days", "delivery_days"]),
        value=st.integers(min_value=-10, max_value=10**7),
    ),
    st.builds(
        dict,
        kind=st.just("concession"),
        term=st.sampled_from(["contract_amount", "payment_days"]),
        **{"from": st.integers(0, 10**6), "to": st.integers(0, 10**6)},
    ),
    st.builds(
        dict,
        kind=st.just("objection"),
        type=st.sampled_from(["price", "function", "trust", "delivery", "competitor"]),
        text=st.text(max_size=30),
    ),
    st.builds(
        dict,
        kind=st.just("attitude"),
        to=st.sampled_from(["positive", "softening", "firm", "negative"]),
        topic=st.sampled_from(["price", "service", "terms"]),
    ),
    st.builds(dict, kind=st.just("note"), text=st.text(max_size=40)),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    entries=st.lists(entry, max_size=25),
    list_price=st.one_of(st.none(), st.integers(1, 10**7)),
    floor=st.integers(0, 10**7),
    customer_type=st.sampled_from(["price_sensitive", "quality_first", "relationship"]),
    satisfaction=st.one_of(st.none(), st.integers(1, 5)),
    name=st.text(min_size=1, max_size=20),
)
def test_random_deals_and_sessions_never_crash_the_advisor(
    default_advisor: Advisor,
    entries: list[dict[str, Any]],
    list_price: int | None,
    floor: int,
    customer_type: str,
    satisfaction: int | None,
    name: str,
) -> None:
    deal = deal_from_data(
        {
            "deal": {"title": name, "list_price": list_price},
            "customer": {
                "name": name,
                "type": customer_type,
                "past_satisfaction": satisfaction,
            },
            "bottom_lines": {"contract_amount": {"min": floor}},
            "entries": entries,
        }
    )

    advice = default_advisor.consult(deal)

    assert advice.recommendations, "every customer type has a strategy"
    assert all(flag.message for flag in advice.flags)
