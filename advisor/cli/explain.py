"""``advisor explain``: why one rule fired for a deal, or what it missed."""

from __future__ import annotations

from pathlib import Path

import click

from ..consult import Advisor
from ..deal import Deal
from ..entries import Entry
from ..explain import explain_rule
from ..inputs import load_deal, load_entries
from ..session import LiveSessions
from . import cli
from .options import store_option


@cli.command()
@click.argument("deal", required=False, type=click.Path(dir_okay=False))
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
    "--session",
    "session_id",
    help="Explain for a live session's deal and entries instead of DEAL.",
)
@store_option
@click.option(
    "--playbook",
    type=click.Path(dir_okay=False),
    help="The playbook to consult; by default the session's, else the shipped one.",
)
def explain(
    deal: str | None,
    rule_id: str,
    entries_file: str | None,
    session_id: str | None,
    store: str | None,
    playbook: str | None,
) -> None:
    """Explain why rule RULE fired for DEAL, or why it did not.

    For a rule that fired: the facts it matched and, for facts other rules
    derived, the chain of rules and facts behind them. For a rule that did
    not fire: each unmet condition with the value the deal had, closest
    first, so you see what would change the advice. Give a deal file, or a
    live session with --session.

    \b
    Examples:
      advisor explain examples/deal-en.yaml --rule check.competitor_in_contact
      advisor explain --session s-1 --rule guard.position_warning
    """
    if (deal is None) == (session_id is None):
        raise click.UsageError("give either a DEAL file or --session SID")
    if session_id is not None:
        if entries_file:
            raise click.UsageError("--entries goes with a DEAL file, not --session")
        parsed, entries, playbook = _session_inputs(session_id, store, playbook)
    else:
        assert deal is not None
        parsed = load_deal(Path(deal))
        entries = load_entries(entries_file) if entries_file else []

    explanation = explain_rule(Advisor.load(playbook), parsed, rule_id, entries)

    click.echo(explanation.to_text(), nl=False)


def _session_inputs(
    session_id: str, store: str | None, playbook: str | None
) -> tuple[Deal, list[Entry], str | None]:
    with LiveSessions(store) as sessions:
        view = sessions.show_session(session_id)
        recorded = sessions.store.session(session_id).playbook_path
    entries = [item.entry for item in view.entries]
    return view.deal, entries, playbook or recorded
