"""``advisor session``: the commands a salesperson types during a meeting."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from advisor import LiveSessions, SessionError
from advisor.cli import cli
from advisor.cli.live import completion_words, run_live
from advisor.cli.session import delta_text
from advisor.cli.shortform import entry_data, number, split_line

ROOT = Path(__file__).resolve().parent.parent
ZH = str(ROOT / "examples" / "deal-zh.yaml")
EN = str(ROOT / "examples" / "deal-en.yaml")


@pytest.fixture
def store(tmp_path: Path) -> str:
    return str(tmp_path / "record.sqlite3")


def run(store: str, *args: str, stdin: str | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, ["session", *args, "--store", store], input=stdin)


def opened(store: str, deal: str = ZH) -> str:
    result = run(store, "new", deal)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_new_prints_only_the_session_id_on_stdout(store: str) -> None:
    result = run(store, "new", EN)

    assert result.exit_code == 0
    assert result.stdout == "S1\n"
    assert result.stderr == (
        "opened session S1 (Northwind Logistics platform renewal); add entries "
        "with: advisor session add S1 KIND ...\n"
    )


def test_the_store_can_be_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADVISOR_STORE", str(tmp_path / "env.sqlite3"))

    result = CliRunner().invoke(cli, ["session", "new", EN])

    assert result.exit_code == 0
    assert (tmp_path / "env.sqlite3").exists()


def test_add_prints_the_new_advice(store: str) -> None:
    sid = opened(store, EN)

    result = run(store, "add", sid, "objection", "trust", "Outage again?")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:3] == [
        "entry 4 recorded in S1",
        "New:",
        "  >     Offer reference customers among the leaders of their industry "
        "with contacts, attach authoritative test reports, and if needed invite "
        "them to visit a reference site.  [rebut.live_trust]",
    ]


def test_add_reads_the_short_concession_form(store: str) -> None:
    sid = opened(store)

    result = run(
        store,
        "add",
        sid,
        "concession",
        "price",
        "600,000",
        "57万",
        "--for",
        "payment 30 days",
        "--format",
        "json",
    )

    delta = json.loads(result.stdout)
    assert delta["entry"] == 1
    exported = json.loads(run(store, "export", sid).stdout)
    assert exported["entries"][0]["entry"] == {
        "kind": "concession",
        "term": "contract_amount",
        "from": 600000,
        "to": 570000,
        "for": "payment 30 days",
        "at": exported["entries"][0]["at"],
        "author": exported["entries"][0]["author"],
        "id": 1,
    }


def test_add_reads_an_entry_as_json_from_stdin(store: str) -> None:
    sid = opened(store)

    result = run(
        store,
        "add",
        sid,
        "--json",
        "-",
        "--author",
        "张伟",
        stdin='{"kind": "attitude", "topic": "price", "to": "firm"}',
    )

    assert result.exit_code == 0, result.output
    assert "守住必达目标，在其他条件上找出路" in result.stdout
    assert json.loads(run(store, "export", sid).stdout)["entries"][0]["author"] == (
        "张伟"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["concesion", "price", "1", "2"],
            "error: unknown entry kind 'concesion'; did you mean 'concession'?\n",
        ),
        (
            ["concession", "price", "lots", "2"],
            "error: the concession entry is not valid: from must be a number, "
            "got 'lots'\n",
        ),
        (
            ["concession", "price", "1", "2", "3"],
            "error: too many values for concession: 'price 1 2 3'; type it as "
            "concession TERM FROM TO, and quote text with spaces\n",
        ),
        (
            [],
            "error: name the entry kind after the session id, e.g. advisor "
            "session add S1 note 'CFO joined'\n",
        ),
    ],
    ids=["unknown-kind", "not-a-number", "too-many", "no-kind"],
)
def test_a_bad_add_exits_1_with_one_line_and_records_nothing(
    store: str, args: list[str], message: str
) -> None:
    sid = opened(store)

    result = run(store, "add", sid, *args)

    assert (result.exit_code, result.stderr) == (1, message)
    assert json.loads(run(store, "export", sid).stdout)["entries"] == []


def test_adding_to_an_unknown_session_names_the_known_ones(store: str) -> None:
    opened(store)

    result = run(store, "add", "S5", "note", "hello")

    assert (result.exit_code, result.stderr) == (
        1,
        f"error: there is no session 'S5' in {store} (sessions: S1); "
        "list them with 'advisor session list'\n",
    )


def test_list_shows_every_session(store: str) -> None:
    opened(store, ZH)
    opened(store, EN)

    lines = run(store, "list").stdout.splitlines()

    assert [line.split()[0] for line in lines] == ["S1", "S2"]
    assert lines[1].endswith(
        "open       3  Northwind Logistics: Northwind Logistics platform renewal"
    )


def test_show_lists_entries_then_the_brief(store: str) -> None:
    sid = opened(store, EN)

    output = run(store, "show", sid).stdout

    lines = output.splitlines()
    assert lines[0] == (
        "S1 Northwind Logistics: Northwind Logistics platform renewal (open)"
    )
    assert lines[3].endswith(
        "offer: by=us, term=contract_amount, value=228000, text=Opening renewal quote"
    )
    assert "Negotiation brief: Northwind Logistics platform renewal" in lines


def test_export_then_import_into_another_store_round_trips(
    store: str, tmp_path: Path
) -> None:
    sid = opened(store)
    run(store, "add", sid, "keyword", "cost")
    exported = tmp_path / "S1.json"
    run(store, "export", sid, "-o", str(exported))
    other = str(tmp_path / "other.sqlite3")

    result = run(other, "import", str(exported))
    again = run(other, "export", "S1").stdout

    assert result.stdout == "S1\n"
    assert again == exported.read_text(encoding="utf-8")


def test_import_of_broken_json_names_the_place(store: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": ', encoding="utf-8")

    result = run(store, "import", str(broken))

    assert (result.exit_code, result.stderr) == (
        1,
        f"error: {broken}:1:12: not valid JSON (Expecting value); import a file "
        "written by 'advisor session export'\n",
    )


def test_packages_prints_equal_value_offers(store: str) -> None:
    sid = opened(store)

    lines = run(store, "packages", sid, "--lang", "en").stdout.splitlines()

    assert lines == [
        "1. Hold the price, give on the payment term: contract_amount 600,000; "
        "payment_days 60 (= 564,000)",
        "2. A lower price for a shorter payment term: contract_amount 573,000; "
        "payment_days 15 (= 564,405)",
        "3. Drop a can-give-up item: 非核心产品捆绑: contract_amount 588,000; "
        "payment_days 30; - 非核心产品捆绑 (= 564,360)",
    ]


def test_live_reads_lines_and_survives_a_bad_one(store: str) -> None:
    sid = opened(store, EN)

    result = run(
        store,
        "live",
        sid,
        stdin="objection trust 'Outage again?'\nconcesion price 1 2\nnote done\nquit\n",
    )

    assert result.exit_code == 0, result.output
    assert "entry 4 recorded in S1" in result.stdout
    assert "entry 5 recorded in S1" in result.stdout
    assert result.stderr == (
        "error: unknown entry kind 'concesion'; did you mean 'concession'?\n"
    )


def test_live_works_through_a_real_prompt_with_completion(store: str) -> None:
    sid = opened(store, EN)
    recorded: list[str] = []

    with create_pipe_input() as pipe, LiveSessions(store) as sessions:
        pipe.send_text("keyword risk\nshow\nquit\n")
        prompt: PromptSession[str] = PromptSession(
            input=pipe,
            output=DummyOutput(),
            completer=WordCompleter(completion_words()),
        )
        count = run_live(
            sessions,
            sid,
            "tester",
            "en",
            lambda delta: recorded.append(delta_text(delta, "en")) or "",
            read_line=prompt.prompt,
        )

    assert count == 1
    assert recorded[0].startswith("entry 4 recorded in S1\nNew:\n")


def test_completion_offers_kinds_topics_and_options() -> None:
    words = completion_words()

    for word in ("concession", "issue", "price", "payment", "firm", "--for"):
        assert word in words


@pytest.mark.parametrize(
    ("typed", "value"),
    [("550000", 550000), ("550,000", 550000), ("55万", 550000), ("5.5k", 5500)],
    ids=["plain", "commas", "wan", "k"],
)
def test_numbers_can_be_typed_the_way_people_write_them(typed: str, value: int) -> None:
    assert number(typed) == value


def test_an_attitude_with_two_words_is_from_and_to() -> None:
    word, values, options = split_line("attitude hesitant softening --topic price")

    assert entry_data(word, values, options) == {
        "kind": "attitude",
        "from": "hesitant",
        "to": "softening",
        "topic": "price",
    }


def test_an_unknown_option_in_a_live_line_is_named() -> None:
    with pytest.raises(SessionError) as caught:
        split_line("concession price 1 2 --fro x")

    assert str(caught.value) == "unknown option --fro; did you mean 'for'?"


def test_every_session_command_has_help_with_an_example() -> None:
    group = cli.commands["session"]
    assert isinstance(group, click.Group)

    for name, command in group.commands.items():
        assert command.help and "Example" in command.help, name
