"""``advisor session``: record a live negotiation and get advice after each entry."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import SessionError
from ..inputs import deal_from_text, load_deal
from ..render import RENDERERS
from ..session import (
    AdviceDelta,
    AdviceItem,
    LiveSessions,
    SessionView,
    export_json,
)
from . import cli
from .options import brief_format_option, explain_option, lang_option, store_option
from .shortform import entry_data

F = TypeVar("F", bound=Callable[..., Any])

_WORDS = {
    "en": {
        "recorded": "entry {seq} recorded in {sid}",
        "opened": "opened session {sid} ({title}); add entries with: "
        "advisor session add {sid} KIND ...",
        "new": "New",
        "resolved": "Resolved",
        "nothing": "No change in the advice.",
        "standing": "{count} items of advice stand; 'advisor session show {sid}' "
        "lists them.",
        "entries": "Entries",
        "corrects": "corrects",
        "no_sessions": "No sessions yet; open one with: advisor session new DEAL",
        "no_packages": "No packages: the bottom lines and must-goals leave "
        "too little room, or the deal has no price bottom line.",
    },
    "zh": {
        "recorded": "已记录 {sid} 第 {seq} 条",
        "opened": "已开启会话 {sid}（{title}）；用 advisor session add {sid} KIND ... "
        "记录",
        "new": "新增",
        "resolved": "已解除",
        "nothing": "建议没有变化。",
        "standing": "当前共 {count} 条建议；用 'advisor session show {sid}' 查看。",
        "entries": "记录",
        "corrects": "更正",
        "no_sessions": "还没有会话；用 advisor session new DEAL 开启。",
        "no_packages": "没有可提的方案：底线和必达目标留下的空间太小，"
        "或交易没有价格底线。",
    },
}
_MARK = {"recommendation": "+", "rebuttal": ">"}
_SEVERITY = {"blocking": "BLOCK", "critical": "CRIT", "warning": "WARN", "info": "INFO"}


def format_option(command: F) -> F:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="text for a terminal, json for tools.",
    )(command)


@cli.group()
def session() -> None:
    """Record a live negotiation and get advice after every entry.

    Each entry is saved to the record store before its advice is shown; the
    advice lists what is new and what was resolved since the entry before.

    \b
    Example:
      advisor session new examples/deal-zh.yaml
      advisor session add S1 concession price 600000 560000 --for "payment 30 days"
    """


@session.command("new")
@click.argument("deal", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--playbook", type=click.Path(dir_okay=False, exists=True))
@click.option("--author", help="Who records; default $ADVISOR_AUTHOR or your login.")
@store_option
def new_session(
    deal: str, playbook: str | None, author: str | None, store: str | None
) -> None:
    """Open a session for DEAL (a deal file; '-' reads stdin) and print its id.

    The id goes to standard output, so scripts can keep it; how to go on
    goes to standard error.

    \b
    Example:
      SID=$(advisor session new examples/deal-zh.yaml)
    """
    parsed = deal_from_text(sys.stdin.read()) if deal == "-" else load_deal(Path(deal))
    with LiveSessions(store) as sessions:
        delta = sessions.open_session(parsed, playbook, author or _author())
    words = _words(parsed.deal.title)
    click.echo(delta.session)
    click.echo(
        words["opened"].format(sid=delta.session, title=parsed.deal.title), err=True
    )


@session.command("add")
@click.argument("session_id", metavar="SID")
@click.argument("kind", required=False)
@click.argument("values", nargs=-1)
@click.option("--for", "in_return", help="What we got back for a concession.")
@click.option("--topic", help="The topic of an attitude: price, service, terms, ...")
@click.option("--from", "before", help="The attitude before, e.g. hesitant.")
@click.option("--by", type=click.Choice(["us", "customer"]), help="Who made an offer.")
@click.option("--reply", help="The reply used on an objection.")
@click.option("--effect", type=click.Choice(["worked", "partly", "failed"]))
@click.option("--owner", help="Who owns an open issue or a next action.")
@click.option("--due", help="By when an open issue or next action is due.")
@click.option("--text", help="A text for any kind that takes one.")
@click.option("--corrects", type=int, help="The number of the entry this corrects.")
@click.option(
    "--json",
    "json_file",
    type=click.File("r", encoding="utf-8"),
    help="Read the entry as JSON from a file ('-' for stdin).",
)
@click.option("--author", help="Who records; default $ADVISOR_AUTHOR or your login.")
@store_option
@format_option
@lang_option
def add_entry(
    session_id: str,
    kind: str | None,
    values: tuple[str, ...],
    json_file: Any,
    corrects: int | None,
    author: str | None,
    store: str | None,
    output_format: str,
    lang: str | None,
    **options: str | None,
) -> None:
    """Record one entry in session SID and print what changed in the advice.

    KIND is agenda, keyword, demand, response, attitude, offer, concession,
    objection, agreement, open_issue (or issue), next_action (or action) or
    note, followed by its values:

    \b
      agenda ITEMS...            keyword WORDS...
      demand TOPIC TEXT          response TOPIC TEXT
      attitude [FROM] TO         offer TERM VALUE [--by customer]
      concession TERM FROM TO [--for TEXT]
      objection TYPE TEXT [--reply TEXT] [--effect worked|partly|failed]
      agreement TERM VALUE       agreement TEXT
      issue TEXT [--owner WHO] [--due WHEN]
      action TEXT [--owner WHO] [--due WHEN]
      note TEXT

    Terms may be short: price, payment, delivery, training, service.

    \b
    Examples:
      advisor session add S12 concession price 550000 520000 --for "payment 30 days"
      advisor session add S12 objection price "竞品更便宜"
      advisor session add S12 attitude firm --topic price
      echo '{"kind": "note", "text": "CFO joined"}' | advisor session add S12 --json -
    """
    data = _entry_from_arguments(kind, values, json_file, options)
    with LiveSessions(store) as sessions:
        if corrects is not None:
            delta = sessions.correct_entry(
                session_id, corrects, data, author or _author(), lang
            )
        else:
            delta = sessions.add_entry(session_id, data, author or _author(), lang)
        title = sessions.store.session(session_id).title
    click.echo(_delta_output(delta, output_format, lang, title), nl=False)


@session.command("show")
@click.argument("session_id", metavar="SID")
@brief_format_option
@explain_option
@store_option
@lang_option
def show_session(
    session_id: str,
    output_format: str,
    explain: bool,
    store: str | None,
    lang: str | None,
) -> None:
    """Print session SID: every entry, then the advice that holds now.

    \b
    Example:
      advisor session show S12 --format markdown
    """
    with LiveSessions(store) as sessions:
        view = sessions.show_session(session_id, lang)
    if output_format == "json":
        click.echo(
            json.dumps(
                view.model_dump(mode="json", by_alias=True),
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(_entries_text(view, output_format == "markdown"))
    click.echo(RENDERERS[output_format](view.advice, explain), nl=False)


@session.command("list")
@store_option
@format_option
def list_sessions(store: str | None, output_format: str) -> None:
    """List the sessions in the record store, oldest first.

    \b
    Example:
      advisor session list --store team.sqlite3
    """
    with LiveSessions(store) as sessions:
        found = sessions.list_sessions()
    if output_format == "json":
        data = [item.model_dump(mode="json") for item in found]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(_WORDS["en"]["no_sessions"])
    for item in found:
        click.echo(
            f"{item.id:<6} {item.created_at[:16].replace('T', ' ')}  {item.status:<7}"
            f" {item.entries:>4}  {item.customer}: {item.title}"
        )


@session.command("export")
@click.argument("session_id", metavar="SID")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output.",
)
@store_option
def export_session(session_id: str, output: str | None, store: str | None) -> None:
    """Print session SID as JSON: deal, entries and every piece of advice given.

    \b
    Example:
      advisor session export S12 -o S12.json
    """
    with LiveSessions(store) as sessions:
        text = export_json(sessions.export_session(session_id))
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@session.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@store_option
def import_session(file: str, store: str | None) -> None:
    """Add a session exported as JSON to the store, keeping its id.

    \b
    Example:
      advisor session import S12.json --store team.sqlite3
    """
    name = "<stdin>" if file == "-" else file
    text = sys.stdin.read() if file == "-" else _read(Path(file))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SessionError(
            f"{name}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}); "
            "import a file written by 'advisor session export'"
        ) from None
    with LiveSessions(store) as sessions:
        summary = sessions.import_session(data, name)
    click.echo(summary.id)


@session.command("packages")
@click.argument("session_id", metavar="SID")
@store_option
@format_option
@lang_option
def packages(
    session_id: str, store: str | None, output_format: str, lang: str | None
) -> None:
    """Print two or three offer packages of equal value to us for SID.

    The packages start from our latest price and payment term; none passes
    a bottom line or a must-goal. The playbook's settings weigh the terms.

    \b
    Example:
      advisor session packages S12
    """
    with LiveSessions(store) as sessions:
        found = sessions.packages(session_id, lang)
        title = sessions.store.session(session_id).title
    if output_format == "json":
        data = [item.model_dump(mode="json") for item in found]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    words = _words(title, lang)
    if not found:
        click.echo(words["no_packages"])
    for number, item in enumerate(found, start=1):
        terms = "; ".join(
            f"{term} {_number(value)}" for term, value in item.terms.items()
        )
        dropped = f"; - {', '.join(item.gives_up)}" if item.gives_up else ""
        click.echo(
            f"{number}. {item.title}: {terms}{dropped} (= {_number(item.value)})"
        )


@session.command("live")
@click.argument("session_id", metavar="SID")
@click.option("--author", help="Who records; default $ADVISOR_AUTHOR or your login.")
@store_option
@lang_option
def live(
    session_id: str, author: str | None, store: str | None, lang: str | None
) -> None:
    """Keep a prompt open on SID: type entries as for 'add', see advice at once.

    Tab completes kinds, topics and terms. Type 'help' for the forms,
    'show' for the whole advice, 'packages' for offer packages, 'quit' to
    leave. Every entry is saved as soon as it is typed.

    \b
    Example:
      advisor session live S12
      > concession price 600000 570000 --for "payment 30 days"
    """
    from .live import run_live

    with LiveSessions(store) as sessions:
        title = sessions.store.session(session_id).title
        run_live(
            sessions,
            session_id,
            author or _author(),
            lang,
            lambda delta: _delta_output(delta, "text", lang, title),
        )


def _entry_from_arguments(
    kind: str | None,
    values: tuple[str, ...],
    json_file: Any,
    options: dict[str, str | None],
) -> dict[str, Any]:
    if json_file is not None:
        if kind or values:
            raise SessionError("give the entry either as --json or as words, not both")
        try:
            data = json.load(json_file)
        except json.JSONDecodeError as error:
            raise SessionError(
                f"the entry JSON is not valid at line {error.lineno}, column "
                f"{error.colno}: {error.msg}"
            ) from None
        if not isinstance(data, dict):
            raise SessionError('the entry JSON must be an object with a "kind"')
        return data
    if kind is None:
        raise SessionError(
            "name the entry kind after the session id, e.g. "
            "advisor session add S1 note 'CFO joined'"
        )
    renamed = {"in_return": "for", "before": "from"}
    named = {renamed.get(name, name): value for name, value in options.items()}
    return entry_data(kind, values, named)


def _delta_output(
    delta: AdviceDelta, output_format: str, lang: str | None, title: str
) -> str:
    if output_format == "json":
        return (
            json.dumps(delta.model_dump(mode="json"), ensure_ascii=False, indent=2)
            + "\n"
        )
    return delta_text(delta, _language(title, lang))


def delta_text(delta: AdviceDelta, lang: str) -> str:
    """The advice delta for a terminal: what is new, what was resolved."""
    words = _WORDS.get(lang, _WORDS["en"])
    lines = [words["recorded"].format(seq=delta.entry, sid=delta.session)]
    if delta.new:
        lines.append(f"{words['new']}:")
        lines.extend(_item_line(item) for item in delta.new)
    if delta.resolved:
        lines.append(f"{words['resolved']}:")
        lines.extend(_item_line(item) for item in delta.resolved)
    if not delta.new and not delta.resolved:
        lines.append(words["nothing"])
    count = len(delta.standing)
    lines.append(words["standing"].format(count=count, sid=delta.session))
    return "\n".join(lines) + "\n"


def _item_line(item: AdviceItem) -> str:
    mark = _SEVERITY.get(item.severity or "", _MARK.get(item.type, "-"))
    return f"  {mark:<5} {item.text}  [{item.rule}]"


def _entries_text(view: SessionView, markdown: bool) -> str:
    summary = view.summary
    words = _WORDS.get(view.advice.lang, _WORDS["en"])
    head = f"{summary.id} {summary.customer}: {summary.title} ({summary.status})"
    lines = [f"# {head}" if markdown else head, "", f"{words['entries']}:"]
    if markdown:
        lines[-1] = f"## {words['entries']}"
        lines.append("")
    for recorded in view.entries:
        entry = recorded.entry.model_dump(mode="json", by_alias=True, exclude_none=True)
        fields = ", ".join(
            f"{key}={' / '.join(value) if isinstance(value, list) else value}"
            for key, value in entry.items()
            if key not in ("id", "kind", "at", "author", "corrects")
        )
        fix = f" ({words['corrects']} {recorded.corrects})" if recorded.corrects else ""
        at = recorded.at[11:16]
        line = f"{recorded.seq:>3}. {at} {entry['kind']}{fix}: {fields}"
        lines.append(f"- {line.strip()}" if markdown else line)
    lines.append("")
    return "\n".join(lines)


def _author() -> str | None:
    try:
        return os.environ.get("ADVISOR_AUTHOR") or getpass.getuser()
    except (KeyError, OSError):
        return None


def _words(title: str, lang: str | None = None) -> dict[str, str]:
    return _WORDS[_language(title, lang)]


def _language(title: str, lang: str | None) -> str:
    if lang:
        return lang
    return "zh" if any("\u4e00" <= char <= "\u9fff" for char in title) else "en"


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise SessionError(f"cannot read {path}: {error.strerror}") from None
