"""``advisor consult``: the pre-meeting brief for one deal."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..consult import Advisor
from ..entries import Entry
from ..inputs import deal_from_text, load_deal, load_entries
from ..render import RENDERERS
from ..schemas import schema_text
from . import cli
from .options import brief_format_option, explain_option, lang_option


@cli.command()
@click.argument("deal", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--entries",
    "entries_file",
    type=click.Path(dir_okay=False),
    help="A YAML or JSON file of entries recorded so far.",
)
@click.option(
    "--playbook",
    type=click.Path(dir_okay=False),
    help="The playbook to consult; the shipped default if not given.",
)
@lang_option
@brief_format_option
@explain_option
def consult(
    deal: str,
    entries_file: str | None,
    playbook: str | None,
    lang: str | None,
    output_format: str,
    explain: bool,
) -> None:
    """Print the brief for DEAL, a deal file in YAML or JSON ('-' reads stdin).

    The brief lists strategies in priority order, flags by severity, replies
    to the expected (and raised) objections, and goals by tier with their
    bottom lines. Each item names the rule that gave it.

    \b
    Examples:
      advisor consult examples/deal-zh.yaml
      advisor consult deal.yaml --entries meeting.yaml --format markdown
      cat deal.json | advisor consult - --format json
    """
    parsed = deal_from_text(sys.stdin.read()) if deal == "-" else load_deal(Path(deal))
    entries: list[Entry] = load_entries(entries_file) if entries_file else []

    advice = Advisor.load(playbook).consult(parsed, entries, lang=lang)

    click.echo(RENDERERS[output_format](advice, explain), nl=False)


@cli.command(name="schema")
@click.argument("name", type=click.Choice(["advice", "deal", "entries"]))
def schema_command(name: str) -> None:
    """Print the JSON Schema of NAME: the advice JSON, a deal file, or entries.

    \b
    Example:
      advisor schema advice > advice.schema.json
    """
    click.echo(schema_text(name), nl=False)
