"""Turns a deal and its entries into the flat facts that playbook rules match.

Anything that needs arithmetic across several values (headroom to a bottom
line, the size of a concession against the one before, how often an objection
came back) is computed here, once, and handed to the rules as a plain field.
``CATALOGUE`` documents every fact kind and field; the playbook compiler
checks rules against it, so a misspelt field is caught before any deal runs.
"""

from __future__ import annotations

import operator
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from .deal import BottomLine, Deal, Goal, Influence, SellingPoint
from .entries import (
    TERM_TOPICS,
    Agenda,
    Agreement,
    Attitude,
    Concession,
    Demand,
    Entry,
    Keyword,
    NextAction,
    Note,
    Objection,
    Offer,
    OpenIssue,
    Response,
    effective_entries,
)

Fact = dict[str, Any]

# Each kind lists its fields as name -> (type, meaning). Types: number, text,
# list (of text), bool. Every fact also has "kind" and "id".
CATALOGUE: dict[str, dict[str, tuple[str, str]]] = {
    "deal": {
        "title": ("text", "what the negotiation is about"),
        "deal_kind": ("text", "new_customer, renewal, price_talk, ..."),
        "currency": ("text", "currency of all amounts"),
        "list_price": ("number", "our opening quote"),
        "has_list_price": ("bool", "a list price is given"),
        "has_deadline": ("bool", "the deal has a closing deadline"),
        "goal_count": ("number", "number of goals"),
        "must_goal_count": ("number", "number of must-goals"),
        "selling_point_count": ("number", "number of selling points"),
    },
    "customer": {
        "name": ("text", "customer name"),
        "type": ("text", "price_sensitive, quality_first or relationship"),
        "industry": ("text", "the customer's industry"),
        "pain_points": ("list", "the customer's pain points"),
        "keywords": ("list", "words the customer stressed in the meeting"),
        "competitors": ("list", "competitors in contact"),
        "competitor_count": ("number", "how many competitors are in contact"),
        "past_satisfaction": ("number", "1 to 5; absent for a new customer"),
        "is_new": ("bool", "no past satisfaction is known"),
        "has_decision_maker": ("bool", "the decision chain names a decision maker"),
        "decision_chain_size": ("number", "people in the decision chain"),
    },
    "goal": {
        "tier": ("text", "must, try or give_up"),
        "metric": ("text", "the term the goal measures"),
        "op": ("text", "the comparison: >=, <=, ..."),
        "target": ("number", "the number the goal aims at"),
        "text": ("text", "the goal in words"),
        "measurable": ("bool", "the goal has metric, op and target"),
        "bottom_line": ("number", "the bottom line on the same term"),
        "beyond_bottom_line": ("bool", "the target lies past the bottom line"),
        "above_opening": ("bool", "the target is better than our opening"),
    },
    "bottom_line": {
        "term": ("text", "the term this bottom line limits"),
        "limit": ("number", "the floor or ceiling"),
        "direction": ("text", "min (a floor) or max (a ceiling)"),
        "opening": ("number", "our opening position on this term"),
    },
    "selling_point": {
        "text": ("text", "the selling point"),
        "addresses": ("list", "objection types or pain points it answers"),
        "keywords": ("list", "customer keywords the point speaks to"),
        "keyword_hits": ("number", "how many customer keywords it speaks to"),
    },
    "expected_objection": {
        "type": ("text", "price, function, trust, delivery or competitor"),
        "text": ("text", "the objection as we expect to hear it"),
        "has_reply": ("bool", "the deal file prepares a reply"),
    },
    "position": {
        "term": ("text", "the term"),
        "by": ("text", "us or customer"),
        "value": ("number", "the latest value on the table"),
        "limit": ("number", "our bottom line on this term"),
        "direction": ("text", "min or max"),
        "left": ("number", "distance to the bottom line; negative when past it"),
        "share": ("number", "left as a share of opening-to-bottom-line range"),
        "past_bottom_line": ("bool", "the value lies past the bottom line"),
        "entry": ("number", "the entry that set this value"),
        "misses_must_goal": ("bool", "the value misses a must-goal on the term"),
        "goal": ("text", "the id of the must-goal it misses"),
        "target": ("number", "the target of the must-goal it misses"),
    },
    "objection_stats": {
        "type": ("text", "the objection type"),
        "count": ("number", "how often it was raised in the meeting"),
        "expected": ("bool", "the deal file expected it"),
    },
    "session": {
        "entries": ("number", "entries recorded"),
        "offers": ("number", "offers recorded"),
        "concessions": ("number", "concessions recorded"),
        "objections": ("number", "objections recorded"),
        "agreements": ("number", "agreements recorded"),
        "open_issues": ("number", "open issues recorded"),
        "next_actions": ("number", "next actions recorded"),
        "unreturned_concessions": ("number", "concessions given for nothing"),
        "has_entries": ("bool", "anything was recorded"),
        "last_attitude": ("text", "the customer's latest attitude: firm, ..."),
        "closing": ("bool", "agreements or open issues were recorded"),
    },
    "agenda": {"items": ("list", "agenda items")},
    "keyword": {"words": ("list", "words the customer stressed")},
    "demand": {"topic": ("text", "topic"), "text": ("text", "the demand")},
    "response": {"topic": ("text", "topic"), "text": ("text", "our response")},
    "attitude": {
        "topic": ("text", "topic"),
        "before": ("text", "attitude before"),
        "to": ("text", "attitude now: firm, softening, ..."),
        "text": ("text", "what was observed"),
        "current": ("bool", "no later attitude was recorded on this topic"),
        "must_goal": ("bool", "a must-goal measures a term of this topic"),
    },
    "offer": {
        "by": ("text", "us or customer"),
        "term": ("text", "the term"),
        "topic": ("text", "price, terms, service or delivery"),
        "value": ("number", "the value offered"),
    },
    "concession": {
        "term": ("text", "the term"),
        "topic": ("text", "price, terms, service or delivery"),
        "before": ("number", "value before"),
        "after": ("number", "value after"),
        "size": ("number", "how far we moved"),
        "share_of_range": ("number", "size as a share of opening-to-bottom range"),
        "in_return": ("text", "what we got back"),
        "gave_nothing": ("bool", "nothing was asked in return"),
        "sequence": ("number", "1 for the first concession on this term, ..."),
        "previous_size": ("number", "size of the previous one on this term"),
        "grew": ("bool", "larger than the previous one on this term"),
        "before_topics_discussed": (
            "list",
            "topics not yet discussed when this concession was made",
        ),
        "topic_sequence": ("number", "1 for the first concession on this topic, ..."),
        "latest": ("bool", "no concession was recorded after this one"),
        "days_to_deadline": ("number", "days left to the deal's deadline"),
    },
    "objection": {
        "type": ("text", "price, function, trust, delivery or competitor"),
        "text": ("text", "the customer's words"),
        "reply": ("text", "the reply used"),
        "effect": ("text", "worked, partly or failed"),
        "repeat": ("number", "1 the first time this type came up, 2 the next, ..."),
        "expected": ("bool", "the deal file expected it"),
    },
    "agreement": {
        "term": ("text", "the term agreed"),
        "value": ("number", "the value agreed"),
        "text": ("text", "the agreement in words"),
        "misses_must_goal": ("bool", "the value misses a must-goal on the term"),
        "goal": ("text", "the id of the must-goal it misses"),
        "target": ("number", "the target of the must-goal it misses"),
    },
    "open_issue": {
        "text": ("text", "the issue"),
        "owner": ("text", "who answers it"),
        "due": ("text", "by when"),
        "has_owner": ("bool", "an owner is named"),
        "has_due": ("bool", "a due date is set"),
    },
    "next_action": {
        "text": ("text", "the action"),
        "owner": ("text", "who does it"),
        "due": ("text", "by when"),
        "has_owner": ("bool", "an owner is named"),
        "has_due": ("bool", "a due time is set"),
    },
    "note": {"text": ("text", "free text")},
}


