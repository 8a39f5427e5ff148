"""Live sessions on a real store, the real engine and the default playbook."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import (
    Advisor,
    Concession,
    Deal,
    EngineError,
    LiveSessions,
    SessionError,
    load_deal,
)
from advisor.cli.shortform import entry_data, split_line
from advisor.entries import ENTRY_KINDS
from advisor.resources import examples_dir
from advisor.store import Store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[LiveSessions]:
    with LiveSessions(tmp_path / "record.sqlite3") as opened:
        yield opened


@pytest.fixture(scope="module")
def handbook_deal() -> Deal:
    """The handbook's deal: target 500,000 at a list price 5% above it."""
    deal = load_deal(examples_dir() / "deal-zh.yaml")
    info = deal.deal.model_copy(update={"list_price": 526000})
    return deal.model_copy(update={"deal": info})


def typed(line: str) -> dict[str, object]:
    word, values, options = split_line(line)
    return entry_data(word, values, options)


# The handbook's example meeting, one entry at a time, with the rules whose
# advice is new and resolved after each entry.
HANDBOOK_MEETING = [
    ("agenda 价格 服务 条款", [], []),
    (
        "keyword 成本 效率",
        [
            "recommendation meeting.keyword_matches_selling_point",
            "flag meeting.keyword_matches_selling_point",
        ],
        [],
    ),
    ("demand price 再降5%", [], []),
    (
        "offer price 499700 --by customer",
        ["flag meeting.customer_ask_misses_must_goal"],
        [],
    ),
    ("concession price 526000 500000 --for 付款期缩短到30天", [], []),
    (
        "attitude hesitant softening --topic price",
        ["recommendation meeting.softening_move_to_close"],
        [],
    ),
    (
        "objection delivery 交付周期太长 --reply 优先排产，45天内交付 --effect worked",
        ["rebuttal rebut.live_delivery"],
        [],
    ),
    ("demand service 增加3次免费培训", [], []),
    ("concession payment 30 45 --for 今天确认签约", [], []),
    ("agreement price 500000", ["flag meeting.no_next_actions"], []),
    ("agreement payment 45", [], []),
    ("agreement training 3", [], []),
    ("issue 法务审核合同细节 --owner 法务 --due 2个工作日", [], []),
    (
        "action 明天10:00前发报价 --owner 张伟 --due 明天10:00",
        [],
        ["flag meeting.no_next_actions"],
    ),
]


def test_the_handbook_meeting_gets_the_right_advice_after_each_entry(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal)
    expected, seen = [], []

    for number, (line, new, resolved) in enumerate(HANDBOOK_MEETING, start=1):
        delta = sessions.add_entry(opened.session, typed(line))
        expected.append((number, line, new, resolved))
        seen.append(
            (
                delta.entry,
                line,
                [f"{item.type} {item.rule}" for item in delta.new],
                [f"{item.type} {item.rule}" for item in delta.resolved],
            )
        )

    assert seen == expected


def test_the_handbook_meeting_closes_with_the_handbook_terms(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal)
    for line, _, _ in HANDBOOK_MEETING:
        sessions.add_entry(opened.session, typed(line))

    view = sessions.show_session(opened.session)

    lines = {line.term: line for line in view.advice.bottom_lines}
    assert (lines["contract_amount"].position, lines["payment_days"].position) == (
        500000,
        45,
    )
    assert [flag.rule for flag in view.advice.flags] == [
        "meeting.customer_ask_misses_must_goal",
        "check.low_satisfaction",
        "check.competitor_in_contact",
        "meeting.keyword_matches_selling_point",
    ]


def test_opening_gives_the_pre_meeting_advice_as_new(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal)

    assert (opened.session, opened.entry, opened.resolved) == ("S1", 0, [])
    assert "strategy.price_sensitive" in {item.rule for item in opened.new}


