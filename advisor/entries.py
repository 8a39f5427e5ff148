"""What happens in a meeting, one entry at a time.

A consultation can carry the entries recorded so far; a live session stores
and replays exactly these models. Entries are appended, never rewritten: a
correction is a new entry whose ``corrects`` names the entry it replaces.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Number = float | int

#: The terms a number can be negotiated on, and the topic each belongs to.
TERM_TOPICS = {
    "contract_amount": "price",
    "unit_price": "price",
    "discount_percent": "price",
    "payment_days": "terms",
    "contract_months": "terms",
    "delivery_days": "delivery",
    "service_scope": "service",
    "free_training_sessions": "service",
    "response_hours": "service",
}

#: Short words a salesperson types for a term.
TERM_ALIASES = {
    "price": "contract_amount",
    "amount": "contract_amount",
    "payment": "payment_days",
    "delivery": "delivery_days",
    "training": "free_training_sessions",
    "service": "service_scope",
}

OBJECTION_TYPES = ("price", "function", "trust", "delivery", "competitor")
ATTITUDES = ("positive", "softening", "hesitant", "neutral", "firm", "negative")


class EntryBase(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: int | None = Field(
        default=None, ge=1, description="Position in the session, set on recording."
    )
    at: datetime | None = None
    author: str | None = None
    corrects: int | None = Field(
        default=None, ge=1, description="The id of the entry this one corrects."
    )


class Agenda(EntryBase):
    kind: Literal["agenda"] = "agenda"
    items: list[str] = Field(min_length=1)


class Keyword(EntryBase):
    """Words the customer stressed, such as cost, efficiency or risk."""

    kind: Literal["keyword"] = "keyword"
    words: list[str] = Field(min_length=1)


class Demand(EntryBase):
    kind: Literal["demand"] = "demand"
    topic: str
    text: str


class Response(EntryBase):
    kind: Literal["response"] = "response"
    topic: str
    text: str


class Attitude(EntryBase):
    kind: Literal["attitude"] = "attitude"
    topic: str | None = None
    before: str | None = Field(default=None, alias="from")
    to: Literal["positive", "softening", "hesitant", "neutral", "firm", "negative"]
    text: str | None = None


class Offer(EntryBase):
    kind: Literal["offer"] = "offer"
    by: Literal["us", "customer"] = "us"
    term: str
    value: Number
    text: str | None = None


class Concession(EntryBase):
    """We moved on a term, from one value to another, maybe for something back."""

    kind: Literal["concession"] = "concession"
    term: str
    before: Number = Field(alias="from")
    after: Number = Field(alias="to")
    in_return: str | None = Field(default=None, alias="for")


class Objection(EntryBase):
    kind: Literal["objection"] = "objection"
    type: Literal["price", "function", "trust", "delivery", "competitor"]
    text: str | None = None
    reply: str | None = None
    effect: Literal["worked", "partly", "failed"] | None = None


class Agreement(EntryBase):
    kind: Literal["agreement"] = "agreement"
    term: str | None = None
    value: Number | str | None = None
    text: str | None = None


class OpenIssue(EntryBase):
    kind: Literal["open_issue"] = "open_issue"
    text: str
    owner: str | None = None
    due: str | None = None


class NextAction(EntryBase):
    kind: Literal["next_action"] = "next_action"
    text: str
    owner: str | None = None
    due: str | None = None


class Note(EntryBase):
    kind: Literal["note"] = "note"
    text: str


Entry = Annotated[
    Agenda
    | Keyword
    | Demand
    | Response
    | Attitude
    | Offer
    | Concession
    | Objection
    | Agreement
    | OpenIssue
    | NextAction
    | Note,
    Field(discriminator="kind"),
]

ENTRY_KINDS = (
    "agenda",
    "keyword",
    "demand",
    "response",
    "attitude",
    "offer",
    "concession",
    "objection",
    "agreement",
    "open_issue",
    "next_action",
    "note",
)


def canonical_term(word: str) -> str:
    """The term a short word stands for (``price`` → ``contract_amount``)."""
    return TERM_ALIASES.get(word, word)


def effective_entries(entries: list[Entry]) -> list[Entry]:
    """The entries that still stand once corrections replace what they correct."""
    corrected = {entry.corrects for entry in entries if entry.corrects is not None}
    return [entry for entry in entries if entry.id is None or entry.id not in corrected]
