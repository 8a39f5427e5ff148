"""The compiler on every operator and action, run through the real engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from advisor import Advisor, deal_from_data

Writer = Callable[..., Path]

HEADER = """
playbook: {name: test, languages: [en]}
settings: {limit: 3}
strategies:
  s1: {title: First}
  s2: {title: Second}
rebuttals:
  r1: {objection: price, reply: "Show the payback.", selling_point_keywords: [cost]}
"""


def a_deal(**changes: Any) -> Any:
    data: dict[str, Any] = {
        "deal": {"title": "Renewal", "list_price": 100},
        "customer": {
            "name": "Acme",
            "type": "price_sensitive",
            "pain_points": ["cost", "speed"],
            "past_satisfaction": 3,
        },
        "bottom_lines": {"contract_amount": {"min": 80}},
        "selling_points": ["Cuts cost by 30%", "Fast support"],
    }
    data.update(changes)
    return deal_from_data(data)


def fired(write_playbook: Writer, rules: str, deal: Any = None) -> list[str]:
    path = write_playbook(HEADER + "rules:\n" + rules)
    return Advisor.load(path).consult(deal or a_deal()).fired


def one_rule(condition: str) -> str:
    return f"""
  - id: probe
    because: test
    when:
      - customer: {condition}
    then:
      - recommend: s1
"""


@pytest.mark.parametrize(
    ("condition", "fires"),
    [
        ("{type: price_sensitive}", True),
        ("{type: quality_first}", False),
        ("{type: {'!=': quality_first}}", True),
        ("{past_satisfaction: {'<': 4}}", True),
        ("{past_satisfaction: {'<': 3}}", False),
        ("{past_satisfaction: {'<=': 3}}", True),
        ("{past_satisfaction: {'>': 3}}", False),
        ("{past_satisfaction: {'>=': 3}}", True),
        ("{past_satisfaction: {'>=': $settings.limit}}", True),
        ("{type: [relationship, price_sensitive]}", True),
        ("{type: {in: [relationship, quality_first]}}", False),
        ("{type: {not_in: [relationship, quality_first]}}", True),
        ("{pain_points: {contains: cost}}", True),
        ("{pain_points: {contains: risk}}", False),
        ("{name: {contains: cm}}", True),
        ("{name: {contains: 'A.'}}", False),
        ("{industry: {exists: false}}", True),
        ("{industry: {exists: true}}", False),
        ("{all: [{type: price_sensitive}, {past_satisfaction: 3}]}", True),
        ("{any: [{type: quality_first}, {past_satisfaction: 3}]}", True),
        ("{any: [{type: quality_first}, {past_satisfaction: 4}]}", False),
        ("{not: {type: quality_first}}", True),
        ("{not: {all: [{type: price_sensitive}, {past_satisfaction: 3}]}}", False),
        ("{not: {pain_points: {contains: risk}}}", True),
    ],
    ids=lambda value: str(value),
)
def test_each_operator_decides_whether_a_rule_fires(
    write_playbook: Writer, condition: str, fires: bool
) -> None:
    assert ("probe" in fired(write_playbook, one_rule(condition))) is fires


def test_a_join_matches_facts_that_share_a_field_value(write_playbook: Writer) -> None:
    rules = """
  - id: same_term
    because: test
    when:
      - fact: position
        as: p
        where: {by: us}
      - bottom_line: {term: $p.term, limit: {"<": $p.value}}
    then:
      - recommend: s1
"""
    deal = a_deal(entries=[{"kind": "offer", "term": "contract_amount", "value": 90}])

    assert fired(write_playbook, rules, deal) == ["same_term"]


def test_a_join_does_not_match_when_the_shared_value_differs(
    write_playbook: Writer,
) -> None:
    rules = """
  - id: same_term
    because: test
    when:
      - fact: position
        as: p
      - bottom_line: {term: $p.term}
      - offer: {term: payment_days}
    then:
      - recommend: s1
"""
    deal = a_deal(entries=[{"kind": "offer", "term": "contract_amount", "value": 90}])

    assert fired(write_playbook, rules, deal) == []


def test_at_least_waits_for_that_many_matching_facts(write_playbook: Writer) -> None:
    rules = """
  - id: twice
    because: test
    when:
      - fact: objection
        where: {type: price}
        at_least: 2
    then:
      - flag: {severity: warning, message: "price again: {objection.text}"}