#: Words a customer stresses, and how the same idea is written in the other
#: language, so an English keyword finds a selling point written in Chinese.
KEYWORD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "cost": ("成本", "费用", "降本"),
    "efficiency": ("效率", "提效"),
    "risk": ("风险", "停机", "uptime"),
    "delivery": ("交付", "排产", "交期"),
    "service": ("服务", "售后", "响应", "support"),
    "quality": ("质量", "品质", "检测"),
    "price": ("价格", "报价"),
    "security": ("安全", "ISO"),
}

#: Words in a concession's "in return" text that name a topic.
_TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "price": ("price", "amount", "价格", "金额", "报价"),
    "terms": ("payment", "days", "contract", "付款", "账期", "合同期", "条款"),
    "service": ("service", "training", "support", "服务", "培训", "售后"),
    "delivery": ("delivery", "交付", "交期"),
}


def deal_facts(deal: Deal, entries: Iterable[Entry] = ()) -> list[Fact]:
    """Every fact the rules see for ``deal`` and the entries recorded so far.

    ``entries`` adds to those in the deal file. Corrected entries are left out.
    """
    standing = effective_entries(_numbered([*deal.entries, *entries]))
    facts: list[Fact] = [_deal_fact(deal), _customer_fact(deal, standing)]
    facts.extend(_goal_fact(goal, deal) for goal in deal.goals)
    facts.extend(
        _bottom_line_fact(term, line, deal) for term, line in deal.bottom_lines.items()
    )
    keywords = _customer_keywords(standing)
    facts.extend(
        _selling_point_fact(f"sp{index}", point, keywords)
        for index, point in enumerate(deal.selling_points, start=1)
    )
    facts.extend(
        _fact(
            "expected_objection",
            f"xo{index}",
            type=objection.type,
            text=objection.text,
            has_reply=bool(objection.reply),
        )
        for index, objection in enumerate(deal.expected_objections, start=1)
    )
    entry_facts = _entry_facts(deal, standing)
    _add_meeting_state(deal, standing, entry_facts)
    facts.extend(entry_facts)
    positions = _position_facts(deal, standing)
    for position in positions:
        _mark_missed_goal(position, deal)
    facts.extend(positions)
    facts.extend(_objection_stats(deal, standing))
    facts.append(_session_fact(standing))
    return facts


