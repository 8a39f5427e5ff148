"""Options that several commands share, written once so they read the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..render import RENDERERS
from ..store import STORE_ENV

F = TypeVar("F", bound=Callable[..., Any])


def store_option(command: F) -> F:
    """``--store``: the record store file."""
    return click.option(
        "--store",
        type=click.Path(dir_okay=False),
        help=f"The record store file; default ${STORE_ENV}, else "
        "~/.local/share/advisor/record.sqlite3.",
    )(command)


def lang_option(command: F) -> F:
    """``--lang``: the language of the advice."""
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        help="Language of the advice; by default the deal's own.",
    )(command)


def brief_format_option(command: F) -> F:
    """``--format`` for a brief: text, markdown or json."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(sorted(RENDERERS)),
        default="text",
        show_default=True,
        help="text for a terminal, markdown for a CRM note, json for tools.",
    )(command)


def explain_option(command: F) -> F:
    """``--explain``: show the facts behind each piece of advice."""
    return click.option(
        "--explain", is_flag=True, help="Show the facts behind each item."
    )(command)
