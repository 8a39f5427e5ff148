"""Explanations of fired and non-fired rules, on the real engine and playbooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import Advisor, PlaybookError, load_deal, resources
from advisor.cases import read_case
from advisor.cli import cli
from advisor.explain import explain_rule
from advisor.session import LiveSessions

EXAMPLES = resources.examples_dir()

TIERED = """\
playbook: {name: tiered, languages: [en]}
strategies:
  tiers: {title: Tiered pricing}
rules:
  - id: strategy.tiered_pricing
    because: Big deals with price-sensitive buyers are won on tiers.
    when:
      - deal: {list_price: {">": 100000}}
      - customer: {type: price_sensitive, competitor_count: {">=": 1}}
    then: [recommend: tiers]
"""


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor.load()


def test_a_fired_rule_shows_the_chain_of_derived_facts_behind_it(
    advisor: Advisor,
) -> None:
    deal = load_deal(EXAMPLES / "deal-zh.yaml")

    explanation = explain_rule(advisor, deal, "strategy.equivalent_packages")

    assert explanation.fired
    text = explanation.to_text()
    assert text.split("\n", 1)[1] == (
        "fired, because these facts matched:\n"
        "  packages_needed = packages_needed (reason='price_pressure', "
        "list_price=600,000)\n"
        "    derived by rule derive.packages_needed from:\n"
        "      price_pressure = price_pressure (level='high')\n"
        "        derived by rule derive.price_pressure from:\n"
        "          customer = customer customer (type='price_sensitive')\n"
        "          expected_objection = expected_objection xo1 (type='price')\n"
        "      deal = deal deal (has_list_price=true)\n"
        "advice: recommends equivalent_packages (同时提出多个等值方案)\n"
        "advice: recommends trade_not_give (只做交换，不做单方让步)\n"
    )


def test_a_non_fired_rule_names_the_condition_and_the_value(
    advisor: Advisor,
) -> None:
    deal = load_deal(EXAMPLES / "deal-en.yaml")

    explanation = explain_rule(advisor, deal, "check.competitor_in_contact")

    assert not explanation.fired
    assert [miss.sentence() for miss in explanation.misses] == [
        "customer.competitor_count is 0; the rule needs more than 0"
    ]


def test_a_missing_derived_fact_is_traced_to_what_a_salesperson_can_change(
    advisor: Advisor,
) -> None:
    deal = load_deal(EXAMPLES / "deal-en.yaml")

    explanation = explain_rule(advisor, deal, "strategy.equivalent_packages")

    assert [miss.sentence() for miss in explanation.misses] == [
        "customer.type is 'quality_first'; the rule needs 'price_sensitive' "
        "(to derive price_pressure for packages_needed)"
    ]


def test_near_misses_are_ranked_by_how_close_the_facts_came(tmp_path: Path) -> None:
    playbook = tmp_path / "tiered.yaml"
    playbook.write_text(TIERED, encoding="utf-8")
    deal = load_deal(EXAMPLES / "deal-en.yaml").model_copy(deep=True)
    deal.deal.list_price = 80000

    explanation = explain_rule(Advisor.load(playbook), deal, "strategy.tiered_pricing")

    assert explanation.to_text().splitlines()[1:] == [
        "did not fire; unmet conditions, closest first:",
        "  1. deal.list_price is 80,000; the rule needs more than 100,000",
        "  2. customer.competitor_count is 0; the rule needs at least 1",
        "  3. customer.type is 'quality_first'; the rule needs 'price_sensitive'",
    ]


def test_a_rule_the_playbook_lacks_is_a_playbook_error_with_a_hint(
    advisor: Advisor,
) -> None:
    deal = load_deal(EXAMPLES / "deal-en.yaml")

    with pytest.raises(PlaybookError) as raised:
        explain_rule(advisor, deal, "check.competitor")

    assert str(raised.value) == (
        f"{resources.default_playbook()}: the playbook has no enabled rule "
        "'check.competitor'; did you mean 'check.competitor_in_contact'?"
    )


def test_the_explain_command_prints_the_explanation() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "explain",
            str(EXAMPLES / "deal-en.yaml"),
            "--rule",
            "guard.position_warning",
        ],
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "fired, because these facts matched:",
        "  position = position contract_amount:us (by='us', share=0.125)",
        "advice: warning flag: contract_amount is near the bottom line: 5,000 left "
        "(12% of the range).",
    ]


def test_the_explain_command_exits_2_on_an_unknown_rule() -> None:
    result = CliRunner().invoke(
        cli, ["explain", str(EXAMPLES / "deal-en.yaml"), "--rule", "nope"]
    )

    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert "the playbook has no enabled rule 'nope'" in result.output


def test_explain_reads_a_live_sessions_deal_and_entries(tmp_path: Path) -> None:
    store = tmp_path / "record.sqlite3"
    with LiveSessions(store) as sessions:
        opened = sessions.open_session(load_deal(EXAMPLES / "deal-en.yaml"))
        sessions.add_entry(
            opened.session,
            {"kind": "objection", "type": "delivery", "text": "Too slow"},
        )

    result = CliRunner().invoke(
        cli,
        [
            "explain",
            "--session",
            opened.session,
            "--store",
            str(store),
            "--rule",
            "rebut.live_delivery",
        ],
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:3] == [
        "fired, because these facts matched:",
        "  objection = objection e4 (type='delivery')",
    ]


def test_explain_needs_a_deal_or_a_session() -> None:
    result = CliRunner().invoke(cli, ["explain", "--rule", "rebut.live_delivery"])

    assert result.exit_code == 2
    assert "Error: give either a DEAL file or --session SID" in result.output


@pytest.mark.parametrize(
    "path",
    sorted((resources.playbooks_dir() / "cases" / "default").glob("*.yaml")),
    ids=lambda path: path.stem,
)
def test_explanations_agree_with_the_engine_on_every_rule(
    advisor: Advisor, path: Path
) -> None:
    case = read_case(path, advisor.plan)

    for rule in advisor.plan.rules:
        explanation = explain_rule(advisor, case.deal, rule.id, case.entries)
        if explanation.fired:
            assert explanation.chains, f"{rule.id} fired but matches nothing"
        else:
            assert explanation.misses, f"{rule.id} did not fire but misses nothing"
