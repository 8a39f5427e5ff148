"""The deal a salesperson prepares: customer, goals, bottom lines, selling points.

These models are the documented shape of a deal file (YAML or JSON). Every
field a playbook rule can test appears again, flattened, in ``facts.py``.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .entries import Entry

Number = float | int


class Strict(BaseModel):
    """A model that rejects unknown keys, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DealKind(str, Enum):
    new_customer = "new_customer"
    renewal = "renewal"
    price_talk = "price_talk"
    terms_change = "terms_change"
    partnership = "partnership"


class CustomerType(str, Enum):
    price_sensitive = "price_sensitive"
    quality_first = "quality_first"
    relationship = "relationship"


class Influence(str, Enum):
    decision_maker = "decision_maker"
    influencer = "influencer"
    user = "user"
    gatekeeper = "gatekeeper"


class GoalTier(str, Enum):
    must = "must"
    try_ = "try"
    give_up = "give_up"


class DealInfo(Strict):
    title: str = Field(min_length=1, description="What the negotiation is about.")
    kind: DealKind = DealKind.new_customer
    currency: str = "CNY"
    list_price: Number | None = Field(
        default=None, gt=0, description="Our opening quote for the contract amount."
    )
    deadline: dt.date | None = Field(
        default=None, description="When the deal must close, as an ISO date."
    )
    place: str | None = None
    date: str | None = None
    our_team: list[str] = Field(default_factory=list)


class Person(Strict):
    name: str
    role: str | None = None
    influence: Influence = Influence.influencer


class Customer(Strict):
    name: str = Field(min_length=1)
    type: CustomerType
    industry: str | None = None
    size: str | None = None
    pain_points: list[str] = Field(default_factory=list)
    decision_chain: list[Person] = Field(default_factory=list)
    competitors_in_contact: list[str] = Field(default_factory=list)
    past_satisfaction: int | None = Field(
        default=None, ge=1, le=5, description="1 to 5; absent for a new customer."
    )


class Goal(Strict):
    """One negotiation goal; ``metric``/``op``/``target`` make it measurable."""

    id: str = Field(pattern=r"^[A-Za-z_][\w-]*$")
    tier: GoalTier
    metric: str | None = None
    op: Literal[">=", "<=", "==", ">", "<"] | None = None
    target: Number | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _measurable_or_described(self) -> Goal:
        numeric = (self.metric, self.op, self.target)
        if any(part is not None for part in numeric) and None in numeric:
            raise ValueError(
                "a measurable goal needs all of metric, op and target; "
                "give all three, or describe the goal with text only"
            )
        if self.metric is None and not self.text:
            raise ValueError("a goal needs either metric/op/target or a text")
        return self

    @property
    def measurable(self) -> bool:
        return self.target is not None


class BottomLine(Strict):
    """The floor (``min``) or ceiling (``max``) for one term, and where we open."""

    min: Number | None = None
    max: Number | None = None
    opening: Number | None = Field(
        default=None,
        description="Our opening position for this term; for contract_amount "
        "the deal's list_price is used when this is absent.",
    )

    @model_validator(mode="after")
    def _one_limit(self) -> BottomLine:
        if (self.min is None) == (self.max is None):
            raise ValueError("a bottom line needs exactly one of min or max")
        return self

    @property
    def limit(self) -> Number:
        return self.min if self.min is not None else self.max  # type: ignore[return-value]

    @property
    def direction(self) -> Literal["min", "max"]:
        return "min" if self.min is not None else "max"


class SellingPoint(Strict):
    text: str = Field(min_length=1)
    addresses: list[str] = Field(
        default_factory=list,
        description="Objection types or pain points this point answers.",
    )


class ExpectedObjection(Strict):
    type: str
    text: str | None = None
    reply: str | None = Field(
        default=None, description="A reply the team prepared for this deal."
    )


class Deal(Strict):
    """Everything known before the meeting, plus any entries recorded so far."""

    deal: DealInfo
    customer: Customer
    goals: list[Goal] = Field(default_factory=list)
    bottom_lines: dict[str, BottomLine] = Field(default_factory=dict)
    selling_points: list[SellingPoint] = Field(default_factory=list)
    expected_objections: list[ExpectedObjection] = Field(default_factory=list)
    entries: list[Entry] = Field(default_factory=list)

    @field_validator("selling_points", mode="before")
    @classmethod
    def _plain_selling_points(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"text": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _unique_goal_ids(self) -> Deal:
        seen: set[str] = set()
        for goal in self.goals:
            if goal.id in seen:
                raise ValueError(f"two goals share the id {goal.id!r}; ids must differ")
            seen.add(goal.id)
        return self
