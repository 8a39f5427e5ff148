"""The advisor command: briefs in three formats, clear errors, helpful help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import jsonschema
import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.schemas import schema

ROOT = Path(__file__).resolve().parent.parent
ZH = str(ROOT / "examples" / "deal-zh.yaml")
EN = str(ROOT / "examples" / "deal-en.yaml")


def run(*args: str, stdin: str | None = None) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), input=stdin)


def test_the_text_brief_shows_each_section_with_rule_ids() -> None:
    result = run("consult", EN)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Negotiation brief: Northwind Logistics platform renewal"
    for heading in (
        "Strategies",
        "Flags",
        "Objection replies",
        "Goals and bottom lines",
    ):
        assert heading in lines
    assert (
        "1. Stress technical barriers and service guarantees  "
        "[strategy.quality_first]" in lines
    )


def test_the_text_brief_fits_eighty_columns() -> None:
    for deal in (ZH, EN):
        output = run("consult", deal, "--explain").output
        widths = [
            sum(2 if ord(char) > 0x2E80 else 1 for char in line)
            for line in output.splitlines()
        ]
        assert max(widths) <= 80


def test_explain_shows_the_reason_and_the_matched_facts() -> None:
    output = run("consult", EN, "--explain").output

    assert "   why: Quality-first customers care about risk and reliability;" in output
    assert "   facts: customer = customer customer (name=Northwind Logistics," in output


def test_the_markdown_brief_is_ready_for_a_crm_note() -> None:
    output = run("consult", ZH, "--format", "markdown").output

    assert output.startswith("# 谈判简报: 华东制造年度运维合同\n")
    assert (
        "1. **强调性价比：阶梯报价与批量折扣** (`strategy.price_sensitive`)" in output
    )
    assert "## 异议应对" in output


def test_the_json_brief_validates_against_its_published_schema() -> None:
    result = run("consult", ZH, "--format", "json")
    document = json.loads(result.output)

    jsonschema.validate(document, schema("advice"))
    assert {"recommendations", "flags", "rebuttals"} <= set(document)
    assert all("rule" in item for item in document["recommendations"])


def test_a_deal_can_come_as_json_on_stdin() -> None:
    deal = {
        "deal": {"title": "Piped"},
        "customer": {"name": "A", "type": "relationship"},
    }

    result = run("consult", "-", "--format", "json", stdin=json.dumps(deal))

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recommendations"][0]["strategy"] == (
        "long_term_partnership"
    )


def test_entries_from_a_second_file_join_the_consultation(tmp_path: Path) -> None:
    entries = tmp_path / "meeting.yaml"
    entries.write_text(
        "- {kind: offer, term: contract_amount, value: 440000}\n", encoding="utf-8"
    )

    output = run("consult", ZH, "--entries", str(entries), "--lang", "en").output

    assert (
        "BLOCK Our contract_amount position 440,000 is past the bottom line" in output
    )


def test_a_bad_deal_file_names_the_file_line_and_field(tmp_path: Path) -> None:
    deal = tmp_path / "deal.yaml"
    deal.write_text(
        "deal: {title: T}\ncustomer:\n  name: A\n  type: cheap\n", encoding="utf-8"
    )

    result = run("consult", str(deal))

    assert result.exit_code == 1
    assert result.output == (
        f"error: {deal}:4:3: 'cheap' is not allowed here; expected "
        "'price_sensitive', 'quality_first' or 'relationship' (at customer.type)\n"
    )


def test_a_missing_deal_file_is_a_usage_error() -> None:
    result = run("consult", "no-such-deal.yaml")

    assert result.exit_code == 1
    assert result.output == "error: no-such-deal.yaml: this file does not exist\n"


def test_a_broken_playbook_exits_with_status_2(tmp_path: Path) -> None:
    playbook = tmp_path / "broken.yaml"
    playbook.write_text("playbook: {name: x\n", encoding="utf-8")

    result = run("consult", ZH, "--playbook", str(playbook))

    assert result.exit_code == 2
    assert result.output.startswith(f"error: {playbook}:2:1: YAML syntax error: ")


def all_commands(
    group: click.Group, prefix: str = ""
) -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            found.extend(all_commands(command, f"{prefix}{name} "))
    return found


@pytest.mark.parametrize(("name", "command"), all_commands(cli), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(
    name: str, command: click.Command
) -> None:
    result = run(*name.split(), "--help")

    assert result.exit_code == 0
    assert command.help, f"{name} has no help text"
    if not isinstance(command, click.Group):
        assert "Example" in command.help, f"{name}'s help shows no example"


def test_python_dash_m_advisor_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "advisor", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0
    assert "A rule-based strategy advisor for sales negotiations." in result.stdout


def test_a_deadline_that_is_not_a_date_is_refused_with_its_line(tmp_path: Path) -> None:
    deal = tmp_path / "deal.yaml"
    deal.write_text(
        "deal: {title: T, deadline: next week}\n"
        "customer: {name: A, type: relationship}\n",
        encoding="utf-8",
    )

    result = run("consult", str(deal))

    assert result.exit_code == 1
    assert result.output.startswith(f"error: {deal}:1:")
    assert result.output.endswith("(at deal.deadline)\n")