def opening_of(term: str, line: BottomLine, deal: Deal) -> float | None:
    """Where we opened on ``term``: the bottom line's own, or the list price."""
    if line.opening is not None:
        return line.opening
    if term == "contract_amount":
        return deal.deal.list_price
    return None


def headroom(
    value: float, line: BottomLine, opening: float | None
) -> tuple[float, float | None]:
    """Distance from ``value`` to the bottom line, and its share of the range.

    The distance is negative when the value lies past the bottom line. The
    share is of the range from our opening to the bottom line: 1.0 means
    nothing was given yet, 0.0 means the bottom line is reached.
    """
    if line.direction == "min":
        left = value - line.limit
        span = None if opening is None else opening - line.limit
    else:
        left = line.limit - value
        span = None if opening is None else line.limit - opening
    share = left / span if span else None
    return left, share


def _fact(kind: str, fact_id: str, **fields: Any) -> Fact:
    # Absent values are left out, not sent as null: a rule testing a field
    # then simply does not match, and "exists" can test for it.
    fact: Fact = {"kind": kind, "id": fact_id}
    fact.update({name: value for name, value in fields.items() if value is not None})
    return fact


def _numbered(entries: list[Entry]) -> list[Entry]:
    used = {entry.id for entry in entries if entry.id is not None}
    next_id = 1
    numbered: list[Entry] = []
    for entry in entries:
        if entry.id is None:
            while next_id in used:
                next_id += 1
            entry = entry.model_copy(update={"id": next_id})
            used.add(next_id)
        numbered.append(entry)
    return numbered


