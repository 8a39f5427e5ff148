"""The ``advisor playbook`` commands, end to end through click."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner, Result

from advisor import resources
from advisor.cli import cli
from advisor.playbook_schema import case_schema, playbook_schema

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = str(resources.default_playbook())
CASES = resources.playbooks_dir() / "cases" / "default"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    "command", ["schema", "new", "lint", "test", "diff", "check", "validate"]
)
def test_every_playbook_command_has_help_ending_with_an_example(command: str) -> None:
    result = run("playbook", command, "--help")

    assert result.exit_code == 0
    help_text = result.output.split("Options:")[0]
    example = help_text.split("Example")[-1]
    assert f"advisor playbook {command} " in example


def test_the_schema_files_are_current() -> None:
    written = (ROOT / "schema" / "playbook.schema.json").read_text(encoding="utf-8")
    case = (ROOT / "schema" / "playbook-case.schema.json").read_text(encoding="utf-8")

    assert json.loads(written) == playbook_schema()
    assert json.loads(case) == case_schema()


@pytest.mark.parametrize(
    "path",
    [
        resources.default_playbook(),
        *sorted(resources.rules_dir().glob("*.yaml")),
    ],
    ids=lambda path: path.name,
)
def test_the_shipped_playbook_files_match_the_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    jsonschema.validate(data, playbook_schema())


def test_the_shipped_cases_match_the_case_schema() -> None:
    for path in sorted(CASES.glob("*.yaml")):
        jsonschema.validate(
            yaml.safe_load(path.read_text(encoding="utf-8")), case_schema()
        )


@pytest.mark.parametrize(
    ("when", "field"),
    [
        pytest.param({"customer": {"tpye": "relationship"}}, "tpye", id="field"),
        pytest.param({"customer": {"type": {"~=": "x"}}}, "~=", id="operator"),
    ],
)
def test_the_schema_underlines_a_misspelt_condition(
    when: dict[str, object], field: str
) -> None:
    rule = {"id": "r", "because": "b", "when": [when], "then": [{"recommend": "s"}]}

    errors = list(
        jsonschema.Draft202012Validator(playbook_schema()).iter_errors(
            {"rules": [rule]}
        )
    )

    assert errors and field in json.dumps(errors[0].instance, ensure_ascii=False)


def test_the_schema_accepts_a_derived_fact_pattern() -> None:
    rule = {
        "id": "r",
        "because": "b",
        "when": [{"price_pressure": {"level": "high"}}],
        "then": [{"flag": {"severity": "info", "message": {"en": "m"}}}],
    }

    jsonschema.validate({"rules": [rule]}, playbook_schema())


def test_schema_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "playbook.schema.json"

    result = run("playbook", "schema", "-o", str(target))

    assert result.output == f"wrote {target}\n"
    assert json.loads(target.read_text(encoding="utf-8")) == playbook_schema()


def test_new_writes_a_playbook_that_lints_clean_and_passes_its_case(
    tmp_path: Path,
) -> None:
    created = run(
        "playbook",
        "new",
        "retail",
        "--lang",
        "zh",
        "--lang",
        "en",
        "--dir",
        str(tmp_path),
    )
    playbook = str(tmp_path / "retail.yaml")

    assert created.exit_code == 0, created.output
    assert run("playbook", "lint", playbook).output == f"{playbook}: no findings\n"
    tested = run("playbook", "test", playbook)
    assert tested.exit_code == 0, tested.output
    assert tested.output.endswith("1 passed, 0 failed, 0 errors\n")


def test_new_never_overwrites_a_playbook(tmp_path: Path) -> None:
    (tmp_path / "retail.yaml").write_text("mine", encoding="utf-8")

    result = run("playbook", "new", "retail", "--dir", str(tmp_path))

    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path / 'retail.yaml'}: this file exists already; "
        "choose another name\n"
    )
    assert (tmp_path / "retail.yaml").read_text(encoding="utf-8") == "mine"


def test_lint_passes_the_default_playbook() -> None:
    result = run("playbook", "lint", DEFAULT)

    assert (result.exit_code, result.output) == (0, f"{DEFAULT}: no findings\n")


def unused_strategy_playbook(tmp_path: Path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(
        "playbook: {name: team, languages: [en]}\n"
        "strategies:\n"
        "  tiers: {title: Tiers}\n",
        encoding="utf-8",
    )
    return path


def test_lint_exits_1_and_prints_each_finding(tmp_path: Path) -> None:
    path = unused_strategy_playbook(tmp_path)

    result = run("playbook", "lint", str(path))

    assert result.exit_code == 1
    assert result.output == (
        f"{path}:3:3: unused-strategy: no enabled rule recommends the strategy "
        "'tiers'; add a rule that does, or remove it\n"
    )


def test_lint_json_is_for_ci(tmp_path: Path) -> None:
    path = unused_strategy_playbook(tmp_path)

    result = run("playbook", "lint", str(path), "--format", "json")

    assert json.loads(result.output) == {
        "playbook": str(path),
        "valid": True,
        "findings": [
            {
                "file": str(path),
                "line": 3,
                "column": 3,
                "path": "strategies.tiers",
                "code": "unused-strategy",
                "message": "no enabled rule recommends the strategy 'tiers'; add "
                "a rule that does, or remove it",
            }
        ],
    }


def test_lint_exits_2_on_a_playbook_that_does_not_validate(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text("playbook: {name: team}\nrules: 3\n", encoding="utf-8")

    result = run("playbook", "lint", str(path), "--format", "json")

    assert result.exit_code == 2
    assert json.loads(result.output)["valid"] is False


def test_test_runs_the_default_playbooks_own_cases() -> None:
    result = run("playbook", "test", DEFAULT)

    assert result.exit_code == 0, result.output
    assert result.output.endswith(" passed, 0 failed, 0 errors\n")


def test_test_exits_1_when_a_case_fails(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        "deal: " + str(resources.examples_dir() / "deal-en.yaml") + "\n"
        "expect: {first_strategy: value_for_money}\n",
        encoding="utf-8",
    )

    result = run("playbook", "test", DEFAULT, str(case))

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "0 passed, 1 failed, 0 errors"


def test_test_without_cases_says_where_to_put_them(tmp_path: Path) -> None:
    path = unused_strategy_playbook(tmp_path)

    result = run("playbook", "test", str(path))

    assert result.exit_code == 1
    assert result.output == (
        f"error: {tmp_path / 'cases' / 'team'}: no case files found; write some "
        "in this folder or name them after the playbook\n"
    )


def test_diff_shows_a_change_case_by_case(tmp_path: Path) -> None:
    changed = tmp_path / "default.yaml"
    changed.write_text(
        resources.default_playbook()
        .read_text(encoding="utf-8")
        .replace(
            "  - id: strategy.relationship\n    priority: 80",
            "  - id: strategy.relationship\n    priority: 85",
        ),
        encoding="utf-8",
    )

    result = run("playbook", "diff", DEFAULT, str(changed), "--cases", str(CASES))

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[
        lines.index(
            f"{CASES / 'relationship-customer.yaml'}: A relationship customer is "
            "offered a long-term partnership first"
        )
        + 1
    ] == (
        "  ~ strategy long_term_partnership (rule strategy.relationship): "
        "priority 80 -> 85"
    )
    assert lines[-1] == (
        f"{len(list(CASES.glob('*.yaml')))} inputs, 3 with changed advice: 0 items "
        "appear, 0 disappear, 3 change"
    )


def test_check_exits_1_with_the_smallest_breaking_session(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "playbook: {name: team, languages: [en]}\n"
        "invariants:\n"
        "  - {id: past, check: flag_past_bottom_line}\n",
        encoding="utf-8",
    )

    result = run("playbook", "check", str(path), "--examples", "50")

    assert result.exit_code == 1
    assert result.output.startswith(f"BROKEN past ({path}:3)\n  our contract_amount")
    assert result.output.splitlines()[-1].startswith("1 invariants, 1 broken, ")
    assert "  smallest session found, as a case file:\n" in result.output


def test_check_on_a_playbook_without_invariants(tmp_path: Path) -> None:
    path = unused_strategy_playbook(tmp_path)

    result = run("playbook", "check", str(path))

    assert (result.exit_code, result.output) == (
        0,
        f"{path}: the playbook declares no invariants\n",
    )
