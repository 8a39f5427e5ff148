"""Each mistake in a playbook is one clear message with its file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import PlaybookError, load_playbook
from advisor.cli import cli

Writer = Callable[..., Path]

VALID_START = """\
playbook: {name: test}
strategies:
  tiered: {title: Tiered quotes}
rules:
  - id: price
    because: test
    when:
"""


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)
    return [f"{p.line}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "      - customer: {type: {'=~': price_sensitive}}\n"
            "    then: [{recommend: tiered}]\n",
            "8: unknown operator '=~'; expected one of: !=, <, <=, ==, >, >=, "
            "contains, exists, in, not_in",
            id="unknown-operator",
        ),
        pytest.param(
            "      - customer: {type: {'=<': 3}}\n    then: [{recommend: tiered}]\n",
            "8: unknown operator '=<'; did you mean '<='?",
            id="operator-hint",
        ),
        pytest.param(
            "      - customer: {type: price_sensitive}\n"
            "    then: [{recommend: tiered_pricing}]\n",
            "9: recommend names 'tiered_pricing', but the playbook defines no "
            "such strategy; did you mean 'tiered'?",
            id="undefined-strategy",
        ),
        pytest.param(
            "      - customr: {type: price_sensitive}\n"
            "    then: [{recommend: tiered}]\n",
            "8: unknown fact kind 'customr'; did you mean 'customer'?",
            id="unknown-kind",
        ),
        pytest.param(
            "      - customer: {kind_of: price_sensitive}\n"
            "    then: [{recommend: tiered}]\n",
            "8: customer facts have no field 'kind_of'; expected one of: all, any, "
            "competitor_count, competitors, decision_chain_size, has_decision_maker, "
            "industry, is_new, keywords, name, not, pain_points, past_satisfaction, "
            "type",
            id="unknown-field",
        ),
        pytest.param(
            "      - customer: {past_satisfaction: {'<': low}}\n"
            "    then: [{recommend: tiered}]\n",
            "8: past_satisfaction is a number but 'low' is a text",
            id="type-mismatch",
        ),
        pytest.param(
            "      - customer: {}\n"
            "    then: [{flag: {severity: urgent, message: hi}}]\n",
            "9: unknown severity 'urgent'; expected one of: blocking, critical, "
            "info, warning",
            id="unknown-severity",
        ),
        pytest.param(
            "      - customer: {}\n"
            "    then: [{flag: {severity: info, message: '{goal.target}'}}]\n",
            "9: the message shows {goal.target}, but the rule matches no fact "
            "named 'goal'; use one of customer, deal, session",
            id="template-alias",
        ),
        pytest.param(
            "      - customer: {past_satisfaction: {'<': $settings.low}}\n"
            "    then: [{recommend: tiered}]\n",
            "8: no setting 'low' is defined; expected one of: ",
            id="unknown-setting",
        ),
    ],
)
def test_a_rule_mistake_is_reported_with_its_line(
    write_playbook: Writer, body: str, expected: str
) -> None:
    path = write_playbook(VALID_START + body)

    assert problems_of(path) == [expected]


def test_a_duplicate_rule_id_names_the_first_definition(write_playbook: Writer) -> None:
    rule = (
        "  - id: twice\n    because: x\n    when: [{customer: {}}]\n"
        "    then: [{recommend: tiered}]\n"
    )
    path = write_playbook(VALID_START.split("  - id:")[0] + rule + rule)

    assert problems_of(path) == [
        f"9: rule id 'twice' is used twice; the first is at {path}:5. "
        "Give each rule its own id"
    ]


def test_a_missing_include_is_reported_at_the_include_line(
    write_playbook: Writer,
) -> None:
    path = write_playbook("playbook: {name: t}\ninclude:\n  - guards\n  - nowhere\n")

    assert len(problems_of(path)) == 1
    assert problems_of(path)[0].startswith("4: the include 'nowhere' was not found")


def test_a_yaml_syntax_error_gives_line_and_column(write_playbook: Writer) -> None:
    path = write_playbook("playbook: {name: t\nrules: []\n")

    with pytest.raises(PlaybookError) as caught:
        load_playbook(path)

    problem = caught.value.problems[0]
    assert (problem.line, problem.code) == (2, "syntax")
    assert problem.message.startswith("YAML syntax error: ")


def test_an_unknown_top_level_key_is_named(write_playbook: Writer) -> None:
    path = write_playbook("playbook: {name: t}\nstrategy: {}\n")

    assert problems_of(path) == [
        "2: 'strategy' is not a known field here; check its spelling"
    ]


def test_every_problem_is_reported_in_one_run(write_playbook: Writer) -> None:
    path = write_playbook(
        VALID_START
        + "      - customr: {}\n    then: [{recommend: nothing}]\n"
        + "  - id: other\n    because: x\n    when: [{deal: {titel: x}}]\n"
        + "    then: [{rebut: none}]\n"
    )

    assert [line.split(":")[0] for line in problems_of(path)] == ["8", "9", "12", "13"]


def test_validate_prints_each_problem_and_exits_with_status_2(
    write_playbook: Writer,
) -> None:
    path = write_playbook(
        VALID_START + "      - customer: {}\n    then: [{recommend: nope}]\n"
    )

    result = CliRunner().invoke(cli, ["playbook", "validate", str(path)])

    assert result.exit_code == 2
    assert result.output == (
        f"error: {path}:9:13: recommend names 'nope', but the playbook defines "
        "no such strategy; expected one of: tiered (at rules.0.then.0.recommend)\n"
    )


def test_validate_accepts_the_default_playbook() -> None:
    result = CliRunner().invoke(cli, ["playbook", "validate", "playbooks/default.yaml"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("playbooks/default.yaml: valid playbook default")


def test_a_playbooks_own_setting_overrides_the_included_modules(
    write_playbook: Writer,
) -> None:
    path = write_playbook(
        "playbook: {name: t}\ninclude: [guards]\nsettings: {headroom_warning: 0.3}\n"
    )

    assert load_playbook(path).settings["headroom_warning"] == 0.3
