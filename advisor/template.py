"""Message templates: ``{name.field}`` placeholders filled from matched facts.

A template is parsed once and cached, because the same flag can fire for
many facts in one consultation; its values are looked up first, so a message
that would repeat one already given is never formatted at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .plan import PLACEHOLDER

Fact = dict[str, Any]


@dataclass(frozen=True)
class Template:
    """Literal text between placeholders, and the placeholders themselves."""

    literals: tuple[str, ...]
    placeholders: tuple[tuple[str, str, str], ...]

    @staticmethod
    @lru_cache(maxsize=4096)
    def parse(text: str) -> Template:
        literals, placeholders, position = [], [], 0
        for match in PLACEHOLDER.finditer(text):
            literals.append(text[position : match.start()])
            placeholders.append((match.group(1), match.group(2), match.group(3) or ""))
            position = match.end()
        literals.append(text[position:])
        return Template(tuple(literals), tuple(placeholders))

    def values(
        self, facts: dict[str, Fact], singletons: dict[str, Fact]
    ) -> tuple[Any, ...]:
        """The raw values the placeholders show, in order."""
        found = []
        for owner, name, _ in self.placeholders:
            fact = facts.get(owner) or singletons.get(owner) or {}
            value = fact.get(name)
            found.append(tuple(value) if isinstance(value, list) else value)
        return tuple(found)

    def fill(self, values: tuple[Any, ...]) -> str:
        """The message with ``values`` formatted into its placeholders.

        Numbers get thousands separators unless the placeholder gives a
        format, as in ``{p.share:.0%}``; a missing value shows as ``?``.
        """
        parts = [self.literals[0]]
        for (_, _, spec), value, literal in zip(
            self.placeholders, values, self.literals[1:], strict=True
        ):
            parts.append(_formatted(value, spec))
            parts.append(literal)
        return "".join(parts)


def render(text: str, facts: dict[str, Fact], singletons: dict[str, Fact]) -> str:
    """Fill the placeholders of ``text`` from ``facts`` (by rule name) at once."""
    template = Template.parse(text)
    return template.fill(template.values(facts, singletons))


def plain(value: Any) -> str:
    """A value as people read it: 480,000 and 0.25, not 480000.0 and .25000."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def _formatted(value: Any, spec: str) -> str:
    if value is None:
        return "?"
    if spec:
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            return str(value)
    return plain(value)
