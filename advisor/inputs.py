"""Reads deal files and entry files, reporting every problem with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .deal import Deal
from .entries import Entry
from .errors import DealError
from .yamlsource import Located, load, load_file, problems_from_validation

_ENTRIES = TypeAdapter(list[Entry])


def load_deal(path: str | Path) -> Deal:
    """Read a deal file (YAML or JSON); raise ``DealError`` naming each problem."""
    return parse_deal(_read(Path(path)))


def deal_from_text(text: str, file: str = "<stdin>") -> Deal:
    """A deal from YAML or JSON text, as read from standard input."""
    return parse_deal(_parse(text, file))


def deal_from_data(data: Any, file: str = "<data>") -> Deal:
    """A deal from already-parsed data, such as a JSON request's body."""
    return parse_deal(Located(data, file))


def parse_deal(located: Located) -> Deal:
    if not isinstance(located.data, dict):
        raise DealError(
            [located.problem("a deal file must be a mapping with deal: and customer:")]
        )
    try:
        return Deal.model_validate(located.data)
    except ValidationError as error:
        raise DealError(problems_from_validation(error, located)) from None


def load_entries(path: str | Path) -> list[Entry]:
    """Read an entries file: a list of entries, or a mapping with ``entries:``."""
    located = _read(Path(path))
    data = located.data
    prefix: tuple[str, ...] = ()
    if isinstance(data, dict) and "entries" in data:
        data, prefix = data["entries"], ("entries",)
    if not isinstance(data, list):
        raise DealError(
            [
                located.problem(
                    "an entries file holds a list of entries, each with kind:"
                )
            ]
        )
    try:
        return _ENTRIES.validate_python(data)
    except ValidationError as error:
        raise DealError(problems_from_validation(error, located, prefix)) from None


def _read(path: Path) -> Located:
    try:
        return load_file(path)
    except ValueError as error:
        raise DealError([error.args[0]]) from None


def _parse(text: str, file: str) -> Located:
    try:
        return load(text, file)
    except ValueError as error:
        raise DealError([error.args[0]]) from None
