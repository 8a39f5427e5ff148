"""Short forms of entries, fast to type in a meeting.

``concession price 550000 520000 --for "payment 30 days"`` becomes the entry
``{"kind": "concession", "term": "price", "from": 550000, "to": 520000,
"for": "payment 30 days"}``. The command line and the interactive prompt
both read entries this way.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from ..entries import ENTRY_KINDS
from ..errors import SessionError, did_you_mean

#: Words a salesperson may type for an entry kind.
KIND_ALIASES = {
    "issue": "open_issue",
    "open-issue": "open_issue",
    "action": "next_action",
    "next": "next_action",
    "next-action": "next_action",
    "kw": "keyword",
    "keywords": "keyword",
    "obj": "objection",
}

#: The positional words of each kind, in order. ``...`` after a name takes
#: the rest of the words: joined as text, or as a list for agenda and keyword.
SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "agenda": ("items...",),
    "keyword": ("words...",),
    "demand": ("topic", "text..."),
    "response": ("topic", "text..."),
    "attitude": ("to",),
    "offer": ("term", "value"),
    "concession": ("term", "from", "to"),
    "objection": ("type", "text..."),
    "agreement": ("term", "value"),
    "open_issue": ("text...",),
    "next_action": ("text...",),
    "note": ("text...",),
}

#: Options that take a value, as typed after ``--``, and the entry field.
OPTIONS = {
    "for": "for",
    "topic": "topic",
    "from": "from",
    "by": "by",
    "reply": "reply",
    "effect": "effect",
    "owner": "owner",
    "due": "due",
    "text": "text",
}

_NUMBER_FIELDS = ("value", "from", "to")
_NUMBER = re.compile(r"^[+-]?\d[\d,_]*(\.\d+)?(万|k|K)?$")


def usage(kind: str) -> str:
    """How a kind is typed, such as ``concession TERM FROM TO``."""
    words = [name.upper() for name in SHORT_FORMS[kind]]
    if kind == "attitude":
        words = ["[FROM]", "TO"]
    return " ".join([kind, *words])


def kind_of(word: str) -> str:
    """The entry kind a typed word names; ``SessionError`` if none."""
    kind = KIND_ALIASES.get(word, word.replace("-", "_"))
    if kind not in ENTRY_KINDS:
        hint = did_you_mean(word, ENTRY_KINDS)
        raise SessionError(f"unknown entry kind {word!r}; {hint}")
    return kind


def entry_data(
    word: str, values: Sequence[str], options: Mapping[str, str | None] | None = None
) -> dict[str, Any]:
    """The entry data for ``word`` (a kind) and the words typed after it."""
    kind = kind_of(word)
    data: dict[str, Any] = {"kind": kind}
    data.update(_positional(kind, list(values)))
    for name, value in (options or {}).items():
        if value is not None:
            data[OPTIONS.get(name, name)] = value
    for name in _NUMBER_FIELDS:
        if isinstance(data.get(name), str):
            data[name] = number(data[name])
    return data


def split_line(line: str) -> tuple[str, list[str], dict[str, str]]:
    """A typed line as (kind word, positional words, ``--name value`` options)."""
    try:
        tokens = shlex.split(line)
    except ValueError as error:
        raise SessionError(
            f"cannot read the line ({error}); close the quotes"
        ) from None
    if not tokens:
        raise SessionError("type an entry kind first, such as: note 'text'")
    values: list[str] = []
    options: dict[str, str] = {}
    rest = iter(tokens[1:])
    for token in rest:
        if token.startswith("--") and len(token) > 2:
            name = token[2:]
            if name not in OPTIONS:
                hint = did_you_mean(name, OPTIONS)
                raise SessionError(f"unknown option --{name}; {hint}")
            value = next(rest, None)
            if value is None:
                raise SessionError(f"--{name} needs a value after it")
            options[name] = value
        else:
            values.append(token)
    return tokens[0], values, options


def number(text: str) -> float | int | str:
    """A typed number (``550000``, ``550,000``, ``55万``, ``550k``), else the text."""
    cleaned = text.strip()
    if not _NUMBER.match(cleaned):
        return text
    scale = {"万": 10_000, "k": 1_000, "K": 1_000}.get(cleaned[-1], 1)
    digits = cleaned.rstrip("万kK").replace(",", "").replace("_", "")
    value = float(digits) * scale
    return int(value) if value.is_integer() else value


def _positional(kind: str, values: list[str]) -> dict[str, Any]:
    if kind == "attitude" and len(values) == 2:
        return {"from": values[0], "to": values[1]}
    if kind == "agreement" and (len(values) != 2 or number(values[1]) == values[1]):
        return {"text": " ".join(values)} if values else {}
    fields: dict[str, Any] = {}
    for index, name in enumerate(SHORT_FORMS[kind]):
        if name.endswith("..."):
            rest = values[index:]
            if rest:
                joined = " ".join(rest)
                fields[name[:-3]] = rest if name in ("items...", "words...") else joined
            return fields
        if index < len(values):
            fields[name] = values[index]
    if len(values) > len(SHORT_FORMS[kind]):
        raise SessionError(
            f"too many values for {kind}: {' '.join(values)!r}; type it as "
            f"{usage(kind)}, and quote text with spaces"
        )
    return fields
