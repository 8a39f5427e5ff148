"""Offer packages: two or three offers of equal value to us, for the customer to pick.

Putting several equivalent offers on the table at once, each trading price,
payment term and a can-give-up item differently, lets the customer choose
instead of haggling term by term. Each package costs us the same: what one
day of payment term and one give-up item are worth against the price is set
in the playbook's settings, so a team can tune the weights. No package ever
lies past a bottom line or below a must-goal, and none drops a must-goal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .advice import OfferPackage
from .deal import Deal
from .entries import Concession, Entry, Offer, effective_entries

#: The weights a playbook may set under ``settings``, and their defaults.
DEFAULT_SETTINGS: dict[str, float] = {
    # One day of payment term is worth this share of the contract amount.
    # Sales teams weigh cash flow well above the bank's rate: the handbook
    # trades a price cut for payment 30 days sooner, so 0.1% a day (3% for
    # 30 days) is the starting point.
    "value_per_payment_day": 0.001,
    # Each package gives away this share of the amount, against our position.
    "package_concession_share": 0.03,
    # The shorter-term package asks this many days less than our position.
    "package_shorter_payment_days": 15,
    # Dropping a can-give-up item costs us this share of the amount.
    "value_of_give_up_item": 0.01,
    # Prices are rounded up to this step, in our favour.
    "package_price_step": 1000,
    # The payment term we assume when the deal names none.
    "default_payment_days": 30,
}

_TITLES = {
    "hold_price": {
        "en": "Hold the price, give on the payment term",
        "zh": "守住价格，放宽付款期",
    },
    "price_for_term": {
        "en": "A lower price for a shorter payment term",
        "zh": "缩短付款期，换取更低价格",
    },
    "give_up_item": {
        "en": "Drop a can-give-up item: {item}",
        "zh": "放弃可放弃项：{item}",
    },
}

_HOW = {
    "en": "Present all packages at once and ask which one suits the customer best.",
    "zh": "三个方案同时提出，请客户选择最合适的一个。",
}


@dataclass(frozen=True)
class _Room:
    """Where we stand and how far each term may go."""

    price: float
    price_floor: float
    days: float
    days_ceiling: float
    weights: Mapping[str, float]

    def value(self, price: float, days: float, dropped: int = 0) -> float:
        rate = self.weights["value_per_payment_day"]
        item = self.weights["value_of_give_up_item"] * self.price
        return price * (1 - rate * days) - dropped * item


def offer_packages(
    deal: Deal,
    entries: Sequence[Entry] = (),
    settings: Mapping[str, float] | None = None,
    lang: str = "en",
) -> list[OfferPackage]:
    """Two or three packages of equal value to us, or none when there is no room.

    The packages start from our latest price and payment term on the table
    (the opening when nothing was offered yet). An empty list means the deal
    lacks a price bottom line and an opening price, or the bottom lines and
    must-goals leave too little room for two packages.
    """
    positions = _our_positions([*deal.entries, *entries])
    return packages_from(deal, positions, settings, lang)


def packages_from(
    deal: Deal,
    positions: Mapping[str, float],
    settings: Mapping[str, float] | None = None,
    lang: str = "en",
) -> list[OfferPackage]:
    """Like ``offer_packages``, from our latest value on each term by name."""
    weights = {**DEFAULT_SETTINGS, **(settings or {})}
    room = _room(deal, positions, weights)
    if room is None:
        return []

    budget = _budget(room, deal)
    if budget is None:
        return []
    return _packages(room, deal, budget, lang)


def _room(
    deal: Deal, positions: Mapping[str, float], weights: Mapping[str, float]
) -> _Room | None:
    price_line = deal.bottom_lines.get("contract_amount")
    price = positions.get("contract_amount") or _opening(deal, "contract_amount")
    if price_line is None or price_line.min is None or price is None:
        return None

    days_line = deal.bottom_lines.get("payment_days")
    days = positions.get("payment_days") or _opening(deal, "payment_days")
    days = days if days is not None else weights["default_payment_days"]
    ceiling = days_line.max if days_line is not None else None
    return _Room(
        price=price,
        price_floor=_must_limit(deal, "contract_amount", price_line.min, max),
        days=days,
        days_ceiling=_must_limit(deal, "payment_days", ceiling, min),
        weights=weights,
    )


def _our_positions(entries: Sequence[Entry]) -> dict[str, float]:
    positions: dict[str, float] = {}
    for entry in effective_entries(list(entries)):
        if isinstance(entry, Offer) and entry.by == "us":
            positions[entry.term] = entry.value
        elif isinstance(entry, Concession):
            positions[entry.term] = entry.after
    return positions


def _opening(deal: Deal, term: str) -> float | None:
    line = deal.bottom_lines.get(term)
    if line is not None and line.opening is not None:
        return line.opening
    return deal.deal.list_price if term == "contract_amount" else None


def _must_limit(
    deal: Deal,
    term: str,
    limit: float | None,
    tighter: Callable[[list[float]], float],
) -> float:
    """The bottom line, tightened by any must-goal on the same term."""
    bounds = [limit] if limit is not None else []
    for goal in deal.goals:
        if goal.tier.value == "must" and goal.metric == term and goal.target:
            bounds.append(goal.target)
    if not bounds:
        return math.inf
    return tighter(bounds)


def _budget(room: _Room, deal: Deal) -> float | None:
    """What each package gives away: the asked share, or less if a limit binds."""
    rate = room.weights["value_per_payment_day"]
    asked = room.weights["package_concession_share"] * room.price
    shorter = _shorter_days(room)
    limits = [
        # Holding the price, the payment term may not pass its ceiling.
        (room.days_ceiling - room.days) * room.price * rate,
        # A lower price for a shorter term may not go below the floor.
        room.value(room.price, room.days) - room.price_floor * (1 - rate * shorter),
    ]
    budget = min(asked, *limits)
    if budget < asked / 4:
        return None
    return budget


def _shorter_days(room: _Room) -> float:
    return max(0.0, room.days - room.weights["package_shorter_payment_days"])


def _packages(room: _Room, deal: Deal, budget: float, lang: str) -> list[OfferPackage]:
    rate = room.weights["value_per_payment_day"]
    target = room.value(room.price, room.days) - budget
    step = room.weights["package_price_step"] or 1

    hold_days = math.floor(room.days + budget / (room.price * rate))
    shorter = _shorter_days(room)
    cut_price = _round_up(target / (1 - rate * shorter), step)
    packages = [
        _package(room, "hold_price", room.price, hold_days, [], lang),
        _package(room, "price_for_term", cut_price, shorter, [], lang),
    ]

    give_up = [goal for goal in deal.goals if goal.tier.value == "give_up"]
    item_cost = room.weights["value_of_give_up_item"] * room.price
    if give_up and item_cost < budget:
        item = give_up[0].text or give_up[0].id
        price = _round_up((target + item_cost) / (1 - rate * room.days), step)
        packages.append(_package(room, "give_up_item", price, room.days, [item], lang))
    allowed = [package for package in packages if _within_limits(room, package)]
    return allowed if len(allowed) >= 2 else []


def _package(
    room: _Room,
    package_id: str,
    price: float,
    days: float,
    dropped: list[str],
    lang: str,
) -> OfferPackage:
    words = "zh" if lang == "zh" else "en"
    title = _TITLES[package_id][words].format(item=", ".join(dropped))
    return OfferPackage(
        id=package_id,
        title=title,
        terms={"contract_amount": price, "payment_days": days},
        gives_up=dropped,
        value=round(room.value(price, days, len(dropped)), 2),
        how=_HOW[words],
    )


def _within_limits(room: _Room, package: OfferPackage) -> bool:
    terms = package.terms
    return (
        terms["contract_amount"] >= room.price_floor
        and terms["payment_days"] <= room.days_ceiling
    )


def _round_up(value: float, step: float) -> float:
    return float(math.ceil(value / step) * step)