def _deal_fact(deal: Deal) -> Fact:
    info = deal.deal
    return _fact(
        "deal",
        "deal",
        title=info.title,
        deal_kind=info.kind.value,
        currency=info.currency,
        list_price=info.list_price,
        has_list_price=info.list_price is not None,
        has_deadline=info.deadline is not None,
        goal_count=len(deal.goals),
        must_goal_count=sum(goal.tier.value == "must" for goal in deal.goals),
        selling_point_count=len(deal.selling_points),
    )


def _customer_fact(deal: Deal, entries: list[Entry]) -> Fact:
    customer = deal.customer
    keywords = [
        word for entry in entries if isinstance(entry, Keyword) for word in entry.words
    ]
    return _fact(
        "customer",
        "customer",
        name=customer.name,
        type=customer.type.value,
        industry=customer.industry,
        pain_points=customer.pain_points,
        keywords=keywords,
        competitors=customer.competitors_in_contact,
        competitor_count=len(customer.competitors_in_contact),
        past_satisfaction=customer.past_satisfaction,
        is_new=customer.past_satisfaction is None,
        has_decision_maker=any(
            person.influence == Influence.decision_maker
            for person in customer.decision_chain
        ),
        decision_chain_size=len(customer.decision_chain),
    )


def _goal_fact(goal: Goal, deal: Deal) -> Fact:
    line = deal.bottom_lines.get(goal.metric) if goal.metric else None
    beyond = above = None
    if goal.target is not None and line is not None:
        beyond = _beyond(goal.target, line)
        opening = opening_of(goal.metric or "", line, deal)
        if opening is not None:
            # Better than our opening means more than we ask on a floor term,
            # less than we ask on a ceiling term.
            if line.direction == "min":
                above = goal.target > opening
            else:
                above = goal.target < opening
    return _fact(
        "goal",
        goal.id,
        tier=goal.tier.value,
        metric=goal.metric,
        op=goal.op,
        target=goal.target,
        text=goal.text,
        measurable=goal.measurable,
        bottom_line=line.limit if line else None,
        beyond_bottom_line=beyond,
        above_opening=above,
    )


def _beyond(value: float, line: BottomLine) -> bool:
    if line.min is not None:
        return value < line.min
    return value > line.max  # type: ignore[operator]


def _bottom_line_fact(term: str, line: BottomLine, deal: Deal) -> Fact:
    return _fact(
        "bottom_line",
        term,
        term=term,
        limit=line.limit,
        direction=line.direction,
        opening=opening_of(term, line, deal),
    )


def _entry_facts(deal: Deal, entries: list[Entry]) -> list[Fact]:
    expected = {objection.type for objection in deal.expected_objections}
    repeats: Counter[str] = Counter()
    concessions: dict[str, list[Concession]] = defaultdict(list)
    discussed: set[str] = set()
    facts: list[Fact] = []

    for entry in entries:
        topic = _topic_of(entry)
        if isinstance(entry, Concession) and entry.in_return:
            # A trade names what we got back; that puts its topic on the table.
            discussed.update(topics_named(entry.in_return))
        if isinstance(entry, Concession):
            concessions[entry.term].append(entry)
            fact = _concession_fact(entry, concessions[entry.term], deal, discussed)
        elif isinstance(entry, Objection):
            repeats[entry.type] += 1
            fact = _fact(
                "objection",
                f"e{entry.id}",
                type=entry.type,
                text=entry.text,
                reply=entry.reply,
                effect=entry.effect,
                repeat=repeats[entry.type],
                expected=entry.type in expected,
            )
        else:
            fact = _plain_entry_fact(entry)
        if topic:
            discussed.add(topic)
        facts.append(fact)
    return facts


