"""Each in-meeting rule, fired and not fired, through a real live session."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from advisor import Advice, Deal, LiveSessions, load_deal
from advisor.cli.shortform import entry_data, split_line
from advisor.resources import examples_dir

# The handbook deal: list price 600,000, must-goal 500,000, floor 450,000;
# payment opens at 30 days, must stay at or under 60, ceiling 90.
DEADLINE = date(2026, 12, 10)
LATE = "2026-12-06T10:00:00+00:00"
EARLY = "2026-11-02T10:00:00+00:00"


def advice_after(tmp_path: Path, entries: list[Any], deadline: bool = False) -> Advice:
    deal: Deal = load_deal(examples_dir() / "deal-zh.yaml")
    if deadline:
        info = deal.deal.model_copy(update={"deadline": DEADLINE})
        deal = deal.model_copy(update={"deal": info})
    with LiveSessions(tmp_path / "record.sqlite3") as sessions:
        session = sessions.open_session(deal).session
        for entry in entries:
            if isinstance(entry, str):
                word, values, options = split_line(entry)
                entry = entry_data(word, values, options)
            sessions.add_entry(session, entry, lang="en")
        return sessions.show_session(session, lang="en").advice


def late(line: str, at: str) -> dict[str, Any]:
    word, values, options = split_line(line)
    return {**entry_data(word, values, options), "at": at}


# rule id, entries that make it fire, entries that do not
CASES: list[tuple[str, list[Any], list[Any]]] = [
    (
        "meeting.concessions_on_one_topic",
        [
            "concession price 600000 580000 --for a",
            "concession price 580000 570000 --for b",
            "concession price 570000 565000 --for c",
        ],
        [
            "concession price 600000 580000 --for a",
            "concession price 580000 570000 --for b",
        ],
    ),
    (
        "meeting.price_conceded_before_service_and_terms",
        ["concession price 600000 580000 --for 签约"],
        [
            "demand service 增加培训",
            "concession price 600000 580000 --for 签约",
        ],
    ),
    (
        "meeting.late_concession_too_large",
        [late("concession price 600000 570000 --for a", LATE)],
        [late("concession price 600000 570000 --for a", EARLY)],
    ),
    (
        "meeting.tiny_concession_while_negative",
        [
            "concession price 600000 598000 --for a",
            "attitude negative --topic price",
        ],
        [
            "concession price 600000 598000 --for a",
            "attitude softening --topic price",
        ],
    ),
    (
        "meeting.objection_repeated",
        ["objection trust 不放心", "objection trust 还是不放心"],
        ["objection trust 不放心", "objection price 太贵"],
    ),
    (
        "meeting.firm_on_must_goal",
        ["attitude firm --topic price"],
        ["attitude firm --topic price", "attitude softening --topic price"],
    ),
    (
        "meeting.softening_move_to_close",
        ["attitude hesitant softening --topic price"],
        ["attitude softening hesitant --topic price"],
    ),
    (
        "meeting.keyword_matches_selling_point",
        ["keyword cost"],
        ["keyword 颜色"],
    ),
    (
        "meeting.agreement_misses_must_goal",
        ["agreement price 480000"],
        ["agreement price 500000"],
    ),
    (
        "meeting.open_issue_without_owner_or_date",
        ["issue 法务审核 --owner 法务"],
        ["issue 法务审核 --owner 法务 --due 2个工作日"],
    ),
    (
        "meeting.next_action_without_owner_or_due",
        ["action 发报价 --due 明天10:00"],
        ["action 发报价 --owner 张伟 --due 明天10:00"],
    ),
    (
        "meeting.no_next_actions",
        ["agreement price 520000"],
        ["agreement price 520000", "action 发报价 --owner 张伟 --due 明天10:00"],
    ),
    (
        "meeting.our_position_misses_must_goal",
        ["concession price 600000 480000 --for a"],
        ["concession price 600000 510000 --for a"],
    ),
    (
        "meeting.customer_ask_misses_must_goal",
        ["offer price 490000 --by customer"],
        ["offer price 520000 --by customer"],
    ),
    (
        "guard.concession_for_nothing",
        ["concession price 600000 580000"],
        ["concession price 600000 580000 --for 付款期30天"],
    ),
    (
        "guard.concession_grew",
        [
            "concession price 600000 590000 --for a",
            "concession price 590000 560000 --for b",
        ],
        [
            "concession price 600000 570000 --for a",
            "concession price 570000 560000 --for b",
        ],
    ),
]

PROXIMITY = [
    ("guard.position_warning", "concession price 600000 470000 --for a"),
    ("guard.position_critical", "concession price 600000 455000 --for a"),
    ("guard.position_past_bottom_line", "concession price 600000 440000 --for a"),
    ("guard.position_warning", "concession payment 30 82 --for a"),
    ("guard.position_critical", "concession payment 30 88 --for a"),
    ("guard.position_past_bottom_line", "concession payment 30 95 --for a"),
]

ESCALATIONS = [
    ("trust", "meeting.escalate_trust", "trust_escalation"),
    ("price", "meeting.escalate_price", "price_escalation"),
    ("delivery", "meeting.escalate_delivery", "delivery_escalation"),
    ("competitor", "meeting.escalate_competitor", "competitor_escalation"),
    ("function", "meeting.escalate_function", "function_escalation"),
]


@pytest.mark.parametrize(
    ("rule", "entries"),
    [(rule, fire) for rule, fire, _ in CASES],
    ids=[rule for rule, _, _ in CASES],
)
def test_the_rule_fires(tmp_path: Path, rule: str, entries: list[Any]) -> None:
    advice = advice_after(tmp_path, entries, deadline=True)

    assert rule in advice.fired


@pytest.mark.parametrize(
    ("rule", "entries"),
    [(rule, quiet) for rule, _, quiet in CASES],
    ids=[rule for rule, _, _ in CASES],
)
def test_the_rule_stays_quiet(tmp_path: Path, rule: str, entries: list[Any]) -> None:
    advice = advice_after(tmp_path, entries, deadline=True)

    assert rule not in advice.fired


@pytest.mark.parametrize(
    ("rule", "entry"),
    PROXIMITY,
    ids=[f"{rule.split('_', 1)[1]}-{line.split()[1]}" for rule, line in PROXIMITY],
)
def test_bottom_line_proximity_is_flagged_per_term(
    tmp_path: Path, rule: str, entry: str
) -> None:
    advice = advice_after(tmp_path, [entry])

    proximity = {r for r in advice.fired if r.startswith("guard.position_")}
    assert proximity == {rule}


def test_a_small_step_far_from_the_bottom_line_is_not_flagged(tmp_path: Path) -> None:
    advice = advice_after(tmp_path, ["concession price 600000 560000 --for a"])

    assert not {r for r in advice.fired if r.startswith("guard.position_")}


@pytest.mark.parametrize(
    ("objection", "rule", "rebuttal"),
    ESCALATIONS,
    ids=[objection for objection, _, _ in ESCALATIONS],
)
def test_a_repeated_objection_gets_the_escalated_reply(
    tmp_path: Path, objection: str, rule: str, rebuttal: str
) -> None:
    once = advice_after(tmp_path / "once", [f"objection {objection} 第一次"])
    twice = advice_after(
        tmp_path / "twice",
        [f"objection {objection} 第一次", f"objection {objection} 又来了"],
    )

    assert rule not in once.fired
    assert [(r.rule, r.entry) for r in twice.rebuttals if r.rebuttal == rebuttal] == [
        (rule, "e2")
    ]


def test_the_keyword_flag_names_the_matching_selling_point(tmp_path: Path) -> None:
    advice = advice_after(tmp_path, ["keyword cost"])

    messages = [f.message for f in advice.flags if f.rule.startswith("meeting.")]
    assert messages == [
        'The customer stressed "cost": lead with '
        '"运维成本降低30%，同行业头部企业已在使用".'
    ]


def test_the_late_concession_flag_says_how_close_the_deadline_is(
    tmp_path: Path,
) -> None:
    advice = advice_after(
        tmp_path,
        [late("concession price 600000 570000 --for a", LATE)],
        deadline=True,
    )

    [flag] = advice.for_rule("meeting.late_concession_too_large")
    assert flag.message == (  # type: ignore[union-attr]
        "With 4 days to the deadline, this contract_amount concession used 20% "
        "of the range: keep late concessions small."
    )
