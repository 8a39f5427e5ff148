"""The interactive prompt of ``advisor session live``.

A salesperson in a meeting types entries as for ``advisor session add``
(without the session id) and sees the advice delta at once. In a terminal
the prompt completes kinds, topics and terms with Tab; when standard input
is not a terminal (a pipe, a test) lines are read plainly.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter

from ..entries import ATTITUDES, ENTRY_KINDS, OBJECTION_TYPES, TERM_ALIASES, TERM_TOPICS
from ..errors import AdvisorError
from ..render import to_text
from ..session import AdviceDelta, LiveSessions
from .shortform import KIND_ALIASES, OPTIONS, SHORT_FORMS, entry_data, split_line, usage

ReadLine = Callable[[str], str]

COMMANDS = ("help", "show", "packages", "quit")
_TOPICS = ("price", "service", "terms", "delivery")


def completion_words() -> list[str]:
    """Every word the prompt completes: commands, kinds, terms, topics, options."""
    words = [
        *COMMANDS,
        *ENTRY_KINDS,
        *KIND_ALIASES,
        *_TOPICS,
        *TERM_ALIASES,
        *TERM_TOPICS,
        *OBJECTION_TYPES,
        *ATTITUDES,
        "us",
        "customer",
        *(f"--{name}" for name in OPTIONS),
    ]
    return list(dict.fromkeys(words))


def terminal_reader() -> ReadLine:
    """A prompt with completion when stdin is a terminal, else plain lines."""
    if sys.stdin.isatty():
        prompt: PromptSession[str] = PromptSession(
            completer=WordCompleter(completion_words(), ignore_case=True)
        )
        return lambda text: prompt.prompt(text)
    return _plain_reader


def run_live(
    sessions: LiveSessions,
    session_id: str,
    author: str | None,
    lang: str | None,
    render: Callable[[AdviceDelta], str],
    read_line: ReadLine | None = None,
) -> int:
    """Read entries until ``quit`` or end of input; return how many were recorded.

    A bad line prints its error and the prompt stays open: nothing typed
    in a meeting should end the session.
    """
    read = read_line or terminal_reader()
    sessions.store.session(session_id)
    recorded = 0
    click.echo(f"{session_id}: type an entry, 'help' or 'quit'.")
    while True:
        try:
            line = read(f"{session_id}> ").strip()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if line in ("quit", "exit", "q"):
            break
        try:
            recorded += _handle(sessions, session_id, line, author, lang, render)
        except AdvisorError as error:
            click.echo(f"error: {error}", err=True)
    return recorded


def _handle(
    sessions: LiveSessions,
    session_id: str,
    line: str,
    author: str | None,
    lang: str | None,
    render: Callable[[AdviceDelta], str],
) -> int:
    if not line:
        return 0
    if line == "help":
        click.echo("\n".join(usage(kind) for kind in SHORT_FORMS))
        return 0
    if line == "show":
        click.echo(to_text(sessions.show_session(session_id, lang).advice), nl=False)
        return 0
    if line == "packages":
        for item in sessions.packages(session_id, lang):
            click.echo(f"- {item.title}: {item.terms}")
        return 0
    word, values, options = split_line(line)
    delta = sessions.add_entry(
        session_id, entry_data(word, values, options), author, lang
    )
    click.echo(render(delta), nl=False)
    return 1


def _plain_reader(text: str) -> str:
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line