def _topic_of(entry: Entry) -> str | None:
    if isinstance(entry, (Offer, Concession)):
        return TERM_TOPICS.get(entry.term, entry.term)
    if isinstance(entry, (Demand, Response, Attitude)):
        return entry.topic
    return None


def _concession_fact(
    entry: Concession, earlier: list[Concession], deal: Deal, discussed: set[str]
) -> Fact:
    size = abs(entry.after - entry.before)
    previous = earlier[-2] if len(earlier) > 1 else None
    previous_size = abs(previous.after - previous.before) if previous else None
    share = None
    line = deal.bottom_lines.get(entry.term)
    if line is not None:
        opening = opening_of(entry.term, line, deal)
        span = abs(opening - line.limit) if opening is not None else 0
        share = size / span if span else None
    undiscussed = [
        topic for topic in ("price", "service", "terms") if topic not in discussed
    ]
    return _fact(
        "concession",
        f"e{entry.id}",
        term=entry.term,
        topic=TERM_TOPICS.get(entry.term, entry.term),
        before=entry.before,
        after=entry.after,
        size=size,
        share_of_range=share,
        in_return=entry.in_return,
        gave_nothing=not entry.in_return,
        sequence=len(earlier),
        previous_size=previous_size,
        grew=previous_size is not None and size > previous_size,
        before_topics_discussed=undiscussed,
    )


def _plain_entry_fact(entry: Entry) -> Fact:
    fact_id = f"e{entry.id}"
    if isinstance(entry, Agenda):
        return _fact("agenda", fact_id, items=entry.items)
    if isinstance(entry, Keyword):
        return _fact("keyword", fact_id, words=entry.words)
    if isinstance(entry, (Demand, Response)):
        return _fact(entry.kind, fact_id, topic=entry.topic, text=entry.text)
    if isinstance(entry, Attitude):
        return _fact(
            "attitude",
            fact_id,
            topic=entry.topic,
            before=entry.before,
            to=entry.to,
            text=entry.text,
        )
    if isinstance(entry, Offer):
        return _fact(
            "offer",
            fact_id,
            by=entry.by,
            term=entry.term,
            topic=TERM_TOPICS.get(entry.term, entry.term),
            value=entry.value,
        )
    if isinstance(entry, Agreement):
        number = entry.value if isinstance(entry.value, (int, float)) else None
        text = entry.text or (entry.value if isinstance(entry.value, str) else None)
        return _fact("agreement", fact_id, term=entry.term, value=number, text=text)
    if isinstance(entry, (OpenIssue, NextAction)):
        return _fact(
            entry.kind,
            fact_id,
            text=entry.text,
            owner=entry.owner,
            due=entry.due,
            has_owner=bool(entry.owner),
            has_due=bool(entry.due),
        )
    assert isinstance(entry, Note)
    return _fact("note", fact_id, text=entry.text)


def _position_facts(deal: Deal, entries: list[Entry]) -> list[Fact]:
    latest: dict[tuple[str, str], tuple[float, int]] = {}
    for entry in entries:
        assert entry.id is not None
        if isinstance(entry, Offer):
            latest[(entry.term, entry.by)] = (entry.value, entry.id)
        elif isinstance(entry, Concession):
            latest[(entry.term, "us")] = (entry.after, entry.id)

    facts = []
    for (term, by), (value, entry_id) in latest.items():
        line = deal.bottom_lines.get(term)
        if line is None:
            continue
        left, share = headroom(value, line, opening_of(term, line, deal))
        facts.append(
            _fact(
                "position",
                f"{term}:{by}",
                term=term,
                by=by,
                value=value,
                limit=line.limit,
                direction=line.direction,
                left=left,
                share=share,
                past_bottom_line=left < 0,
                entry=entry_id,
            )
        )
    return facts


def _objection_stats(deal: Deal, entries: list[Entry]) -> list[Fact]:
    expected = {objection.type for objection in deal.expected_objections}
    counts = Counter(entry.type for entry in entries if isinstance(entry, Objection))
    return [
        _fact(
            "objection_stats",
            kind,
            type=kind,
            count=count,
            expected=kind in expected,
        )
        for kind, count in sorted(counts.items())
    ]


