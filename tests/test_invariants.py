"""Invariants checked over generated sessions, through the real engine."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings

from advisor import Deal, Entry, resources
from advisor.cases import read_case
from advisor.consult import Advisor
from advisor.invariants import check_playbook, sessions

WEAK = """\
playbook: {name: weak, languages: [en]}
rebuttals:
  price_value: {objection: price, reply: Value}
rules:
  - id: guard.warn
    because: Near the bottom line.
    when: [position: {by: us, share: {"<": 0.2}}]
    then: [flag: {severity: warning, message: "near on {position.term}"}]
  - id: rebut.price
    because: Price is answered with value.
    when: [objection: {type: price}]
    then: [rebut: price_value]
invariants:
"""

PAST = """\
  - id: critical-past-bottom-line
    check: flag_past_bottom_line
    says: A critical flag whenever our position is past a bottom line.
"""

REBUT = """\
  - id: every-objection-answered
    check: rebut_every_objection
"""

PROPOSAL = """\
  - id: no-proposal-past-bottom-line
    check: no_proposal_past_bottom_line
"""

LOWBALL = """\
  - id: derive.lowball
    because: A counter-offer far below the list price.
    when: [{fact: bottom_line, as: floor, where: {term: contract_amount}}]
    then:
      - assert: {fact: counter_offer, fields: {term: contract_amount, value: 1000}}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "weak.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_playbook_keeps_its_invariants() -> None:
    report = check_playbook(resources.default_playbook(), examples=100)

    assert report.ok
    assert [invariant.id for invariant in report.invariants] == [
        "critical-flag-past-bottom-line",
        "every-objection-rebutted",
        "no-proposal-past-bottom-line",
    ]


def test_a_missing_critical_flag_is_found_in_a_one_step_session(
    tmp_path: Path,
) -> None:
    report = check_playbook(write(tmp_path, WEAK + PAST), examples=100)

    violation = report.violations[0]
    assert len(violation.entries) == 1
    assert violation.entries[0].kind in ("offer", "concession")
    assert violation.reason.startswith("our contract_amount position ")
    assert violation.reason.endswith(", but no flag of critical or worse was raised")
    assert violation.advice.fired == ["guard.warn"]


def test_an_unanswered_objection_is_found_without_any_session(
    tmp_path: Path,
) -> None:
    report = check_playbook(write(tmp_path, WEAK + REBUT), examples=100)

    violation = report.violations[0]
    assert violation.entries == []
    assert [item.type for item in violation.deal.expected_objections] == ["price"]
    assert violation.reason == (
        "a price objection was expected, but no rebuttal answers it"
    )


def test_a_chain_proposing_an_amount_past_the_bottom_line_is_found(
    tmp_path: Path,
) -> None:
    text = WEAK.replace("invariants:\n", LOWBALL + "invariants:\n") + PROPOSAL

    report = check_playbook(write(tmp_path, text), examples=50)

    violation = report.violations[0]
    assert violation.reason.startswith(
        "rule derive.lowball proposes contract_amount 1,000 in a counter_offer fact, "
        "past the bottom line "
    )
    assert violation.advice.fired == ["derive.lowball"]


def test_the_report_names_each_invariant_and_counts_sessions(tmp_path: Path) -> None:
    report = check_playbook(write(tmp_path, WEAK + PAST + REBUT), examples=50)

    assert report.to_text().splitlines()[-3:] == [
        "BROKEN critical-past-bottom-line (flag_past_bottom_line)",
        "BROKEN every-objection-answered (rebut_every_objection)",
        f"2 invariants, 2 broken, {report.sessions} sessions run",
    ]


def test_the_smallest_session_is_a_case_file_that_reproduces_it(
    tmp_path: Path,
) -> None:
    playbook = write(tmp_path, WEAK + PAST)
    violation = check_playbook(playbook, examples=100).violations[0]
    case_path = tmp_path / "case.yaml"
    case_path.write_text(violation.case_yaml(), encoding="utf-8")
    advisor = Advisor.load(playbook)

    case = read_case(case_path, advisor.plan)
    advice = advisor.consult(case.deal, case.entries)

    assert case.expect.flags[0].severity == "critical"
    assert [flag.severity for flag in advice.flags] == ["warning"]


def test_runs_are_repeatable(tmp_path: Path) -> None:
    playbook = write(tmp_path, WEAK + PAST)

    first = check_playbook(playbook, examples=50).to_text()
    second = check_playbook(playbook, examples=50).to_text()

    assert first == second


def test_a_playbook_without_invariants_checks_nothing(tmp_path: Path) -> None:
    report = check_playbook(write(tmp_path, WEAK.replace("invariants:\n", "")))

    assert (report.ok, report.sessions) == (True, 0)


@settings(max_examples=50, deadline=None)
@given(sessions())
def test_generated_sessions_are_valid_negotiations(
    session: tuple[Deal, list[Entry]],
) -> None:
    deal, entries = session
    floor = deal.bottom_lines["contract_amount"].limit
    ours = deal.deal.list_price

    assert ours is not None and ours > floor
    for entry in entries:
        if entry.kind == "concession":
            assert entry.before == ours
            assert entry.after < entry.before
            ours = entry.after
        elif entry.kind == "offer" and entry.by == "us":
            ours = entry.value