def test_entries_in_the_deal_file_become_the_first_entries(
    sessions: LiveSessions, deal_en: Deal
) -> None:
    opened = sessions.open_session(deal_en)

    recorded = sessions.store.entries(opened.session)
    assert opened.entry == 3
    assert [entry.kind for entry in recorded] == ["offer", "offer", "concession"]
    assert sessions.store.session(opened.session).deal["entries"] == []


def test_an_entry_is_stored_with_the_advice_given_after_it(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal)

    sessions.add_entry(opened.session, typed("concession price 526000 510000"))

    stored = sessions.store.advice(opened.session, after_seq=1)
    entry = sessions.store.entries(opened.session)[0]
    assert entry.payload["term"] == "contract_amount"
    assert ("flag", "guard.concession_for_nothing") in {
        (item.item_type, item.rule) for item in stored
    }
    assert {item.playbook_name for item in stored} == {"default"}


def test_a_correction_replaces_the_entry_in_advice_but_not_in_the_record(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal)
    sessions.add_entry(opened.session, typed("concession price 526000 510000"))

    delta = sessions.correct_entry(
        opened.session, 1, typed("concession price 526000 510000 --for 30天付款")
    )

    assert [item.rule for item in delta.resolved] == [
        "guard.concession_for_nothing",
        "meeting.price_conceded_before_service_and_terms",
    ]
    assert [entry.corrects for entry in sessions.store.entries(opened.session)] == [
        None,
        1,
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"kind": "concesion", "term": "price", "from": 1, "to": 2},
            "unknown entry kind 'concesion'; did you mean 'concession'?",
        ),
        (
            {"kind": "concession", "term": "price", "from": "a lot", "to": 2},
            "the concession entry is not valid: from must be a number, got 'a lot'",
        ),
        (
            {"kind": "concession", "term": "prise", "from": 1, "to": 2},
            "the concession entry names an unknown term 'prise'; did you mean 'price'?",
        ),
        (
            {"kind": "attitude", "to": "angry"},
            "the attitude entry is not valid: to: input should be 'positive', "
            "'softening', 'hesitant', 'neutral', 'firm' or 'negative', got 'angry'",
        ),
        (
            ["note"],
            'an entry must be a JSON object with a kind, such as {"kind": '
            '"note", "text": "..."}',
        ),
    ],
    ids=["unknown-kind", "not-a-number", "unknown-term", "bad-attitude", "not-object"],
)
def test_a_bad_entry_is_refused_and_nothing_is_written(
    sessions: LiveSessions, handbook_deal: Deal, entry: object, message: str
) -> None:
    opened = sessions.open_session(handbook_deal)
    advice_before = len(sessions.store.advice(opened.session))

    with pytest.raises(SessionError) as caught:
        sessions.add_entry(opened.session, entry)  # type: ignore[arg-type]

    assert str(caught.value) == message
    assert sessions.store.entries(opened.session) == []
    assert len(sessions.store.advice(opened.session)) == advice_before


