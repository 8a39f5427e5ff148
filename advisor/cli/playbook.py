"""``advisor playbook ...``: commands for the people who write playbooks."""

from __future__ import annotations

import click

from ..consult import load_playbook
from . import cli


@cli.group()
def playbook() -> None:
    """Check and work on playbooks."""


@playbook.command()
@click.argument("path", type=click.Path(dir_okay=False))
def validate(path: str) -> None:
    """Check the playbook at PATH and the rule modules it includes.

    Every problem is printed as FILE:LINE:COLUMN: MESSAGE; the exit status is
    0 when the playbook is valid and 2 when it is not.

    \b
    Example:
      advisor playbook validate playbooks/default.yaml
    """
    plan = load_playbook(path)
    click.echo(
        f"{path}: valid playbook {plan.name} {plan.version}, "
        f"{len(plan.rules)} rules, {len(plan.strategies)} strategies, "
        f"{len(plan.rebuttals)} rebuttals"
    )
