"""The advice a consultation returns: typed, explained, and stable as JSON.

Every item names the rule that produced it, the rule's reason, and the facts
it matched, so a salesperson can ask "why?" and an author can debug a rule.
The JSON form of ``Advice`` is documented by ``schema/advice.schema.json``,
generated from these models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["info", "warning", "critical", "blocking"]
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2, "blocking": 3}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MatchedFact(_Model):
    """A fact a rule matched, under the name the rule gave it."""

    name: str = Field(description="The rule's name for this fact.")
    kind: str
    id: str
    fields: dict[str, Any]


class Explained(_Model):
    rule: str = Field(description="The id of the rule that gave this advice.")
    priority: int = Field(description="The rule's priority; higher matters more.")
    because: str = Field(description="The rule's reason, in the chosen language.")
    facts: list[MatchedFact] = Field(
        default_factory=list, description="The facts the rule matched."
    )


class Recommendation(Explained):
    strategy: str
    title: str
    how: str = ""
    evidence: str = ""
    also_by: list[str] = Field(
        default_factory=list, description="Other rules that recommended it too."
    )


class Flag(Explained):
    severity: Severity
    message: str


class Rebuttal(Explained):
    rebuttal: str = Field(description="The id of the rebuttal in the playbook.")
    objection: str = Field(description="The objection type answered.")
    objection_text: str = Field(default="", description="The customer's words.")
    entry: str | None = Field(
        default=None, description="The fact id of a live objection, if any."
    )
    reply: str
    evidence: str = ""
    selling_points: list[str] = Field(
        default_factory=list, description="The deal's selling points to cite."
    )
    prepared_reply: str = Field(
        default="", description="The reply the deal file prepared, if any."
    )


class DerivedFact(_Model):
    """A fact a rule added, which other rules could then match."""

    rule: str
    kind: str
    id: str
    fields: dict[str, Any]


class BottomLineView(_Model):
    term: str
    direction: Literal["min", "max"]
    limit: float
    opening: float | None = None
    position: float | None = Field(
        default=None, description="Our latest value on the table for this term."
    )
    left: float | None = Field(
        default=None, description="Distance to the bottom line; negative when past."
    )
    share: float | None = Field(
        default=None, description="Headroom as a share of opening-to-bottom-line."
    )


class GoalView(_Model):
    id: str
    tier: Literal["must", "try", "give_up"]
    text: str = ""
    metric: str | None = None
    op: str | None = None
    target: float | None = None
    bottom_line: BottomLineView | None = None


class OfferPackage(_Model):
    """One of several offers of equal value to us, for the customer to choose."""

    id: str = Field(description="hold_price, price_for_term or give_up_item.")
    title: str
    terms: dict[str, float] = Field(
        description="The value of each term in this package, by term name."
    )
    gives_up: list[str] = Field(
        default_factory=list, description="The can-give-up goals this package drops."
    )
    value: float = Field(
        description="What the package is worth to us, by the playbook's weights."
    )
    how: str = ""


class PlaybookRef(_Model):
    name: str
    version: str
    digest: str = Field(description="A hash of the playbook's content.")


class Advice(_Model):
    """The whole result of one consultation."""

    playbook: PlaybookRef
    lang: str
    deal: str = Field(description="The deal's title.")
    recommendations: list[Recommendation] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    rebuttals: list[Rebuttal] = Field(default_factory=list)
    goals: list[GoalView] = Field(default_factory=list)
    bottom_lines: list[BottomLineView] = Field(default_factory=list)
    derived: list[DerivedFact] = Field(default_factory=list)
    fired: list[str] = Field(
        default_factory=list, description="Rule ids in the order they fired."
    )
    packages: list[OfferPackage] = Field(
        default_factory=list,
        description="Offer packages of equal value to us, when the deal has a "
        "list price.",
    )

    def items(self) -> list[Recommendation | Flag | Rebuttal]:
        """Every piece of advice, recommendations first."""
        return [*self.recommendations, *self.flags, *self.rebuttals]

    def for_rule(self, rule: str) -> list[Recommendation | Flag | Rebuttal]:
        return [item for item in self.items() if item.rule == rule]