def test_adding_to_an_unknown_session_writes_nothing(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    sessions.open_session(handbook_deal)

    with pytest.raises(SessionError) as caught:
        sessions.add_entry("S7", {"kind": "note", "text": "lost?"})

    assert str(caught.value) == (
        f"there is no session 'S7' in {sessions.store.path} (sessions: S1); "
        "list them with 'advisor session list'"
    )
    assert sessions.store.entries("S1") == []


def test_correcting_an_entry_that_does_not_exist_writes_nothing(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal)

    with pytest.raises(SessionError, match="entry 3 does not exist in session S1"):
        sessions.correct_entry(opened.session, 3, {"kind": "note", "text": "fix"})

    assert sessions.store.entries(opened.session) == []


def test_export_and_import_round_trip_exactly(
    sessions: LiveSessions, handbook_deal: Deal, tmp_path: Path
) -> None:
    opened = sessions.open_session(handbook_deal)
    for line, _, _ in HANDBOOK_MEETING[:7]:
        sessions.add_entry(opened.session, typed(line), author="张伟")
    exported = sessions.export_session(opened.session)

    with LiveSessions(tmp_path / "other.sqlite3") as other:
        summary = other.import_session(json.loads(json.dumps(exported)))
        again = other.export_session(summary.id)

    assert again == exported
    assert summary.entries == 7


def test_import_checks_every_entry_before_writing(
    sessions: LiveSessions, handbook_deal: Deal, tmp_path: Path
) -> None:
    opened = sessions.open_session(handbook_deal)
    sessions.add_entry(opened.session, typed("note 开场"))
    exported = sessions.export_session(opened.session)
    exported["entries"][0]["entry"]["kind"] = "nope"

    with LiveSessions(tmp_path / "other.sqlite3") as other:
        with pytest.raises(SessionError) as caught:
            other.import_session(exported, "S1.json")
        assert other.list_sessions() == []

    assert str(caught.value) == (
        "entry 1 in S1.json: unknown entry kind 'nope'; did you mean 'note'?"
    )


def test_import_refuses_a_file_that_is_not_an_export(sessions: LiveSessions) -> None:
    with pytest.raises(SessionError) as caught:
        sessions.import_session({"deal": {}}, "deal.json")

    assert str(caught.value) == (
        "deal.json is not a session export; export one with "
        "'advisor session export SID > session.json'"
    )


def test_a_session_keeps_the_playbook_it_was_opened_with(
    sessions: LiveSessions, handbook_deal: Deal, write_playbook: object
) -> None:
    path = write_playbook(  # type: ignore[operator]
        """
        playbook: {name: tiny, version: "2"}
        rules:
          - id: any.concession
            because: {en: Every concession is worth a look.}
            when:
              - concession: {}
            then:
              - flag: {severity: info, message: {en: "A concession."}}
        """
    )
    opened = sessions.open_session(handbook_deal, playbook=path, lang="en")

    delta = sessions.add_entry(
        opened.session, Concession(term="price", before=526000, after=520000)
    )

    assert sessions.list_sessions()[0].playbook.name == "tiny"
    assert [item.text for item in delta.new] == ["A concession."]


def test_packages_start_from_the_sessions_latest_price(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal)
    sessions.add_entry(opened.session, typed("concession price 526000 520000 --for x"))

    packages = sessions.packages(opened.session, lang="en")

    assert packages[0].terms["contract_amount"] == 520000


def test_an_entry_is_kept_when_advising_fails_and_the_next_add_catches_up(
    sessions: LiveSessions, handbook_deal: Deal, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = sessions.open_session(handbook_deal, lang="en")

    def broken(*args: object, **kwargs: object) -> None:
        raise EngineError("the engine stopped")

    with monkeypatch.context() as patch:
        patch.setattr(Advisor, "consult", broken)
        with pytest.raises(EngineError):
            sessions.add_entry(opened.session, typed("concession price 526000 510000"))
    delta = sessions.add_entry(opened.session, typed("note 继续"))

    assert [entry.seq for entry in sessions.store.entries(opened.session)] == [1, 2]
    assert sessions.store.advice(opened.session, after_seq=1) == []
    assert "guard.concession_for_nothing" in {item.rule for item in delta.standing}
    assert "guard.concession_for_nothing" not in {item.rule for item in delta.new}


def test_switching_language_between_entries_changes_no_advice(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    opened = sessions.open_session(handbook_deal, lang="en")
    sessions.add_entry(opened.session, typed("concession price 526000 510000"))

    delta = sessions.add_entry(opened.session, typed("note 休息"), lang="zh")

    assert (delta.new, delta.resolved) == ([], [])


def test_a_bad_entry_in_the_deal_file_opens_no_session(
    sessions: LiveSessions, handbook_deal: Deal
) -> None:
    bad = Concession(term="prise", before=1, after=2)
    deal = handbook_deal.model_copy(update={"entries": [bad]})

    with pytest.raises(SessionError, match="unknown term 'prise'"):
        sessions.open_session(deal)

    assert sessions.list_sessions() == []


def test_an_edited_rule_module_is_compiled_again(
    sessions: LiveSessions, handbook_deal: Deal, tmp_path: Path
) -> None:
    module = tmp_path / "house.yaml"
    rule = """
rules:
  - id: house.note
    because: {{en: Notes matter.}}
    when: [{{note: {{}}}}]
    then: [{{flag: {{severity: info, message: {{en: "{text}"}}}}}}]
"""
    module.write_text(rule.format(text="first"), encoding="utf-8")
    playbook = tmp_path / "house-playbook.yaml"
    playbook.write_text("playbook: {name: house}\ninclude: [house]\n", encoding="utf-8")
    opened = sessions.open_session(handbook_deal, playbook=playbook, lang="en")
    sessions.add_entry(opened.session, {"kind": "note", "text": "a"}, lang="en")
    module.write_text(rule.format(text="second"), encoding="utf-8")
    os.utime(module, ns=(1, 1))

    delta = sessions.add_entry(opened.session, {"kind": "note", "text": "b"}, lang="en")

    assert [item.text for item in delta.standing] == ["second"]


KILLED_WRITER = """
import sys
from advisor import LiveSessions
with LiveSessions(sys.argv[1]) as sessions:
    price = 526000
    for number in range(100000):
        sessions.add_entry("S1", {"kind": "note", "text": f"n{number}"})
        sessions.add_entry("S1", {"kind": "concession", "term": "price",
                                  "from": price, "to": price - 10, "for": "x"})
        price -= 10
"""


def test_a_process_killed_while_adding_leaves_a_session_that_goes_on(
    tmp_path: Path, handbook_deal: Deal
) -> None:
    path = tmp_path / "record.sqlite3"
    with LiveSessions(path) as sessions:
        sessions.open_session(handbook_deal)
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], cwd=ROOT
    )
    deadline = time.monotonic() + 60
    with Store(path) as store:
        while store.session("S1").entry_count < 20 and time.monotonic() < deadline:
            time.sleep(0.02)

    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)

    with LiveSessions(path) as sessions:
        before = sessions.store.entries("S1")
        delta = sessions.add_entry("S1", {"kind": "note", "text": "after"})
    check = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()
    assert check == ("ok",)
    assert [entry.seq for entry in before] == list(range(1, len(before) + 1))
    assert delta.entry == len(before) + 1
    assert delta.new == []


