"""The ``advisor`` command: thin doors onto the library's functions.

Each command turns its arguments into calls of the public API and the result
into output. Errors the user can fix are printed as one clear message with
exit status 1 (bad data) or 2 (a bad playbook or bad usage), never a
traceback; ``-v`` and ``-vv`` show the library's logs.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from ..errors import AdvisorError

logger = logging.getLogger("advisor")


class AdvisorGroup(click.Group):
    """A command group that turns the advisor's errors into clean exits."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AdvisorError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Show what the advisor does: -v for steps, -vv for facts and rules.",
)
@click.version_option(package_name="negotiation-advisor")
def cli(verbose: int) -> None:
    """A rule-based strategy advisor for sales negotiations.

    Prepare a negotiation in a deal file, consult a playbook of rules, and
    get a brief: strategies, flags on goals and bottom lines, and replies to
    the objections you expect, each explained by the rule behind it.

    \b
    Example:
      advisor consult examples/deal-en.yaml --explain
    """
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


def main() -> None:
    """The console entry point."""
    cli(prog_name="advisor")


from . import consult as _consult  # noqa: E402,F401  (registers commands)
from . import explain as _explain  # noqa: E402,F401
from . import playbook as _playbook  # noqa: E402,F401
from . import record as _record  # noqa: E402,F401
from . import session as _session  # noqa: E402,F401
