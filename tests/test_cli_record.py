"""``advisor session close|mark``, ``advisor record`` and ``advisor review``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from generated import fill, handbook_session, plan

from advisor.cli import cli
from advisor.consult import load_playbook
from advisor.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / "playbooks" / "default.yaml"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def meeting(tmp_path: Path) -> str:
    path = tmp_path / "record.sqlite3"
    with Store(path) as store:
        handbook_session(store)
    return str(path)


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("team") / "record.sqlite3"
    with Store(path) as store:
        fill(store, plan())
    return str(path)


def test_closing_states_the_outcome_and_goal_achievement(meeting: str) -> None:
    result = run(
        "session", "close", "S1", "--outcome", "won", "--agreed", "price=480000",
        "--missed", "bundle", "--store", meeting,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "closed S1 as won; goal achievement 99%; missed must-goals: amount\n"
    )
    with Store(meeting) as store:
        outcome = store.outcome("S1")
        assert outcome is not None
        assert (outcome.outcome, outcome.agreed) == (
            "won",
            {"contract_amount": 480_000},
        )
        assert store.goal_results("S1") == {"bundle": False}
        assert store.session("S1").status == "closed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--agreed", "price"],
            "error: --agreed takes term=value, like contract_amount=480000; "
            "got 'price'\n",
            id="bad-agreed",
        ),
        pytest.param(
            ["--met", "suport"],
            "error: the deal has no goal 'suport'; expected one of: amount, "
            "bundle, payment, training\n",
            id="unknown-goal",
        ),
    ],
)
def test_a_bad_close_says_what_is_wrong_and_writes_nothing(
    meeting: str, args: list[str], message: str
) -> None:
    result = run(
        "session", "close", "S1", "--outcome", "won", *args, "--store", meeting
    )

    assert (result.exit_code, result.stderr) == (1, message)
    with Store(meeting) as store:
        assert store.outcome("S1") is None


def test_closing_needs_an_outcome(meeting: str) -> None:
    result = run("session", "close", "S1", "--store", meeting)

    assert result.exit_code == 2
    assert "Missing option '--outcome'" in result.stderr


def test_marking_advice_records_use_and_effect(meeting: str) -> None:
    result = run(
        "session", "mark", "S1", "value_for_money", "--used", "--worked",
        "--store", meeting,
    )  # fmt: skip

    assert (result.exit_code, result.stdout) == (0, "marked value_for_money in S1\n")
    with Store(meeting) as store:
        mark = store.marks("S1")[("recommendation", "value_for_money")]
        assert (mark.used, mark.effective) == (True, True)


def test_marking_advice_the_session_never_got_lists_what_it_got(meeting: str) -> None:
    result = run(
        "session", "mark", "S1", "value_for_mony", "--used", "--store", meeting
    )

    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: session S1 got no advice 'value_for_mony'; did you mean "
        "'value_for_money'?"
    )


def test_marking_needs_something_to_say(meeting: str) -> None:
    result = run("session", "mark", "S1", "value_for_money", "--store", meeting)

    assert result.exit_code == 2
    assert (
        "say --used or --not-used, and/or --worked or --did-not-work" in result.stderr
    )


@pytest.mark.parametrize(
    ("output_format", "start"),
    [
        ("markdown", "# Negotiation record: 华东制造年度运维合同\n"),
        ("html", "<!DOCTYPE html>\n"),
        ("json", "{\n"),
    ],
)
def test_the_record_prints_in_each_format(
    meeting: str, output_format: str, start: str
) -> None:
    result = run(
        "record", "S1", "--format", output_format, "--lang", "en", "--store", meeting
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)


def test_the_record_defaults_to_the_deals_language(meeting: str) -> None:
    result = run("record", "S1", "--store", meeting)

    assert result.stdout.startswith("# 谈判记录: 华东制造年度运维合同\n")


def test_the_record_can_be_written_to_a_file(meeting: str, tmp_path: Path) -> None:
    target = tmp_path / "S1.html"

    result = run(
        "record", "S1", "--format", "html", "-o", str(target), "--store", meeting
    )

    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        f"wrote {target}\n",
    )
    assert '<section id="strategy">' in target.read_text(encoding="utf-8")


def test_the_record_of_an_unknown_session_is_a_clear_error(meeting: str) -> None:
    result = run("record", "S7", "--store", meeting)

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: there is no session 'S7' in {meeting} (sessions: S1); "
        "list them with 'advisor session list'\n"
    )


def test_review_as_json_carries_the_numbers(team: str) -> None:
    result = run("review", "--format", "json", "--store", team)

    data = json.loads(result.stdout)
    assert (data["overall"]["won"], data["overall"]["decided"]) == (120, 240)
    assert [t["key"] for t in data["by_customer_type"]] == [
        "price_sensitive",
        "quality_first",
        "relationship",
    ]


def test_review_filters_by_customer_type_and_date(team: str) -> None:
    result = run(
        "review", "--customer-type", "quality_first", "--since", "2026-02-01",
        "--format", "json", "--store", team,
    )  # fmt: skip

    data = json.loads(result.stdout)
    assert data["filters"] == {
        "since": "2026-02-01",
        "customer_type": "quality_first",
        "playbook": None,
    }
    assert data["overall"]["sessions"] == 47


def test_review_refuses_a_date_it_cannot_read(team: str) -> None:
    result = run("review", "--since", "last week", "--store", team)

    assert result.exit_code == 2
    assert "'last week' does not match the format '%Y-%m-%d'" in result.stderr


def test_review_suggest_prints_the_reasons_then_a_patch(
    team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(ROOT / "playbooks" / "default.yaml", tmp_path / "default.yaml")

    result = run("review", "--suggest", "--target", "default.yaml", "--store", team)

    lines = result.stdout.splitlines()
    assert lines[0] == "# Suggested changes to default.yaml (review, then git apply):"
    assert lines[1].startswith("# rebuttal competitor_service: worked in 20% ")
    assert lines[5:7] == ["--- a/default.yaml", "+++ b/default.yaml"]


def test_review_suggest_says_so_when_the_sample_is_too_small(team: str) -> None:
    result = run("review", "--suggest", "--min-sample", "500", "--store", team)

    assert result.stdout == (
        "# No playbook change: no strategy, rebuttal or customer type has 500 "
        "decided negotiations on each side with a clear difference.\n"
    )


def test_review_replay_against_the_same_playbook_finds_no_difference(
    meeting: str,
) -> None:
    version = load_playbook().version

    result = run("review", "--replay", str(DEFAULT), "--store", meeting)

    assert result.stdout == (
        f"Replayed 1 sessions against default@{version}: "
        "0 would get different advice.\n"
    )


@pytest.mark.parametrize(
    "command",
    [["record"], ["review"], ["session", "close"], ["session", "mark"]],
    ids=" ".join,
)
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")

    assert result.exit_code == 0
    assert "Example" in result.stdout
