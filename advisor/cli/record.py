"""After the meeting: close a session, mark the advice, print the record, review.

``advisor session close`` and ``advisor session mark`` join the ``session``
group; ``advisor record`` and ``advisor review`` are top-level commands.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path

import click

from ..consult import Advisor, guess_language
from ..deal import CustomerType, Deal
from ..errors import SessionError, did_you_mean
from ..outcome import OUTCOMES, parse_agreed
from ..playbook import read_playbook
from ..record import FORMATS, LANGUAGES, build_record, render_record
from ..resources import default_playbook
from ..review import Replay, Review, build_review, render_review, replay
from ..store import Store
from ..suggest import MIN_SAMPLE, playbook_patch, suggest
from . import cli
from .options import store_option
from .session import session


@session.command("close")
@click.argument("session_id", metavar="SID")
@click.option(
    "--outcome",
    type=click.Choice(OUTCOMES),
    required=True,
    help="How the negotiation ended: won, lost, pending or continued.",
)
@click.option(
    "--agreed",
    multiple=True,
    metavar="TERM=VALUE",
    help="A term agreed, e.g. contract_amount=480000; repeat for each term.",
)
@click.option(
    "--met", multiple=True, metavar="GOAL", help="A goal without numbers that was met."
)
@click.option(
    "--missed",
    multiple=True,
    metavar="GOAL",
    help="A goal without numbers that was missed.",
)
@store_option
def close_session(
    session_id: str,
    outcome: str,
    agreed: tuple[str, ...],
    met: tuple[str, ...],
    missed: tuple[str, ...],
    store: str | None,
) -> None:
    """Close session SID with its outcome, the terms agreed and judged goals.

    Goals with numbers are judged from the agreed terms; name goals without
    numbers with --met or --missed. Closing again later (a pending deal that
    was won) replaces the outcome; the earlier one stays in the history.

    \b
    Example:
      advisor session close S12 --outcome won --agreed price=480000 \\
          --agreed payment=45 --met support
    """
    terms = parse_agreed(agreed)
    with Store(store) as opened:
        deal = Deal.model_validate(opened.session(session_id).deal)
        goals = _judged_goals(deal, met, missed)

        for goal, was_met in goals.items():
            opened.record_goal_result(session_id, goal, was_met, author=_author())
        opened.record_outcome(session_id, outcome, terms, author=_author())

        record = build_record(opened, session_id)
    rate = (
        ""
        if record.achievement is None
        else f"; goal achievement {record.achievement:.0%}"
    )
    missed_musts = (
        f"; missed must-goals: {', '.join(record.missed_musts)}"
        if record.missed_musts
        else ""
    )
    click.echo(f"closed {session_id} as {outcome}{rate}{missed_musts}")


def _judged_goals(
    deal: Deal, met: tuple[str, ...], missed: tuple[str, ...]
) -> dict[str, bool]:
    judged = {goal: True for goal in met} | {goal: False for goal in missed}
    known = [goal.id for goal in deal.goals]
    for goal in judged:
        if goal not in known:
            raise SessionError(
                f"the deal has no goal {goal!r}; {did_you_mean(goal, known)}"
            )
    return judged


@session.command("mark")
@click.argument("session_id", metavar="SID")
@click.argument("item")
@click.option(
    "--used/--not-used", default=None, help="Whether the advice was followed."
)
@click.option(
    "--worked/--did-not-work", default=None, help="Whether it worked when followed."
)
@store_option
def mark_advice(
    session_id: str,
    item: str,
    used: bool | None,
    worked: bool | None,
    store: str | None,
) -> None:
    """Mark ITEM, a strategy or rebuttal the session got, as used and as working.

    ITEM is the strategy or rebuttal id the advice shows (for example
    value_for_money or delivery_priority). Marking again replaces what you
    said before; the review counts these marks.

    \b
    Examples:
      advisor session mark S12 value_for_money --used --worked
      advisor session mark S12 delivery_priority --not-used
    """
    if used is None and worked is None:
        raise click.UsageError(
            "say --used or --not-used, and/or --worked or --did-not-work"
        )
    with Store(store) as opened:
        given = {
            (a.item_type, a.item_key)
            for a in opened.advice(session_id)
            if a.item_type != "flag"
        }
        types = sorted(item_type for item_type, key in given if key == item)
        if not types:
            keys = sorted({key for _, key in given})
            raise SessionError(
                f"session {session_id} got no advice {item!r}; "
                f"{did_you_mean(item, keys)}"
            )
        for item_type in types:
            opened.record_mark(
                session_id,
                item_type,
                item,
                used=used,
                effective=worked,
                author=_author(),
            )
    click.echo(f"marked {item} in {session_id}")


@cli.command("record")
@click.argument("session_id", metavar="SID")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="markdown",
    show_default=True,
    help="markdown for a CRM note, html to print or share, json for tools.",
)
@click.option(
    "--lang", type=click.Choice(LANGUAGES), help="By default the deal's own language."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE, not stdout."
)
@store_option
def record_command(
    session_id: str,
    output_format: str,
    lang: str | None,
    output: str | None,
    store: str | None,
) -> None:
    """Print the negotiation record of session SID, in the handbook's sections.

    Basic information, core topics with both sides' positions and attitude
    changes, key objections and replies, results and goal achievement, open
    issues, next actions, and the strategy evaluation. The HTML is one file
    with its charts inside; it prints well.

    \b
    Examples:
      advisor record S12 > S12.md
      advisor record S12 --format html --lang en -o S12.html
    """
    with Store(store) as opened:
        record = build_record(opened, session_id)
        deal = Deal.model_validate(opened.session(session_id).deal)
    text = render_record(record, output_format, lang or guess_language(deal))
    _write(text, output)


@cli.command("review")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Sessions opened on or after DATE.",
)
@click.option(
    "--customer-type",
    type=click.Choice([kind.value for kind in CustomerType]),
    help="Only this customer type.",
)
@click.option(
    "--playbook",
    metavar="NAME[@VERSION]",
    help="Only sessions opened with this playbook.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
    help="text for a terminal, json for tools, html to share (with charts).",
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option(
    "--suggest",
    "suggest_changes",
    is_flag=True,
    help="Print playbook changes as a patch.",
)
@click.option(
    "--target",
    type=click.Path(dir_okay=False, exists=True),
    help="The playbook file --suggest patches; the shipped default if not given.",
)
@click.option(
    "--min-sample",
    type=click.IntRange(min=1),
    default=MIN_SAMPLE,
    show_default=True,
    help="Fewest decided negotiations on each side before --suggest says anything.",
)
@click.option(
    "--replay",
    "replay_file",
    type=click.Path(dir_okay=False, exists=True),
    help="Replay the sessions against this playbook and show how its advice differs.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), help="With --replay: the newest N sessions."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE, not stdout."
)
@store_option
def review_command(
    since: object,
    customer_type: str | None,
    playbook: str | None,
    output_format: str,
    lang: str,
    suggest_changes: bool,
    target: str | None,
    min_sample: int,
    replay_file: str | None,
    limit: int | None,
    output: str | None,
    store: str | None,
) -> None:
    """Review the stored negotiations: win rates, advice that worked, changed needs.

    Win rate and goal achievement overall, by customer type, deal kind and
    playbook version; each strategy and rebuttal advised, used, and the win
    rate when used against when not, with counts; objections by customer
    type and the replies that worked; needs customers added over time.

    --suggest prints reviewable playbook changes as a patch (apply it with
    git apply); --replay shows how another playbook version would have
    advised the same sessions.

    \b
    Examples:
      advisor review --since 2026-01-01 --customer-type price_sensitive
      advisor review --format html -o review.html
      advisor review --suggest --target playbooks/default.yaml > change.patch
      git apply change.patch
      advisor review --replay playbooks/new.yaml --limit 50
    """
    since_text = since.date().isoformat() if isinstance(since, datetime) else None
    with Store(store) as opened:
        if replay_file:
            result = replay(
                opened,
                Advisor.load(replay_file),
                since_text,
                customer_type,
                playbook,
                limit,
            )
            text = (
                result.model_dump_json(indent=2) + "\n"
                if output_format == "json"
                else _replay_text(result)
            )
        else:
            review = build_review(opened, since_text, customer_type, playbook)
            if suggest_changes:
                text = _suggestions(review, target, min_sample, output_format)
            else:
                text = render_review(review, output_format, lang)
    _write(text, output)


def _suggestions(
    review: Review, target: str | None, min_sample: int, output_format: str
) -> str:
    source = read_playbook(target or default_playbook())
    changes = suggest(review, source, min_sample)
    patch = playbook_patch(source, changes)
    if output_format == "json":
        data = {
            "min_sample": min_sample,
            "suggestions": [
                {
                    "kind": c.kind,
                    "target": c.target,
                    "rules": c.rules,
                    "reason": c.reason,
                }
                for c in changes
            ],
            "patch": patch,
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if not changes:
        return (
            f"# No playbook change: no strategy, rebuttal or customer type has "
            f"{min_sample} decided negotiations on each side with a clear difference.\n"
        )
    reasons = "".join(f"# {change.reason}\n" for change in changes)
    title = f"# Suggested changes to {source.path.name} (review, then git apply):\n"
    return f"{title}{reasons}{patch}"


def _replay_text(result: Replay) -> str:
    lines = [
        f"Replayed {result.sessions} sessions against {result.playbook}: "
        f"{result.changed} would get different advice."
    ]
    for item, count in sorted(result.gained.items(), key=lambda i: (-i[1], i[0])):
        lines.append(f"  + {item} (in {count} sessions)")
    for item, count in sorted(result.lost.items(), key=lambda i: (-i[1], i[0])):
        lines.append(f"  - {item} (in {count} sessions)")
    for diff in result.diffs:
        changes = [f"+{item}" for item in diff.added] + [
            f"-{item}" for item in diff.removed
        ]
        lines.append(f"{diff.session} ({diff.recorded_with}): {'; '.join(changes)}")
    return "\n".join(lines) + "\n"


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise click.FileError(output, hint=str(error)) from error
    click.echo(f"wrote {output}", err=True)


def _author() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
