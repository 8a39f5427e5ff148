"""The playbook test runner: passing, failing and broken cases, on the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import Advisor, resources
from advisor.cases import case_files, default_cases, run_cases

DEFAULT_CASES = default_cases(resources.default_playbook())

CASE = """\
case: Price-sensitive customer
deal:
  deal: {title: Fleet telematics, list_price: 100000}
  customer:
    name: Acme Freight
    type: price_sensitive
    decision_chain: [{name: Ana Ruiz, influence: decision_maker}]
  goals: [{id: amount, metric: contract_amount, op: ">=", target: 82000, tier: must}]
  bottom_lines:
    contract_amount: {min: 80000}
entries:
  - {kind: offer, by: us, term: contract_amount, value: 82000}
expect:
"""


@pytest.fixture(scope="module")
def advisor() -> Advisor:
    return Advisor.load()


def write_case(tmp_path: Path, expect: str, case: str = CASE) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(case + expect, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "path", case_files([DEFAULT_CASES]), ids=lambda path: path.stem
)
def test_the_default_playbook_passes_its_own_case(advisor: Advisor, path: Path) -> None:
    report = run_cases(advisor, [path])

    assert report.to_text().splitlines()[-1] == "1 passed, 0 failed, 0 errors"


def test_the_default_playbook_ships_cases() -> None:
    assert len(case_files([DEFAULT_CASES])) >= 8


def test_a_case_that_holds_passes(advisor: Advisor, tmp_path: Path) -> None:
    path = write_case(
        tmp_path,
        "  fires: [strategy.price_sensitive, guard.position_warning]\n"
        "  first_strategy: value_for_money\n"
        "  flags: [{rule: guard.position_warning, severity: warning}]\n",
    )

    report = run_cases(advisor, [path])

    assert report.ok
    assert report.to_text() == (
        f"PASS {path}: Price-sensitive customer\n1 passed, 0 failed, 0 errors\n"
    )


def test_a_failing_case_says_what_the_advice_held_instead(
    advisor: Advisor, tmp_path: Path
) -> None:
    path = write_case(
        tmp_path,
        "  fires: [strategy.quality_first]\n"
        "  not_fires: [strategy.price_sensitive]\n"
        "  first_strategy: technical_assurance\n"
        "  flags: [{severity: blocking}]\n"
        "  rebuttals: [price_value]\n",
    )

    report = run_cases(advisor, [path])

    assert not report.ok
    assert report.to_text() == (
        f"FAIL {path}: Price-sensitive customer\n"
        "  - rule strategy.quality_first did not fire; closest: customer.type is "
        "'price_sensitive'; the rule needs 'quality_first'\n"
        "  - rule strategy.price_sensitive fired, but must not\n"
        "  - no blocking flag; got warning from guard.position_warning\n"
        "  - strategy technical_assurance should come first; got value_for_money, "
        "restate_agenda\n"
        "  - rebuttal price_value was not given; got none\n"
        "0 passed, 1 failed, 0 errors\n"
    )


def test_a_case_with_a_bad_deal_is_an_error_with_its_line(
    advisor: Advisor, tmp_path: Path
) -> None:
    path = write_case(
        tmp_path,
        "  fires: [strategy.price_sensitive]\n",
        CASE.replace("type: price_sensitive", "type: thrifty"),
    )

    report = run_cases(advisor, [path])

    assert report.to_text() == (
        f"ERROR {path}: case\n"
        f"  {path}:6:5: 'thrifty' is not allowed here; expected 'price_sensitive', "
        "'quality_first' or 'relationship' (at deal.customer.type)\n"
        "0 passed, 0 failed, 1 errors\n"
    )


def test_a_case_naming_an_unknown_rule_is_an_error_not_a_pass(
    advisor: Advisor, tmp_path: Path
) -> None:
    path = write_case(tmp_path, "  not_fires: [strategy.price_sensitiv]\n")

    report = run_cases(advisor, [path])

    assert report.to_text() == (
        f"ERROR {path}: case\n"
        f"  {path}:14:15: the playbook has no enabled rule "
        "'strategy.price_sensitiv'; did you mean 'strategy.price_sensitive'? "
        "(at expect.not_fires.0)\n"
        "0 passed, 0 failed, 1 errors\n"
    )


def test_a_case_without_expectations_is_an_error(
    advisor: Advisor, tmp_path: Path
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(CASE.replace("expect:\n", ""), encoding="utf-8")

    report = run_cases(advisor, [path])

    assert report.to_text() == (
        f"ERROR {path}: case\n"
        f"  {path}:1:1: this field is required; add it (at expect)\n"
        "0 passed, 0 failed, 1 errors\n"
    )


def test_a_folder_of_cases_runs_in_name_order(advisor: Advisor, tmp_path: Path) -> None:
    for name in ("b", "a"):
        (tmp_path / f"{name}.yaml").write_text(
            CASE + "  fires: [strategy.price_sensitive]\n", encoding="utf-8"
        )
    (tmp_path / "notes.txt").write_text("not a case", encoding="utf-8")

    report = run_cases(advisor, [tmp_path])

    assert [result.path.name for result in report.results] == ["a.yaml", "b.yaml"]