def _session_fact(entries: list[Entry]) -> Fact:
    kinds = Counter(entry.kind for entry in entries)
    unreturned = sum(
        1 for entry in entries if isinstance(entry, Concession) and not entry.in_return
    )
    attitudes = [entry for entry in entries if isinstance(entry, Attitude)]
    return _fact(
        "session",
        "session",
        entries=len(entries),
        offers=kinds["offer"],
        concessions=kinds["concession"],
        objections=kinds["objection"],
        agreements=kinds["agreement"],
        open_issues=kinds["open_issue"],
        next_actions=kinds["next_action"],
        unreturned_concessions=unreturned,
        has_entries=bool(entries),
        last_attitude=attitudes[-1].to if attitudes else None,
        closing=kinds["agreement"] + kinds["open_issue"] > 0,
    )


def topics_named(text: str) -> set[str]:
    """The topics a free text names, such as ``terms`` for "payment 30 days"."""
    lowered = text.lower()
    return {
        topic
        for topic, words in _TOPIC_WORDS.items()
        if any(word.lower() in lowered for word in words)
    }


def _customer_keywords(entries: list[Entry]) -> list[str]:
    return [
        word for entry in entries if isinstance(entry, Keyword) for word in entry.words
    ]


def _selling_point_fact(fact_id: str, point: SellingPoint, keywords: list[str]) -> Fact:
    place = " ".join([point.text, *point.addresses]).lower()
    matched = [
        word
        for word in dict.fromkeys(keywords)
        if any(
            form.lower() in place
            for form in (word, *KEYWORD_SYNONYMS.get(word.lower(), ()))
        )
    ]
    return _fact(
        "selling_point",
        fact_id,
        text=point.text,
        addresses=point.addresses,
        keywords=matched,
        keyword_hits=len(matched),
    )


def _add_meeting_state(deal: Deal, entries: list[Entry], facts: list[Fact]) -> None:
    """Add what only the whole meeting shows: latest moves, deadlines, misses."""
    by_id = {fact["id"]: fact for fact in facts}
    deadline = deal.deal.deadline
    must_topics = {
        TERM_TOPICS.get(goal.metric, goal.metric)
        for goal in deal.goals
        if goal.tier.value == "must" and goal.metric
    }
    per_topic: Counter[str] = Counter()
    concessions = [entry for entry in entries if isinstance(entry, Concession)]
    for concession in concessions:
        fact = by_id[f"e{concession.id}"]
        per_topic[fact["topic"]] += 1
        fact["topic_sequence"] = per_topic[fact["topic"]]
        fact["latest"] = concession is concessions[-1]
        if deadline is not None and concession.at is not None:
            fact["days_to_deadline"] = (deadline - concession.at.date()).days

    latest_attitude: dict[str, Attitude] = {}
    for entry in entries:
        if isinstance(entry, Attitude):
            latest_attitude[entry.topic or ""] = entry
    for entry in entries:
        if isinstance(entry, Attitude):
            fact = by_id[f"e{entry.id}"]
            fact["current"] = latest_attitude[entry.topic or ""] is entry
            fact["must_goal"] = (entry.topic or "") in must_topics
        elif isinstance(entry, Agreement):
            _mark_missed_goal(by_id[f"e{entry.id}"], deal)


def _mark_missed_goal(fact: Fact, deal: Deal) -> None:
    value = fact.get("value")
    if value is None:
        return
    for goal in deal.goals:
        if goal.tier.value != "must" or goal.metric != fact.get("term"):
            continue
        if goal.op is None or goal.target is None:
            continue
        if not _COMPARE[goal.op](value, goal.target):
            fact.update(misses_must_goal=True, goal=goal.id, target=goal.target)
            return
    fact["misses_must_goal"] = False


_COMPARE = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
