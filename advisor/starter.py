"""A starting playbook and test case for a team writing its first playbook.

The starter is meant to be read: every section carries a comment saying
what it is for. It validates, lints clean and passes its own case, so a new
author changes it one step at a time and checks each step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

_TEXTS = {
    "description": {
        "en": "Our team's negotiation playbook.",
        "zh": "我们团队的谈判策略手册。",
    },
    "tiers_title": {"en": "Offer tiered pricing", "zh": "提供分档报价"},
    "tiers_how": {
        "en": "Quote two or three tiers so the customer chooses between them "
        "instead of pushing one price down.",
        "zh": "给出两到三档报价，让客户在档位之间选择，而不是压低单一价格。",
    },
    "price_reply": {
        "en": "Confirm the concern, then show the payback from the yearly savings.",
        "zh": "先确认顾虑，再用每年节省的成本说明投资回收期。",
    },
    "tiers_because": {
        "en": "A big deal with a price-sensitive customer is won on choice, "
        "not on one discount.",
        "zh": "价格敏感型客户的大单靠选择取胜，而不是靠一次折扣。",
    },
    "price_because": {
        "en": "Answer a price objection with value, not a discount.",
        "zh": "用价值回应价格异议，而不是直接降价。",
    },
    "bottom_line_says": {
        "en": "Whenever our position is past a bottom line, a critical flag is up.",
        "zh": "我方条件越过底线时，必须有严重级别的提醒。",
    },
}

_PLAYBOOK = """\
# The {name} playbook. After each change, run:
#   advisor playbook lint {name}.yaml
#   advisor playbook test {name}.yaml
# Editors complete and check this file with the schema from
#   advisor playbook schema -o playbook.schema.json

# Who the playbook is for, and the languages every text is written in.
playbook:
  name: {name}
  version: "0.1.0"
  languages: [{languages}]
  description: {description}

# Rule modules from rules/: the guards check bottom lines, concession pacing
# and goals, and hold for any sales team.
include:
  - guards

# Numbers the rules refer to as $settings.NAME; tune them here.
settings:
  big_deal: 100000          # a list price at or above this is a big deal

# What a salesperson can be told to do. Every strategy needs a rule that
# recommends it.
strategies:
  tiered_pricing:
    title: {tiers_title}
    how: {tiers_how}

# Replies to an objection type: price, function, trust, delivery, competitor.
rebuttals:
  price_value:
    objection: price
    reply: {price_reply}

# Rules: when every pattern matches the deal's facts, the advice is given.
# priority runs from 0 to 100; higher comes first.
rules:
  - id: strategy.big_price_sensitive_deal
    priority: 80
    because: {tiers_because}
    when:
      - customer: {{type: price_sensitive}}
      - deal: {{list_price: {{">=": $settings.big_deal}}}}
    then:
      - recommend: tiered_pricing

  - id: rebut.expected_price
    priority: 70
    because: {price_because}
    when:
      - expected_objection: {{type: price}}
    then:
      - rebut: price_value

# Promises no session may break; advisor playbook check tests them.
invariants:
  - id: critical-flag-past-bottom-line
    check: flag_past_bottom_line
    severity: critical
    says: {bottom_line_says}
"""

_CASE = """\
# A test case for the {name} playbook: a deal, optional entries recorded in
# the meeting, and the advice expected. Run with: advisor playbook test {name}.yaml
case: A big deal with a price-sensitive customer gets tiered pricing
deal:
  deal: {{title: Fleet telematics, list_price: 150000}}
  customer: {{name: Acme Freight, type: price_sensitive}}
  goals:
    - {{id: amount, metric: contract_amount, op: ">=", target: 130000, tier: must}}
  bottom_lines:
    contract_amount: {{min: 120000}}
  expected_objections:
    - {{type: price, text: "Your competitor is cheaper"}}
entries:
  - {{kind: offer, by: us, term: contract_amount, value: 150000}}
expect:
  fires: [strategy.big_price_sensitive_deal, rebut.expected_price]
  not_fires: [guard.position_past_bottom_line]
  first_strategy: tiered_pricing
  rebuttals: [price_value]
"""


def starter_playbook(name: str, languages: Sequence[str]) -> str:
    """The text of a commented starting playbook with texts in ``languages``."""
    texts = {
        key: "{"
        + ", ".join(
            f"{lang}: {json.dumps(text[lang], ensure_ascii=False)}"
            for lang in languages
        )
        + "}"
        for key, text in _TEXTS.items()
    }
    return _PLAYBOOK.format(name=name, languages=", ".join(languages), **texts)


def starter_case(name: str) -> str:
    """The text of a test case the starting playbook passes."""
    return _CASE.format(name=name)