"""
    once = a_deal(entries=[{"kind": "objection", "type": "price", "text": "too much"}])
    twice = a_deal(entries=[{"kind": "objection", "type": "price", "text": "a"}] * 2)

    assert fired(write_playbook, rules, once) == []
    assert fired(write_playbook, rules, twice) == ["twice"]


def test_forward_chaining_runs_four_steps_deep(write_playbook: Writer) -> None:
    rules = """
  - id: step1
    because: test
    when:
      - customer: {type: price_sensitive}
    then:
      - assert: {fact: pressure, fields: {level: 1, who: $customer.name}}
  - id: step2
    because: test
    when:
      - pressure: {level: 1}
    then:
      - assert: {fact: pressure2, fields: {level: 2, who: $pressure.who}}
  - id: step3
    because: test
    when:
      - pressure2: {level: 2}
    then:
      - assert: {fact: pressure3, fields: {level: 3, who: $pressure2.who}}
  - id: step4
    because: test
    when:
      - pressure3: {who: Acme}
    then:
      - recommend: s2
      - flag: {severity: info, message: "{pressure3.who} at level {pressure3.level}"}
"""
    path = write_playbook(HEADER + "rules:\n" + rules)

    advice = Advisor.load(path).consult(a_deal())

    assert advice.fired == ["step1", "step2", "step3", "step4"]
    assert [fact.kind for fact in advice.derived] == [
        "pressure",
        "pressure2",
        "pressure3",
    ]
    assert advice.flags[0].message == "Acme at level 3"
    assert advice.recommendations[0].strategy == "s2"


def test_a_cycle_of_rules_stops_when_nothing_new_is_derived(
    write_playbook: Writer,
) -> None:
    rules = """
  - id: ping
    because: test
    when:
      - customer: {}
    then:
      - assert: {fact: ping, fields: {n: 1}}
  - id: pong
    because: test
    when:
      - ping: {}
    then:
      - assert: {fact: pong, fields: {n: 1}}
  - id: ping_again
    because: test
    when:
      - pong: {}
    then:
      - assert: {fact: ping, fields: {n: 1}}
"""
    assert fired(write_playbook, rules) == ["ping", "pong", "ping_again"]


def test_higher_priority_fires_first(write_playbook: Writer) -> None:
    rules = """
  - id: low
    priority: 10
    because: test
    when: [{customer: {}}]
    then: [{recommend: s1}]
  - id: high
    priority: 90
    because: test
    when: [{customer: {}}]
    then: [{recommend: s2}]
"""
    path = write_playbook(HEADER + "rules:\n" + rules)

    advice = Advisor.load(path).consult(a_deal())

    assert advice.fired == ["high", "low"]
    assert [item.strategy for item in advice.recommendations] == ["s2", "s1"]


def test_a_flag_message_shows_fields_with_formats(write_playbook: Writer) -> None:
    rules = """
  - id: near
    because: test
    when:
      - position: {by: us}
    then:
      - flag:
          severity: critical
          message: "{position.value} leaves {position.share:.0%} ({deal.title})"
"""
    deal = a_deal(entries=[{"kind": "offer", "term": "contract_amount", "value": 85}])
    path = write_playbook(HEADER + "rules:\n" + rules)

    flag = Advisor.load(path).consult(deal).flags[0]

    assert (flag.severity, flag.message) == ("critical", "85 leaves 25% (Renewal)")


def test_a_rebuttal_cites_the_deals_matching_selling_points(
    write_playbook: Writer,
) -> None:
    rules = """
  - id: answer
    because: test
    when:
      - objection: {type: price}
    then:
      - rebut: r1
"""
    deal = a_deal(entries=[{"kind": "objection", "type": "price", "text": "Too dear"}])
    path = write_playbook(HEADER + "rules:\n" + rules)

    rebuttal = Advisor.load(path).consult(deal).rebuttals[0]

    assert rebuttal.reply == "Show the payback."
    assert rebuttal.objection_text == "Too dear"
    assert rebuttal.selling_points == ["Cuts cost by 30%"]
    assert rebuttal.entry == "e1"


def test_texts_fall_back_to_another_language(write_playbook: Writer) -> None:
    path = write_playbook(
        """
        playbook: {name: bilingual, languages: [zh, en]}
        strategies:
          s1: {title: {zh: 第一}}
        rules:
          - id: r
            because: {en: Only English}
            when: [{customer: {}}]
            then: [{recommend: s1}]
        """
    )

    item = Advisor.load(path).consult(a_deal(), lang="en").recommendations[0]

    assert (item.title, item.because) == ("第一", "Only English")


def test_a_disabled_rule_never_fires(write_playbook: Writer) -> None:
    rules = """
  - id: switched_off
    enabled: false
    because: test
    when: [{customer: {}}]
    then: [{recommend: s1}]
"""
    assert fired(write_playbook, rules) == []
