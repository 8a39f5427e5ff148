"""Negotiations with known outcomes, written into a real store for review tests.

``plan(count)`` says what every negotiation is (customer type, deal kind,
which advice it got and used, how it ended) by simple arithmetic on its
index, so a test can state the review's numbers exactly; ``fill(store,
plans)`` writes them as sessions, entries, advice, marks and outcomes. The
benchmark uses the same generator for its 10,000 negotiations.

Within each customer type (index ``i``, ``j = i // 3``):

- price_sensitive: value_for_money used when ``j % 4 != 0``; won when used
  and ``j % 4 in (1, 2)``, or not used and ``j % 8 == 0``;
- quality_first: technical_assurance used as above; won when used and
  ``j % 4 == 1``, or not used and ``j % 8 == 0``;
- relationship: long_term_partnership used when ``j`` is even; won when
  ``j % 4 in (0, 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from advisor.store import AdviceRecord, EntryRecord, SessionRecord, Store

TYPES = ("price_sensitive", "quality_first", "relationship")
KINDS = ("new_customer", "renewal")
STRATEGY = {
    "price_sensitive": ("strategy.price_sensitive", "value_for_money"),
    "quality_first": ("strategy.quality_first", "technical_assurance"),
    "relationship": ("strategy.relationship", "long_term_partnership"),
}
OBJECTION = {
    "price_sensitive": ("price", "rebut.live_price", "price_value", "Tiered quote"),
    "quality_first": (
        "competitor",
        "rebut.live_competitor",
        "competitor_service",
        "4-hour response against their 24 hours",
    ),
    "relationship": ("trust", "rebut.live_trust", "trust_references", "Site visit"),
}
START = datetime(2026, 1, 1, 9, tzinfo=timezone.utc)
PLAYBOOK = ("default", "1.0.0", "d" * 64)
NEW_PLAYBOOK = ("default", "1.1.0", "e" * 64)
CUSTOMERS = 60


@dataclass
class Plan:
    """What one generated negotiation is; the truth the review must find."""

    index: int
    customer: str
    customer_type: str
    deal_kind: str
    created_at: str
    playbook: tuple[str, str, str]
    outcome: str | None
    strategy_used: bool
    rebuttal_used: bool
    rebuttal_worked: bool
    agreed: dict[str, Any] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    delivery_objection: bool = False


def plan(count: int = 240, pending: int = 20, still_open: int = 5) -> list[Plan]:
    """``count`` decided negotiations, then ``pending`` pending, then open ones."""
    plans = [_decided(i) for i in range(count)]
    for i in range(count, count + pending + still_open):
        one = _decided(i)
        one.outcome = "pending" if i < count + pending else None
        one.agreed = {}
        plans.append(one)
    return plans


def _decided(i: int) -> Plan:
    customer_type, j = TYPES[i % 3], i // 3
    if customer_type == "relationship":
        used = j % 2 == 0
        won = j % 4 in (0, 1)
    else:
        used = j % 4 != 0
        wins_when_used = (1, 2) if customer_type == "price_sensitive" else (1,)
        won = j % 4 in wins_when_used if used else j % 8 == 0
    rebuttal_used, rebuttal_worked = _rebuttal(customer_type, j)
    return Plan(
        index=i,
        customer=f"Customer {i % CUSTOMERS}",
        customer_type=customer_type,
        deal_kind=KINDS[j % 2],
        created_at=(START + timedelta(hours=6 * i)).isoformat(timespec="milliseconds"),
        playbook=NEW_PLAYBOOK if i % 4 == 3 else PLAYBOOK,
        outcome="won" if won else "lost",
        strategy_used=used,
        rebuttal_used=rebuttal_used,
        rebuttal_worked=rebuttal_worked,
        agreed=_agreed(won, j),
        keywords=_keywords(i),
        delivery_objection=i < 18 and customer_type == "relationship",
    )


def _rebuttal(customer_type: str, j: int) -> tuple[bool, bool]:
    if customer_type == "quality_first":
        return j % 2 == 0, j % 10 == 0
    return True, j % 4 != 3


def _agreed(won: bool, j: int) -> dict[str, Any]:
    if not won:
        return {}
    return {"contract_amount": 500_000 if j % 2 == 0 else 480_000, "payment_days": 45}


def _keywords(i: int) -> list[str]:
    later = i >= CUSTOMERS * 2
    return ["cost", "data security"] if later and i % 5 == 0 else ["cost"]


def deal_data(one: Plan) -> dict[str, Any]:
    """The deal a generated negotiation was opened with."""
    return {
        "deal": {
            "title": f"Deal {one.index}",
            "kind": one.deal_kind,
            "list_price": 600_000,
        },
        "customer": {"name": one.customer, "type": one.customer_type},
        "goals": [
            {
                "id": "amount",
                "tier": "must",
                "metric": "contract_amount",
                "op": ">=",
                "target": 500_000,
            },
            {
                "id": "payment",
                "tier": "try",
                "metric": "payment_days",
                "op": "<=",
                "target": 60,
            },
            {"id": "support", "tier": "must", "text": "Keep premium support"},
        ],
        "bottom_lines": {"contract_amount": {"min": 450_000}},
    }


def entries_of(one: Plan) -> list[tuple[str, dict[str, Any]]]:
    """The entries of a generated negotiation, as (kind, payload) pairs."""
    objection_type, _, _, reply = OBJECTION[one.customer_type]
    effect = "worked" if one.rebuttal_worked else "failed"
    entries: list[tuple[str, dict[str, Any]]] = [
        ("keyword", {"words": one.keywords}),
        ("offer", {"by": "us", "term": "contract_amount", "value": 560_000}),
        ("concession", {"term": "contract_amount", "from": 560_000, "to": 520_000}),
        ("objection", {"type": objection_type, "reply": reply, "effect": effect}),
    ]
    if one.index >= CUSTOMERS and one.index % 6 == 1:
        entries.append(("demand", {"topic": "service", "text": "More free training"}))
    if one.delivery_objection:
        entries.append(
            ("objection", {"type": "delivery", "reply": "45 days", "effect": "failed"})
        )
    return entries


def advice_of(one: Plan, session_id: str, after_seq: int) -> list[AdviceRecord]:
    """The advice a generated negotiation got: its strategy, agenda, rebuttals."""
    rule, strategy = STRATEGY[one.customer_type]
    _, rebut_rule, rebuttal, _ = OBJECTION[one.customer_type]
    items = [
        ("recommendation", strategy, rule),
        ("recommendation", "restate_agenda", "prepare.restate_agenda"),
        ("rebuttal", rebuttal, rebut_rule),
    ]
    if one.delivery_objection:
        items.append(("rebuttal", "delivery_priority", "rebut.live_delivery"))
    return [
        AdviceRecord(
            session_id,
            after_seq,
            *one.playbook,
            rule=rule_id,
            item_type=item_type,
            item_key=key,
            payload={"title": key},
        )
        for item_type, key, rule_id in items
    ]


def fill(store: Store, plans: list[Plan]) -> list[str]:
    """Write every planned negotiation into ``store``; returns the session ids."""
    return [_write(store, one) for one in plans]


def _write(store: Store, one: Plan) -> str:
    session_id = f"S{one.index + 1}"
    session = SessionRecord(
        id=session_id,
        created_at=one.created_at,
        title=f"Deal {one.index}",
        customer=one.customer,
        customer_type=one.customer_type,
        deal_kind=one.deal_kind,
        deal=deal_data(one),
        playbook_name=one.playbook[0],
        playbook_version=one.playbook[1],
        playbook_digest=one.playbook[2],
    )
    entries = [
        EntryRecord(session_id, seq, kind, one.created_at, {**payload, "id": seq})
        for seq, (kind, payload) in enumerate(entries_of(one), start=1)
    ]
    store.import_session(session, entries, advice_of(one, session_id, len(entries)))
    _mark(store, one, session_id)
    return session_id


def _mark(store: Store, one: Plan, session_id: str) -> None:
    if one.outcome is None:
        return
    _, strategy = STRATEGY[one.customer_type]
    _, _, rebuttal, _ = OBJECTION[one.customer_type]
    store.record_mark(
        session_id,
        "recommendation",
        strategy,
        used=one.strategy_used,
        at=one.created_at,
    )
    store.record_mark(
        session_id, "recommendation", "restate_agenda", used=True, at=one.created_at
    )
    store.record_mark(
        session_id,
        "rebuttal",
        rebuttal,
        used=one.rebuttal_used,
        effective=one.rebuttal_worked if one.rebuttal_used else None,
        at=one.created_at,
    )
    if one.delivery_objection:
        store.record_mark(
            session_id, "rebuttal", "delivery_priority", used=True, effective=False
        )
    store.record_outcome(session_id, one.outcome, one.agreed, at=one.created_at)
    if one.outcome in ("won", "lost"):
        store.record_goal_result(session_id, "support", one.outcome == "won")


#: The handbook's example meeting, entry by entry, as a salesperson records it.
HANDBOOK_MEETING: list[dict[str, Any]] = [
    {"kind": "agenda", "items": ["价格", "交付周期", "售后支持"]},
    {"kind": "keyword", "words": ["成本", "效率", "风险"]},
    {"kind": "offer", "by": "us", "term": "contract_amount", "value": 550_000},
    {"kind": "demand", "topic": "price", "text": "希望价格再降5%"},
    {
        "kind": "concession",
        "term": "contract_amount",
        "from": 550_000,
        "to": 520_000,
        "for": "付款周期缩短至30天",
    },
    {"kind": "attitude", "topic": "price", "from": "hesitant", "to": "softening"},
    {"kind": "demand", "topic": "service", "text": "要求增加免费培训次数"},
    {"kind": "response", "topic": "service", "text": "可提供3次免费培训"},
    {
        "kind": "objection",
        "type": "delivery",
        "text": "交付周期太长，担心影响项目进度",
        "reply": "协调优先排产，保证45天内交付",
        "effect": "worked",
    },
    {"kind": "agreement", "term": "contract_amount", "value": 500_000},
    {"kind": "agreement", "term": "payment_days", "value": 45},
    {"kind": "agreement", "term": "free_training_sessions", "value": 3},
    {
        "kind": "open_issue",
        "text": "合同细节需法务审核",
        "owner": "法务",
        "due": "2个工作日内",
    },
    {
        "kind": "next_action",
        "text": "发送报价单",
        "owner": "张伟",
        "due": "明天上午10点前",
    },
    {
        "kind": "next_action",
        "text": "视频沟通合同条款",
        "owner": "张伟",
        "due": "后天下午3点",
    },
]


DEAL_FILE = Path(__file__).resolve().parent.parent / "examples" / "deal-zh.yaml"


def handbook_session(store: Store, deal_file: Any = DEAL_FILE) -> str:
    """Record the handbook's example meeting through the live-session door."""
    from advisor.inputs import load_deal
    from advisor.session import LiveSessions

    sessions = LiveSessions(store)
    opened = sessions.open_session(load_deal(deal_file))
    for entry in HANDBOOK_MEETING:
        sessions.add_entry(opened.session, entry, author="张伟")
    return opened.session
