"""``advisor explain``: why one rule fired for a deal, or what it missed."""

from __future__ import annotations

from pathlib import Path

import click

from ..consult import Advisor
from ..entries import Entry
from ..explain import explain_rule
from ..inputs import load_deal, load_entries
from . import cli


@cli.command()
@click.argument("deal", type=click.Path(dir_okay=False))
@click.option(
    "--rule",
    "rule_id",
    required=True,
    help="The id of the rule to explain, as the brief shows it.",
)
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
def explain(
    deal: str, rule_id: str, entries_file: str | None, playbook: str | None
) -> None:
    """Explain why rule RULE fired for DEAL, or why it did not.

    For a rule that fired: the facts it matched and, for facts other rules
    derived, the chain of rules and facts behind them. For a rule that did
    not fire: each unmet condition with the value the deal had, closest
    first, so you see what would change the advice.

    \b
    Examples:
      advisor explain examples/deal-en.yaml --rule check.competitor_in_contact
      advisor explain deal.yaml --entries meeting.yaml --rule guard.position_warning
    """
    parsed = load_deal(Path(deal))
    entries: list[Entry] = load_entries(entries_file) if entries_file else []

    explanation = explain_rule(Advisor.load(playbook), parsed, rule_id, entries)

    click.echo(explanation.to_text(), nl=False)
