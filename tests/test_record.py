"""The negotiation record of the handbook's example meeting, in every form."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from generated import handbook_session

from advisor.errors import SessionError
from advisor.record import build_record, load_labels, move_text, render_record
from advisor.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEAL = ROOT / "examples" / "deal-zh.yaml"

SECTIONS = {
    "en": [
        "Basic information",
        "Core topics",
        "Key objections",
        "Results",
        "Goal achievement",
        "Open issues",
        "Next actions",
        "Strategy evaluation",
    ],
    "zh": [
        "基本信息",
        "核心议题与双方立场",
        "关键异议及应对",
        "阶段性成果",
        "目标达成率",
        "遗留问题",
        "下一步行动",
        "策略执行评估",
    ],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(tmp_path_factory.mktemp("record") / "record.sqlite3") as opened:
        session_id = handbook_session(opened, DEAL)
        assert session_id == "S1"
        opened.record_mark("S1", "recommendation", "value_for_money", used=True)
        opened.record_mark("S1", "recommendation", "value_for_money", effective=True)
        opened.record_mark("S1", "rebuttal", "delivery_priority", used=False)
        opened.record_outcome("S1", "won", {"contract_amount": 480_000})
        yield opened


@pytest.mark.parametrize("output_format", ["markdown", "html"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_handbook_meeting_renders_every_section(
    store: Store, lang: str, output_format: str
) -> None:
    text = render_record(build_record(store, "S1"), output_format, lang)

    for title in SECTIONS[lang]:
        assert title in text
    for recorded in ("希望价格再降5%", "协调优先排产，保证45天内交付", "发送报价单"):
        assert recorded in text


def test_the_record_shows_the_handbooks_goal_example(store: Store) -> None:
    text = render_record(build_record(store, "S1"), "markdown", "en")

    assert (
        "| contract amount **(Missed must-goal)** | must | >= 500,000 | 480,000 | 96% "
        "| no |" in text
    )
    assert "**Overall achievement**: 99%; **Missed must-goal**: amount" in text


def test_json_carries_outcome_agreed_terms_and_goal_achievement(store: Store) -> None:
    data = json.loads(render_record(build_record(store, "S1"), "json", "en"))

    amount = next(goal for goal in data["goals"] if goal["id"] == "amount")
    assert data["outcome"] == "won"
    assert data["agreed"] == {
        "contract_amount": 480_000,
        "payment_days": 45,
        "free_training_sessions": 3,
    }
    assert (amount["rate"], amount["met"], amount["missed_must"]) == (0.96, False, True)
    assert data["missed_musts"] == ["amount"]


def test_topics_follow_the_handbooks_order_with_both_sides_and_attitudes(
    store: Store,
) -> None:
    record = build_record(store, "S1")

    price = record.topics[0]
    assert [topic.topic for topic in record.topics] == ["price", "service"]
    assert [move_text(move, load_labels("en")) for move in price.customer] == [
        "希望价格再降5%"
    ]
    assert [move_text(move, load_labels("en")) for move in price.ours] == [
        "contract amount 550,000",
        "contract amount 550,000 → 520,000 ↔ 付款周期缩短至30天",
    ]
    assert [move_text(move, load_labels("zh")) for move in price.attitudes] == [
        "犹豫 → 松动"
    ]


def test_basic_information_names_place_and_both_sides(store: Store) -> None:
    basics = build_record(store, "S1").basics

    assert basics.place == "华东精工总部会议室"
    assert basics.our_side == ["张伟（销售）", "刘洋（售后）"]
    assert basics.their_side == ["李总 (CFO)", "王工 (IT经理)"]


def test_the_strategy_evaluation_shows_later_marks_over_earlier_ones(
    store: Store,
) -> None:
    advice = {item.key: item for item in build_record(store, "S1").advice}

    assert (advice["value_for_money"].used, advice["value_for_money"].effective) == (
        True,
        True,
    )
    assert advice["delivery_priority"].used is False
    assert advice["restate_agenda"].used is None


def test_next_actions_and_open_issues_keep_owner_and_time(store: Store) -> None:
    record = build_record(store, "S1")

    assert [(a.text, a.owner, a.due) for a in record.next_actions] == [
        ("发送报价单", "张伟", "明天上午10点前"),
        ("视频沟通合同条款", "张伟", "后天下午3点"),
    ]
    assert [(a.text, a.owner, a.due) for a in record.open_issues] == [
        ("合同细节需法务审核", "法务", "2个工作日内"),
    ]


def test_the_html_is_one_file_with_its_chart_and_nothing_fetched(store: Store) -> None:
    html = render_record(build_record(store, "S1"), "html", "en")

    assert html.count("<svg") == 1
    assert "aria-label='contract amount'" in html
    assert "@media print" in html
    for fetch in ("<script", "<link", " src=", " href=", "url("):
        assert fetch not in html


def test_recorded_text_is_escaped_in_html_and_markdown_cells(tmp_path: Path) -> None:
    with Store(tmp_path / "record.sqlite3") as store:
        session_id = handbook_session(store, DEAL)
        store.append_entry(
            session_id,
            "objection",
            {"kind": "objection", "type": "price", "text": "<b>too</b> | dear"},
        )
        record = build_record(store, session_id)

    assert "&lt;b&gt;too&lt;/b&gt; | dear" in render_record(record, "html", "en")
    assert "| price | <b>too</b> \\| dear |" in render_record(record, "markdown", "en")


def test_an_unknown_session_has_no_record(store: Store) -> None:
    with pytest.raises(SessionError) as caught:
        build_record(store, "S9")

    assert str(caught.value).startswith("there is no session 'S9' in ")
