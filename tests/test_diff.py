"""Diffing two versions of a playbook on the same cases, with the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from advisor import Advisor, resources
from advisor.cases import default_cases
from advisor.diff import diff_playbooks

CASES = default_cases(resources.default_playbook())


@pytest.fixture(scope="module")
def old() -> Advisor:
    return Advisor.load()


def changed_playbook(tmp_path: Path) -> Path:
    """The default playbook with one priority raised and one threshold moved."""
    text = resources.default_playbook().read_text(encoding="utf-8")
    raised = text.replace(
        "  - id: strategy.price_sensitive\n    priority: 80",
        "  - id: strategy.price_sensitive\n    priority: 90",
    )
    moved = raised.replace(
        '- customer: {competitor_count: {">": 0}}',
        '- customer: {competitor_count: {">": 1}}',
    )
    assert moved != raised != text
    path = tmp_path / "default.yaml"
    path.write_text(moved, encoding="utf-8")
    return path


def test_a_real_change_shows_case_by_case_what_appears_disappears_and_moves(
    old: Advisor, tmp_path: Path
) -> None:
    new = Advisor.load(changed_playbook(tmp_path))

    diff = diff_playbooks(old, new, [CASES / "price-sensitive-zh.yaml"])

    assert diff.to_text() == (
        f"{CASES / 'price-sensitive-zh.yaml'}: A price-sensitive customer "
        "expecting a price fight is told to prepare packages\n"
        "  ~ strategy value_for_money (rule strategy.price_sensitive): "
        "priority 80 -> 90\n"
        "  - strategy competitive_differentiation (rule "
        "check.competitor_in_contact): priority 76\n"
        "  - flag from rule check.competitor_in_contact: priority 76, info "
        "'The customer is in contact with competitors: 竞品A. Prepare the "
        "comparison.'\n"
        "  - rule check.competitor_in_contact fires\n"
        "1 inputs, 1 with changed advice: 0 items appear, 3 disappear, 1 change\n"
    )


def test_the_summary_counts_changes_over_every_case(
    old: Advisor, tmp_path: Path
) -> None:
    new = Advisor.load(changed_playbook(tmp_path))

    diff = diff_playbooks(old, new, [CASES])

    changed = sorted(item.path.name for item in diff.changed)
    assert changed == ["past-bottom-line.yaml", "price-sensitive-zh.yaml"]
    assert diff.summary() == (
        f"{len(diff.inputs)} inputs, 2 with changed advice: 0 items appear, "
        "3 disappear, 2 change"
    )


def test_a_change_the_other_way_shows_items_appearing(
    old: Advisor, tmp_path: Path
) -> None:
    new = Advisor.load(changed_playbook(tmp_path))

    diff = diff_playbooks(new, old, [CASES / "price-sensitive-zh.yaml"])

    assert [change.line() for change in diff.inputs[0].changes][1:] == [
        "+ strategy competitive_differentiation (rule check.competitor_in_contact): "
        "priority 76",
        "+ flag from rule check.competitor_in_contact: priority 76, info 'The "
        "customer is in contact with competitors: 竞品A. Prepare the comparison.'",
        "+ rule check.competitor_in_contact fires",
    ]


def test_a_severity_change_shows_as_a_change_of_one_flag(
    old: Advisor, tmp_path: Path
) -> None:
    text = resources.default_playbook().read_text(encoding="utf-8")
    path = tmp_path / "default.yaml"
    path.write_text(
        text.replace("          severity: info\n", "          severity: warning\n"),
        encoding="utf-8",
    )

    diff = diff_playbooks(old, Advisor.load(path), [CASES / "price-sensitive-zh.yaml"])

    assert [change.line() for change in diff.inputs[0].changes] == [
        "~ flag from rule check.competitor_in_contact: info 'The customer is in "
        "contact with competitors: 竞品A. Prepare the comparison.' -> warning 'The "
        "customer is in contact with competitors: 竞品A. Prepare the comparison.'"
    ]


def test_the_same_playbook_changes_nothing(old: Advisor) -> None:
    diff = diff_playbooks(old, Advisor.load(), [CASES, resources.examples_dir()])

    assert diff.changed == []
    assert diff.to_text() == (
        f"{len(diff.inputs)} inputs, 0 with changed advice: 0 items appear, "
        "0 disappear, 0 change\n"
    )


def test_plain_deal_files_are_compared_too(old: Advisor, tmp_path: Path) -> None:
    new = Advisor.load(changed_playbook(tmp_path))

    diff = diff_playbooks(old, new, [resources.examples_dir() / "deal-zh.yaml"])

    assert diff.inputs[0].name == "华东制造年度运维合同"
    assert len(diff.inputs[0].changes) == 4


def test_an_unreadable_input_is_reported_not_skipped(
    old: Advisor, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("deal: [unclosed\n", encoding="utf-8")

    diff = diff_playbooks(old, old, [broken])

    assert diff.to_text().splitlines() == [
        f"{broken}: broken",
        f"  {broken}:2:1: YAML syntax error: expected ',' or ']', but got "
        "'<stream end>'; check the indentation and quoting here",
        "1 inputs, 0 with changed advice: 0 items appear, 0 disappear, 0 change; "
        "1 could not be read",
    ]