ENTRY_DATA = st.fixed_dictionaries(
    {"kind": st.sampled_from([*ENTRY_KINDS, "bogus"])},
    optional={
        "term": st.sampled_from(["price", "payment", "training", "prise", ""]),
        "topic": st.sampled_from(["price", "service", "terms", "payment", "x"]),
        "from": st.one_of(st.integers(-(10**7), 10**7), st.text(max_size=3)),
        "to": st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.sampled_from(["firm", "softening", "negative"]),
        ),
        "value": st.one_of(st.integers(0, 10**7), st.text(max_size=3)),
        "type": st.sampled_from(["price", "trust", "delivery", "nope"]),
        "text": st.text(max_size=20),
        "words": st.lists(st.text(max_size=5), max_size=3),
        "items": st.lists(st.text(max_size=5), max_size=3),
        "by": st.sampled_from(["us", "customer", "them"]),
        "for": st.text(max_size=10),
    },
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=ENTRY_DATA)
def test_any_entry_is_either_recorded_with_advice_or_refused_cleanly(
    tmp_path_factory: pytest.TempPathFactory, handbook_deal: Deal, data: dict[str, Any]
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzz.sqlite3"
    with LiveSessions(path) as sessions:
        if not sessions.list_sessions():
            sessions.open_session(handbook_deal)
        count = len(sessions.store.entries("S1"))

        try:
            delta = sessions.add_entry("S1", data)
        except SessionError:
            assert len(sessions.store.entries("S1")) == count
        else:
            assert delta.entry == count + 1
